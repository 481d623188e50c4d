#include "drag/part_mask.h"

#include "drag/latent_ops.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>

namespace dragdiff::drag {

at::Tensor partMask(const at::Tensor& heat, PointF handle, double threshold, int grow) {
    const int64_t h = heat.size(0), w = heat.size(1);
    at::Tensor above = (heat.detach() >= threshold).to(at::kCPU, at::kByte).contiguous();
    const int hx = static_cast<int>(std::clamp<int64_t>(static_cast<int64_t>(handle.x), 0, w - 1));
    const int hy = static_cast<int>(std::clamp<int64_t>(static_cast<int64_t>(handle.y), 0, h - 1));
    cv::Mat binary(static_cast<int>(h), static_cast<int>(w), CV_8UC1, above.data_ptr<uint8_t>());
    binary.at<uint8_t>(hy, hx) = 1;
    cv::Mat labels;
    cv::connectedComponents(binary, labels, /*connectivity=*/8, CV_32S);
    const int own = labels.at<int32_t>(hy, hx);
    cv::Mat part = (labels == own) & (binary > 0);  // 255 inside
    cv::Mat partFloat;
    part.convertTo(partFloat, CV_32F, 1.0 / 255.0);
    at::Tensor mask = at::from_blob(partFloat.data, {h, w}, at::kFloat).clone().to(heat.device(), heat.scalar_type());
    return dilate(mask, grow);
}

}  // namespace dragdiff::drag
