#pragma once
// The 2× down- and up-sampling layers between UNet/VAE resolution levels.
#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/conv.h>

#include <optional>
#include <utility>

namespace dragdiff::models {

// Ports diffusers Downsample2D (models/downsampling.py) with use_conv=True: a 3×3 stride-2 conv
// named `conv`. padding 0 (the VAE encoder) pads right and bottom by one first, as diffusers'
// F.pad(x, (0, 1, 0, 1)).
class Downsample2DImpl : public torch::nn::Module {
public:
    Downsample2DImpl(int64_t channels, int64_t outChannels, int64_t padding);
    // [B, C, H, W] -> [B, Cout, ceil(H/2), ceil(W/2)] (padding 1) or [B, Cout, H/2, W/2] rounded down (padding 0)
    at::Tensor forward(const at::Tensor& x);

    torch::nn::Conv2d conv{nullptr};

private:
    int64_t padding_ = 1;
};
TORCH_MODULE(Downsample2D);

// Ports diffusers Upsample2D (models/upsampling.py) with use_conv=True: nearest ×2 (or nearest to
// an explicit size, used when the skip connection's size is odd) then a 3×3 conv named `conv`.
class Upsample2DImpl : public torch::nn::Module {
public:
    Upsample2DImpl(int64_t channels, int64_t outChannels);
    // outputSize: {H, W} to interpolate to instead of doubling.
    at::Tensor forward(const at::Tensor& x, const std::optional<std::pair<int64_t, int64_t>>& outputSize = {});

    torch::nn::Conv2d conv{nullptr};
};
TORCH_MODULE(Upsample2D);

}  // namespace dragdiff::models
