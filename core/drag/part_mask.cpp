#include "drag/part_mask.h"

#include "drag/latent_ops.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>

namespace dragdiff::drag {

namespace {

// The connected region of `above` (CV_8UC1, 0/1) holding (x, y), as 0/1.
cv::Mat regionAt(const cv::Mat& above, int x, int y) {
    cv::Mat labels;
    cv::connectedComponents(above, labels, /*connectivity=*/8, CV_32S);
    cv::Mat region = (labels == labels.at<int32_t>(y, x)) & (above > 0);  // 255 inside
    return region / 255;
}

}  // namespace

at::Tensor partMask(const at::Tensor& heat, PointF handle, double threshold, int grow, double maxFraction) {
    const int64_t h = heat.size(0), w = heat.size(1);
    const at::Tensor values = heat.detach().to(at::kCPU, at::kFloat).contiguous();
    const cv::Mat map(static_cast<int>(h), static_cast<int>(w), CV_32FC1, const_cast<float*>(values.data_ptr<float>()));
    const int hx = static_cast<int>(std::clamp<int64_t>(static_cast<int64_t>(handle.x), 0, w - 1));
    const int hy = static_cast<int>(std::clamp<int64_t>(static_cast<int64_t>(handle.y), 0, h - 1));
    const double largest = maxFraction * static_cast<double>(h * w);
    cv::Mat region;
    for (double level = threshold;; level = std::min(1.0, level + 0.05)) {
        cv::Mat above = map >= level;  // 255 / 0
        above /= 255;
        above.at<uint8_t>(hy, hx) = 1;
        region = regionAt(above, hx, hy);
        if (cv::countNonZero(region) <= largest || level >= 1.0) break;
    }
    cv::Mat regionFloat;
    region.convertTo(regionFloat, CV_32F);
    at::Tensor mask = at::from_blob(regionFloat.data, {h, w}, at::kFloat).clone().to(heat.device(), heat.scalar_type());
    return dilate(mask, grow);
}

}  // namespace dragdiff::drag
