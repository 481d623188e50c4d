#include "drag/working_image.h"

#include <opencv2/imgproc.hpp>

#include <cmath>

namespace dragdiff::drag {

cv::Mat rgbOf(const RgbaImage& image) {
    cv::Mat rgba(image.height, image.width, CV_8UC4, const_cast<uint8_t*>(image.pixels.data()));
    cv::Mat rgb;
    cv::cvtColor(rgba, rgb, cv::COLOR_RGBA2RGB);
    return rgb;
}

RgbaImage toRgba(const cv::Mat& rgb8, const RgbaImage* alphaFrom) {
    RgbaImage out;
    out.width = rgb8.cols;
    out.height = rgb8.rows;
    out.pixels.resize(size_t(out.width) * out.height * 4);
    cv::Mat dst(out.height, out.width, CV_8UC4, out.pixels.data());
    cv::cvtColor(rgb8, dst, cv::COLOR_RGB2RGBA);
    if (alphaFrom && alphaFrom->width == out.width && alphaFrom->height == out.height)
        for (size_t i = 3; i < out.pixels.size(); i += 4) out.pixels[i] = alphaFrom->pixels[i];
    return out;
}

WorkingImage makeWorkingImage(const RgbaImage& image, int longSide, int multiple) {
    WorkingImage w;
    w.original = cv::Size(image.width, image.height);
    w.scale = double(longSide) / std::max(image.width, image.height);
    w.content = cv::Size(std::max(1, int(std::lround(image.width * w.scale))),
                         std::max(1, int(std::lround(image.height * w.scale))));
    cv::Mat rgb8 = rgbOf(image), scaled;
    const bool shrinking = w.scale < 1.0;
    cv::resize(rgb8, scaled, w.content, 0, 0, shrinking ? cv::INTER_AREA : cv::INTER_CUBIC);
    const int W = (w.content.width + multiple - 1) / multiple * multiple;
    const int H = (w.content.height + multiple - 1) / multiple * multiple;
    cv::Mat padded;
    cv::copyMakeBorder(scaled, padded, 0, H - w.content.height, 0, W - w.content.width, cv::BORDER_REPLICATE);
    padded.convertTo(w.rgb, CV_32FC3, 1.0 / 255.0);
    return w;
}

at::Tensor WorkingImage::tensor(const at::Device& device) const {
    cv::Mat c = rgb.isContinuous() ? rgb : rgb.clone();
    at::Tensor t = at::from_blob(c.data, {1, rgb.rows, rgb.cols, 3}, at::kFloat).clone();  // [1, H, W, 3]
    return (t.permute({0, 3, 1, 2}).contiguous() * 2 - 1).to(device);
}

cv::Mat tensorToRgb(const at::Tensor& image) {
    at::Tensor t = ((image.detach().to(at::kCPU, at::kFloat)[0].clamp(-1, 1) + 1) * 0.5).permute({1, 2, 0}).contiguous();
    cv::Mat m(int(t.size(0)), int(t.size(1)), CV_32FC3, t.data_ptr<float>());
    return m.clone();
}

RgbaImage workingPreview(const WorkingImage& w, const cv::Mat& rgbWorking) {
    cv::Mat content = rgbWorking(cv::Rect(0, 0, w.content.width, w.content.height)), rgb8;
    content.convertTo(rgb8, CV_8UC3, 255.0);
    return toRgba(rgb8);
}

RgbaImage compositeBack(const RgbaImage& input, const WorkingImage& w, const cv::Mat& editedWorking,
                        const cv::Mat& alpha, const Mask* limit) {
    const cv::Rect roi(0, 0, w.content.width, w.content.height);
    cv::Mat edited, a;
    cv::resize(editedWorking(roi), edited, w.original, 0, 0, cv::INTER_CUBIC);
    cv::resize(alpha(roi), a, w.original, 0, 0, cv::INTER_LINEAR);
    cv::Mat out = rgbOf(input);
    for (int y = 0; y < out.rows; ++y) {
        const float* ar = a.ptr<float>(y);
        const cv::Vec3f* er = edited.ptr<cv::Vec3f>(y);
        cv::Vec3b* orow = out.ptr<cv::Vec3b>(y);
        const uint8_t* lr = limit && !limit->empty() ? limit->values.data() + size_t(y) * limit->width : nullptr;
        for (int x = 0; x < out.cols; ++x) {
            if (lr && lr[x] == 0) continue;
            const float al = std::min(1.0f, std::max(0.0f, ar[x]));
            if (al <= 0.0f) continue;  // untouched pixels stay bit-identical
            for (int c = 0; c < 3; ++c) {
                const float e = std::min(1.0f, std::max(0.0f, er[x][c])) * 255.0f;
                orow[x][c] = cv::saturate_cast<uchar>(al * e + (1 - al) * orow[x][c]);
            }
        }
    }
    return toRgba(out, &input);
}

}  // namespace dragdiff::drag
