#include "models/blocks/resampling.h"

namespace dragdiff::models {

Downsample2DImpl::Downsample2DImpl(int64_t channels, int64_t outChannels, int64_t padding) : padding_(padding) {
    conv = register_module(
        "conv", torch::nn::Conv2d(
                    torch::nn::Conv2dOptions(channels, outChannels, /*kernel_size=*/3).stride(2).padding(padding)));
}

at::Tensor Downsample2DImpl::forward(const at::Tensor& x) {
    if (padding_ == 0) return conv(at::constant_pad_nd(x, {0, 1, 0, 1}, 0));
    return conv(x);
}

Upsample2DImpl::Upsample2DImpl(int64_t channels, int64_t outChannels) {
    conv = register_module(
        "conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, outChannels, /*kernel_size=*/3).padding(1)));
}

at::Tensor Upsample2DImpl::forward(const at::Tensor& x, const std::optional<std::pair<int64_t, int64_t>>& outputSize) {
    // diffusers upsamples bfloat16 in fp32 (nearest has no bf16 kernel on older torch).
    const bool viaFloat = x.scalar_type() == at::kBFloat16;
    at::Tensor h = viaFloat ? x.to(at::kFloat) : x;
    if (outputSize)
        h = at::upsample_nearest2d(h, {outputSize->first, outputSize->second});
    else
        h = at::upsample_nearest2d(h, {2 * h.size(2), 2 * h.size(3)}, 2.0, 2.0);
    if (viaFloat) h = h.to(x.scalar_type());
    return conv(h);
}

}  // namespace dragdiff::models
