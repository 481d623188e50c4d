#pragma once
// The Stable Diffusion denoiser.
#include "models/blocks/attention.h"
#include "models/blocks/embeddings.h"
#include "models/model_configs.h"
#include "models/unet/unet_blocks.h"
#include "models/unet/unet_conditioning.h"

#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/normalization.h>

#include <string>
#include <vector>

namespace dragdiff::models {

struct UNetForwardOptions {
    // Fill UNetOutput::upBlockOutputs with the output of every up block run.
    bool returnUpBlockOutputs = false;
    // >= 0: return right after up_blocks[k] with upBlockOutputs[0..k] (filled whatever
    // returnUpBlockOutputs says) and `sample` undefined; the rest of the UNet does not run.
    int stopAfterUpBlock = -1;
    // Sees (and may replace) the key and value of every self-attention.
    SelfAttentionKVHook selfAttentionHook;
    // With autograd: the up-blocks keep no activations and no attention keeps its weights;
    // backward recomputes them (activation checkpointing). Less memory for one more forward of
    // the up-blocks and of every attention during backward.
    bool checkpointUpBlocks = false;
    // >= 0: the up-blocks after up_blocks[k] and the output layers run without autograd, so
    // `sample` carries no gradient (for energies on up_blocks[0..k] features only: the graph and
    // the activations of the rest are never recorded).
    int gradientUpToUpBlock = -1;
};

struct UNetOutput {
    at::Tensor sample;                       // [B, outChannels, h, w]: the noise (or v) prediction
    std::vector<at::Tensor> upBlockOutputs;  // [B, C_i, h_i, w_i]: outputs of up_blocks[i]
};

// Ports diffusers UNet2DConditionModel (models/unets/unet_2d_condition.py) for the Stable
// Diffusion 1.x/2.x and SDXL configurations (positional time embedding, CrossAttnDownBlock2D/DownBlock2D,
// UNetMidBlock2DCrossAttn, CrossAttnUpBlock2D/UpBlock2D; SDXL's addition_embed_type "text_time":
// add_time_proj + add_embedding). named_parameters() keys equal the diffusers checkpoint keys.
// Parameters never require grad; forward is differentiable with respect to the sample, the encoder
// hidden states and the text embeds.
class UNet2DConditionModelImpl : public torch::nn::Module {
public:
    explicit UNet2DConditionModelImpl(const UNetConfig& config);  // randomly initialised (torch defaults)

    // sample [B, inChannels, h, w] (any h, w >= 1); timestep int64 or float, a scalar or [B] (or [1]);
    // conditioning.encoderHiddenStates [B, L, crossAttentionDim] (a context tensor converts); with
    // "text_time" also textEmbeds and timeIds (see UNetConditioning), which other UNets refuse.
    UNetOutput forward(const at::Tensor& sample, const at::Tensor& timestep, const UNetConditioning& conditioning,
                       const UNetForwardOptions& options = {});

    const UNetConfig& config() const { return config_; }
    size_t numUpBlocks() const { return ups_.size(); }

    // Channels-last (NHWC) activations and convolution weights: oneDNN's fast convolution path on
    // CPU. Outputs keep the logical [B, C, h, w] shape (call .contiguous() for an NCHW copy).
    void setChannelsLast(bool on);
    bool channelsLast() const { return channelsLast_; }

    torch::nn::Conv2d conv_in{nullptr};
    Timesteps time_proj{nullptr};
    TimestepEmbedding time_embedding{nullptr};
    Timesteps add_time_proj{nullptr};            // "text_time" only
    TimestepEmbedding add_embedding{nullptr};    // "text_time" only
    torch::nn::ModuleList down_blocks{nullptr};
    UNetMidBlock2DCrossAttn mid_block{nullptr};
    torch::nn::ModuleList up_blocks{nullptr};
    torch::nn::GroupNorm conv_norm_out{nullptr};
    torch::nn::Conv2d conv_out{nullptr};

private:
    struct DownEntry {
        CrossAttnDownBlock2D cross{nullptr};
        DownBlock2D plain{nullptr};
    };
    struct UpEntry {
        CrossAttnUpBlock2D cross{nullptr};
        UpBlock2D plain{nullptr};
    };
    at::Tensor timeEmbedding(const at::Tensor& sample, const at::Tensor& timestep);
    // diffusers get_aug_embed for "text_time": [B, 4·ch0].
    at::Tensor textTimeEmbedding(const UNetConditioning& conditioning, int64_t batch, at::ScalarType dtype);
    void checkInputs(const at::Tensor& sample, const at::Tensor& encoderHiddenStates,
                     const UNetForwardOptions& options) const;

    UNetConfig config_;
    bool channelsLast_ = false;
    std::vector<DownEntry> downs_;
    std::vector<UpEntry> ups_;
};
TORCH_MODULE(UNet2DConditionModel);

// Loads a diffusers `unet/` folder: config.json and diffusion_pytorch_model[.fp16].safetensors,
// weights converted to `dtype` on `device`. Throws LoadError naming the file and tensor at fault.
UNet2DConditionModel loadUNet(const std::string& folder, at::ScalarType dtype = at::kFloat,
                              at::Device device = at::kCPU);

}  // namespace dragdiff::models
