#include "drag/colour_region.h"

#include "drag/boundary_warp.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

namespace dragdiff::drag {
namespace {

// GrabCut runs on the picture scaled to this long side at most: enough for the outline of an
// object a handle can grab, and a few milliseconds (the warp preview's budget is 30 ms).
constexpr int kSegmentationSide = 160;
constexpr int kGrabCutIterations = 3;
// Pixels around the handle that are the object for certain (at the segmentation's scale).
constexpr int kSureRadius = 2;
constexpr uint64_t kSegmentationSeed = 0x5eed;
// 8-bit levels a layer's neighbouring pixels differ by at most, in each channel. 8 by the drag
// bench (peak cases, the fields alone, seed 1): 4 → 66, 6 → 67, 8 → 70, 10 → 68, 12 → 69, 20 → 60
// of 100 (57 without the layer); a fixed range around the handle's colour instead: 68 at 12.
constexpr double kLayerTolerance = 8;
// The same for an object's own colour (see sameColourRegion): its shading steps further between
// neighbours than a layer's. 16 by the drag bench (the fields alone, 100 bends a seed): seeds 1-5
// 452 of 500, 24: 450, 32: 448 (20 on seeds 1-3 as 24); seeds 6-8 the same at 16 and 24.
constexpr double kObjectTolerance = 16;

// The pixels connected to `seed` through 8-neighbours whose 8-bit colours differ by `tolerance`
// levels at most in each channel: floodFill's mask, one pixel larger than the picture all round.
cv::Mat floodMask(const cv::Mat& picture, const cv::Point& seed, double tolerance) {
    cv::Mat rgb8;
    picture.convertTo(rgb8, CV_8UC3, 255.0);
    cv::Mat mask = cv::Mat::zeros(rgb8.rows + 2, rgb8.cols + 2, CV_8UC1);
    cv::floodFill(rgb8, mask, seed, cv::Scalar(), nullptr, cv::Scalar::all(tolerance), cv::Scalar::all(tolerance),
                  8 | cv::FLOODFILL_MASK_ONLY | (1 << 8));
    return mask;
}

cv::Point pixelOf(const cv::Mat& picture, PointF handle) {
    return {std::clamp(int(handle.x), 0, picture.cols - 1), std::clamp(int(handle.y), 0, picture.rows - 1)};
}

}  // namespace

namespace {

// GrabCut on `bgr` (the picture at the segmentation's scale) from `mask` (GC_* labels at that
// scale; the disc around the handle's `seed` is set here): the component holding the handle,
// holes filled, at `pictureSize`.
cv::Mat segment(const cv::Mat& bgr, cv::Mat mask, const cv::Point& seed, cv::Size pictureSize) {
    cv::circle(mask, seed, kSureRadius, cv::Scalar(cv::GC_FGD), cv::FILLED);
    cv::Mat background, foreground;
    // GrabCut seeds its colour models with k-means on OpenCV's thread RNG: fix it, or the same
    // edit could give other bytes on a second run (and the caller's RNG stream is restored).
    const cv::RNG saved = cv::theRNG();
    cv::theRNG() = cv::RNG(kSegmentationSeed);
    cv::grabCut(bgr, mask, cv::Rect(), background, foreground, kGrabCutIterations, cv::GC_INIT_WITH_MASK);
    cv::theRNG() = saved;

    cv::Mat object = (mask == cv::GC_FGD) | (mask == cv::GC_PR_FGD), labels;
    cv::connectedComponents(object, labels, /*connectivity=*/8, CV_32S);
    cv::Mat region = (labels == labels.at<int32_t>(seed)) & object;
    std::vector<std::vector<cv::Point>> outlines;
    cv::findContours(region.clone(), outlines, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_SIMPLE);
    cv::drawContours(region, outlines, -1, cv::Scalar(255), cv::FILLED);
    cv::Mat full;
    cv::resize(region, full, pictureSize, 0, 0, cv::INTER_NEAREST);
    return full / 255;
}

struct Segmentation {
    double scale;
    cv::Mat bgr;
    cv::Point seed;
};

Segmentation prepare(const cv::Mat& picture, PointF handle) {
    Segmentation s;
    s.scale = std::min(1.0, double(kSegmentationSide) / double(std::max(picture.cols, picture.rows)));
    cv::Mat small, rgb8;
    cv::resize(picture, small, cv::Size(), s.scale, s.scale, s.scale < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
    small.convertTo(rgb8, CV_8UC3, 255.0);
    cv::cvtColor(rgb8, s.bgr, cv::COLOR_RGB2BGR);
    s.seed = cv::Point(std::clamp(int(handle.x * s.scale), 0, s.bgr.cols - 1), std::clamp(int(handle.y * s.scale), 0, s.bgr.rows - 1));
    return s;
}

cv::Mat latentAt(const at::Tensor& latent, cv::Size size) {  // [h, w] > 0.5 -> CV_8UC1 0/255 at `size`
    const at::Tensor p = (latent > 0.5).to(at::kCPU, at::kByte).contiguous();
    const cv::Mat small(int(p.size(0)), int(p.size(1)), CV_8UC1, p.data_ptr<uint8_t>());
    cv::Mat out;
    cv::resize(small * 255, out, size, 0, 0, cv::INTER_NEAREST);
    return out;
}

}  // namespace

cv::Mat colourRegion(const cv::Mat& picture, PointF handle, const at::Tensor& heatPart) {
    const Segmentation s = prepare(picture, handle);
    // The heatmap's part is probably the object, the rest probably not, the handle surely is.
    cv::Mat mask(s.bgr.size(), CV_8UC1, cv::Scalar(cv::GC_PR_BGD));
    mask.setTo(cv::GC_PR_FGD, latentAt(heatPart, s.bgr.size()));
    return segment(s.bgr, mask, s.seed, picture.size());
}

cv::Mat confinedRegion(const cv::Mat& picture, PointF handle, const at::Tensor& heatPart, const at::Tensor& frame) {
    const Segmentation s = prepare(picture, handle);
    const cv::Mat inFrame = latentAt(frame, s.bgr.size());
    cv::Mat mask(s.bgr.size(), CV_8UC1, cv::Scalar(cv::GC_BGD));
    mask.setTo(cv::GC_PR_BGD, inFrame);
    mask.setTo(cv::GC_PR_FGD, latentAt(heatPart, s.bgr.size()) & inFrame);
    return segment(s.bgr, mask, s.seed, picture.size());
}

double shareOnFrame(const cv::Mat& region, const at::Tensor& frame) {
    cv::Mat eroded, frontier, outside = latentAt(frame, region.size()) == 0;
    cv::erode(region, eroded, cv::Mat(), cv::Point(-1, -1), 1, cv::BORDER_CONSTANT, cv::Scalar(0));
    const cv::Mat outline = region & (eroded == 0);
    cv::dilate(outside, frontier, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(5, 5)));
    const int length = cv::countNonZero(outline);
    return length > 0 ? double(cv::countNonZero(outline & frontier)) / double(length) : 1.0;
}

cv::Mat layerRegion(const cv::Mat& picture, PointF handle) {
    const cv::Point seed = pixelOf(picture, handle);
    const cv::Mat mask = floodMask(picture, seed, kLayerTolerance);
    // The mask has a one-pixel frame: the seed's neighbours are always inside it.
    const int mx = seed.x + 1, my = seed.y + 1;
    if (!mask.at<uint8_t>(my - 1, mx) || !mask.at<uint8_t>(my + 1, mx) || !mask.at<uint8_t>(my, mx - 1) || !mask.at<uint8_t>(my, mx + 1))
        return cv::Mat();
    return mask(cv::Rect(1, 1, picture.cols, picture.rows)).clone();
}

cv::Mat sameColourRegion(const cv::Mat& picture, PointF handle) {
    return floodMask(picture, pixelOf(picture, handle), kObjectTolerance)(cv::Rect(1, 1, picture.cols, picture.rows)).clone();
}

std::optional<ColourStep> stepAlong(const cv::Mat& picture, PointF handle, PointF target, double search, double minContrast) {
    const double length = std::hypot(target.x - handle.x, target.y - handle.y);
    if (length < 1e-6) return std::nullopt;
    const double ux = (target.x - handle.x) / length, uy = (target.y - handle.y) / length;
    auto along = [&](double k) { return PointF{handle.x + k * ux, handle.y + k * uy}; };
    auto colourAt = [&](double k) { return pixelAt(picture, along(k).x, along(k).y); };
    // Across two pixels, so an anti-aliased edge's blended pixel does not split its step.
    const int reach = int(std::floor(search));
    int edge = 0;
    double strongest = 0;
    for (int k = -reach; k <= reach; ++k) {
        const double step = cv::norm(colourAt(k + 1) - colourAt(k - 1));
        if (step > strongest) strongest = step, edge = k;
    }
    if (edge == 0 || strongest < minContrast) return std::nullopt;
    const int towards = edge > 0 ? -1 : 1;  // from the step towards the handle
    const double within = std::abs(edge) >= 2 ? edge + 2 * towards : 0, past = edge - 2 * towards;
    ColourStep s{along(within), along(past), colourAt(within), colourAt(past)};
    if (cv::norm(s.withinColour - s.pastColour) < minContrast) return std::nullopt;
    return s;
}

cv::Mat sideOfStep(const cv::Mat& picture, const ColourStep& step) {
    const double half = 0.5 * cv::norm(step.withinColour - step.pastColour);
    // Squared distance to the colour past the step, every pixel at once (the warp preview's budget).
    cv::Mat difference = picture - cv::Scalar(step.pastColour[0], step.pastColour[1], step.pastColour[2]), squared;
    cv::multiply(difference, difference, squared);
    cv::transform(squared, squared, cv::Matx13f(1, 1, 1));
    const cv::Mat notPast = (squared > half * half) / 255;
    const cv::Point seed(std::clamp(int(step.within.x), 0, picture.cols - 1), std::clamp(int(step.within.y), 0, picture.rows - 1));
    if (!notPast.at<uint8_t>(seed)) return cv::Mat();
    cv::Mat labels;
    cv::connectedComponents(notPast, labels, /*connectivity=*/4, CV_32S);
    const cv::Mat region = labels == labels.at<int32_t>(seed);
    return region / 255;
}

at::Tensor regionToLatent(const cv::Mat& region, int latentScale, const at::TensorOptions& options, double coverage) {
    cv::Mat f, small;
    region.convertTo(f, CV_32F);
    cv::resize(f, small, cv::Size(region.cols / latentScale, region.rows / latentScale), 0, 0, cv::INTER_AREA);
    const at::Tensor t = at::from_blob(small.data, {small.rows, small.cols}, at::kFloat).clone();
    return (t >= coverage).to(options.dtype()).to(options.device());
}

}  // namespace dragdiff::drag
