#pragma once
// The down, mid and up blocks of UNet2DConditionModel.
#include "models/blocks/attention.h"
#include "models/blocks/resampling.h"
#include "models/blocks/resnet_block.h"
#include "models/blocks/transformer_2d.h"

#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>

#include <optional>
#include <utility>
#include <vector>

namespace dragdiff::models {

using SpatialSize = std::optional<std::pair<int64_t, int64_t>>;  // {H, W}

// What one UNet block is built from (the arguments diffusers' get_down/mid/up_block passes).
struct UNetBlockOptions {
    int64_t inChannels = 0;
    int64_t outChannels = 0;
    int64_t prevOutputChannels = 0;  // up blocks: channels coming from the block below
    int64_t tembChannels = 0;
    int numLayers = 1;
    int transformerLayers = 1;
    double eps = 1e-5;
    int64_t groups = 32;
    int64_t heads = 8;
    int64_t crossAttentionDim = 768;
    int64_t downsamplePadding = 1;
    bool addSampler = true;  // downsamplers.0 / upsamplers.0
    bool useLinearProjection = false;
    bool upcastAttention = false;
    double outputScaleFactor = 1.0;
};

// Ports diffusers CrossAttnDownBlock2D (models/unets/unet_2d_blocks.py).
class CrossAttnDownBlock2DImpl : public torch::nn::Module {
public:
    explicit CrossAttnDownBlock2DImpl(const UNetBlockOptions& options);
    // Appends each resnet+attention output and the downsampled output to `skips`.
    at::Tensor forward(const at::Tensor& x, const at::Tensor& temb, const at::Tensor& context,
                       const SelfAttentionKVHook* hook, std::vector<at::Tensor>& skips);

    torch::nn::ModuleList attentions{nullptr};
    torch::nn::ModuleList resnets{nullptr};
    torch::nn::ModuleList downsamplers{nullptr};

private:
    std::vector<ResnetBlock2D> resnets_;
    std::vector<Transformer2DModel> attentions_;
    Downsample2D downsampler_{nullptr};
};
TORCH_MODULE(CrossAttnDownBlock2D);

// Ports diffusers DownBlock2D (models/unets/unet_2d_blocks.py).
class DownBlock2DImpl : public torch::nn::Module {
public:
    explicit DownBlock2DImpl(const UNetBlockOptions& options);
    at::Tensor forward(const at::Tensor& x, const at::Tensor& temb, std::vector<at::Tensor>& skips);

    torch::nn::ModuleList resnets{nullptr};
    torch::nn::ModuleList downsamplers{nullptr};

private:
    std::vector<ResnetBlock2D> resnets_;
    Downsample2D downsampler_{nullptr};
};
TORCH_MODULE(DownBlock2D);

// Ports diffusers UNetMidBlock2DCrossAttn (models/unets/unet_2d_blocks.py): resnets.0, then
// (attentions.i, resnets.i+1) for each layer.
class UNetMidBlock2DCrossAttnImpl : public torch::nn::Module {
public:
    explicit UNetMidBlock2DCrossAttnImpl(const UNetBlockOptions& options);
    at::Tensor forward(const at::Tensor& x, const at::Tensor& temb, const at::Tensor& context,
                       const SelfAttentionKVHook* hook);

    torch::nn::ModuleList attentions{nullptr};
    torch::nn::ModuleList resnets{nullptr};

private:
    std::vector<ResnetBlock2D> resnets_;
    std::vector<Transformer2DModel> attentions_;
};
TORCH_MODULE(UNetMidBlock2DCrossAttn);

// Ports diffusers CrossAttnUpBlock2D (models/unets/unet_2d_blocks.py).
class CrossAttnUpBlock2DImpl : public torch::nn::Module {
public:
    explicit CrossAttnUpBlock2DImpl(const UNetBlockOptions& options);
    // Consumes one skip per resnet from the back of `skips`. `upBlock` is this block's index
    // (reported to the hook); `upsampleSize` forces the upsampler's output size.
    at::Tensor forward(const at::Tensor& x, std::vector<at::Tensor>& skips, const at::Tensor& temb,
                       const at::Tensor& context, const SelfAttentionKVHook* hook, int upBlock,
                       const SpatialSize& upsampleSize);
    size_t numResnets() const { return resnets_.size(); }

    torch::nn::ModuleList attentions{nullptr};
    torch::nn::ModuleList resnets{nullptr};
    torch::nn::ModuleList upsamplers{nullptr};

private:
    std::vector<ResnetBlock2D> resnets_;
    std::vector<Transformer2DModel> attentions_;
    Upsample2D upsampler_{nullptr};
};
TORCH_MODULE(CrossAttnUpBlock2D);

// Ports diffusers UpBlock2D (models/unets/unet_2d_blocks.py).
class UpBlock2DImpl : public torch::nn::Module {
public:
    explicit UpBlock2DImpl(const UNetBlockOptions& options);
    at::Tensor forward(const at::Tensor& x, std::vector<at::Tensor>& skips, const at::Tensor& temb,
                       const SpatialSize& upsampleSize);
    size_t numResnets() const { return resnets_.size(); }

    torch::nn::ModuleList resnets{nullptr};
    torch::nn::ModuleList upsamplers{nullptr};

private:
    std::vector<ResnetBlock2D> resnets_;
    Upsample2D upsampler_{nullptr};
};
TORCH_MODULE(UpBlock2D);

}  // namespace dragdiff::models
