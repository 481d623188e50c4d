#pragma once
// The residual block shared by the UNet and the VAE.
#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

namespace dragdiff::models {

struct ResnetBlock2DOptions {
    int64_t inChannels = 0;
    int64_t outChannels = 0;   // 0: same as inChannels
    int64_t tembChannels = 0;  // 0: no time embedding (the VAE)
    int64_t groups = 32;
    double eps = 1e-6;
    double outputScaleFactor = 1.0;
};

// Ports diffusers ResnetBlock2D (models/resnet.py) with time_embedding_norm "default", silu, no
// up/down sampling: norm1 → silu → conv1 (+ time_emb_proj(silu(temb))) → norm2 → silu → conv2,
// plus the input (through the 1×1 conv_shortcut when the channel count changes), divided by
// output_scale_factor.
class ResnetBlock2DImpl : public torch::nn::Module {
public:
    explicit ResnetBlock2DImpl(const ResnetBlock2DOptions& options);

    // x [B, Cin, H, W], temb [B, T] (undefined when tembChannels == 0) -> [B, Cout, H, W]
    at::Tensor forward(const at::Tensor& x, const at::Tensor& temb = {});

    torch::nn::GroupNorm norm1{nullptr};
    torch::nn::Conv2d conv1{nullptr};
    torch::nn::Linear time_emb_proj{nullptr};
    torch::nn::GroupNorm norm2{nullptr};
    torch::nn::Conv2d conv2{nullptr};
    torch::nn::Conv2d conv_shortcut{nullptr};

private:
    double outputScaleFactor_ = 1.0;
};
TORCH_MODULE(ResnetBlock2D);

}  // namespace dragdiff::models
