#pragma once
// The model sees the picture at its native size: scaled so the long side is the model's size,
// padded (edge-replicated, never distorted) up to the sizes the UNet accepts. Points and masks
// follow the same map; results come back to the input's full resolution.
#include "dragdiff/engine.h"

#include <ATen/ATen.h>
#include <opencv2/core.hpp>

namespace dragdiff::drag {

struct WorkingImage {
    cv::Mat rgb;        // CV_32FC3 in [0, 1], padded working size
    double scale = 1;   // working pixels per input pixel
    cv::Size content;   // the scaled picture inside `rgb` (top-left aligned)
    cv::Size original;  // input size

    PointF toWorking(PointF p) const { return {p.x * scale, p.y * scale}; }
    PointF toOriginal(PointF p) const { return {p.x / scale, p.y / scale}; }
    // [1, 3, H, W] in [-1, 1] on `device`
    at::Tensor tensor(const at::Device& device) const;
};

WorkingImage makeWorkingImage(const RgbaImage& image, int longSide, int multiple);

// Input RGB (8-bit) of an RgbaImage, and back.
cv::Mat rgbOf(const RgbaImage& image);
RgbaImage toRgba(const cv::Mat& rgb8, const RgbaImage* alphaFrom = nullptr);

// [1, 3, H, W] in [-1, 1] -> CV_32FC3 [0, 1]
cv::Mat tensorToRgb(const at::Tensor& image);
// The content part of a working-size image, as an 8-bit RGBA preview.
RgbaImage workingPreview(const WorkingImage& w, const cv::Mat& rgbWorking);

// Composites `editedWorking` (CV_32FC3, working size) over the input where `alpha` (CV_32FC1,
// working size, in [0, 1]) says so, at the input's full resolution. Where the upscaled alpha is 0
// the input's pixels are copied unchanged (bit-identical), and so they are wherever `limit`
// (optional, the input's size) is zero.
RgbaImage compositeBack(const RgbaImage& input, const WorkingImage& w, const cv::Mat& editedWorking,
                        const cv::Mat& alpha, const Mask* limit = nullptr);

}  // namespace dragdiff::drag
