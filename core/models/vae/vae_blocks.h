#pragma once
// The blocks of the VAE encoder and decoder (no time embedding).
#include "models/blocks/attention.h"
#include "models/blocks/resampling.h"
#include "models/blocks/resnet_block.h"

#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>

#include <vector>

namespace dragdiff::models {

// Ports diffusers DownEncoderBlock2D (models/unets/unet_2d_blocks.py): resnets, then
// downsamplers.0 (the VAE passes padding 0, the asymmetric pad).
class DownEncoderBlock2DImpl : public torch::nn::Module {
public:
    DownEncoderBlock2DImpl(int64_t inChannels, int64_t outChannels, int numLayers, int64_t groups, bool addDownsample,
                           int64_t downsamplePadding);
    at::Tensor forward(const at::Tensor& x);

    torch::nn::ModuleList resnets{nullptr};
    torch::nn::ModuleList downsamplers{nullptr};

private:
    std::vector<ResnetBlock2D> resnets_;
    Downsample2D downsampler_{nullptr};
};
TORCH_MODULE(DownEncoderBlock2D);

// Ports diffusers UpDecoderBlock2D (models/unets/unet_2d_blocks.py): resnets, then upsamplers.0.
class UpDecoderBlock2DImpl : public torch::nn::Module {
public:
    UpDecoderBlock2DImpl(int64_t inChannels, int64_t outChannels, int numLayers, int64_t groups, bool addUpsample);
    at::Tensor forward(const at::Tensor& x);

    torch::nn::ModuleList resnets{nullptr};
    torch::nn::ModuleList upsamplers{nullptr};

private:
    std::vector<ResnetBlock2D> resnets_;
    Upsample2D upsampler_{nullptr};
};
TORCH_MODULE(UpDecoderBlock2D);

// Ports diffusers UNetMidBlock2D (models/unets/unet_2d_blocks.py) as the VAE builds it: one layer,
// resnets.0 → attentions.0 (single-head spatial attention with group_norm and a residual, when
// addAttention) → resnets.1, eps 1e-6.
class UNetMidBlock2DImpl : public torch::nn::Module {
public:
    UNetMidBlock2DImpl(int64_t channels, int64_t groups, bool addAttention);
    at::Tensor forward(const at::Tensor& x);  // [B, C, H, W] -> [B, C, H, W]

    torch::nn::ModuleList attentions{nullptr};
    torch::nn::ModuleList resnets{nullptr};

private:
    std::vector<ResnetBlock2D> resnets_;
    Attention attention_{nullptr};
};
TORCH_MODULE(UNetMidBlock2D);

}  // namespace dragdiff::models
