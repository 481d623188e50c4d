#pragma once
// The tiny autoencoder TAESD (taesd for SD 1.x/2.x, taesdxl for SDXL) used for cheap previews.
// Ports diffusers AutoencoderTiny (models/autoencoders/autoencoder_tiny.py) and its EncoderTiny,
// DecoderTiny (models/autoencoders/vae.py) and AutoencoderTinyBlock (models/unets/unet_2d_blocks.py)
// without tiling or slicing. Module paths equal the diffusers keys: decoder.layers.0.weight,
// decoder.layers.2.conv.0.weight, ... (`layers` is a Sequential: ReLU and Upsample take an index).
#include "io/config_json.h"

#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>

#include <string>
#include <vector>

namespace dragdiff::models {

// diffusers AutoencoderTiny.__init__ defaults (the published taesd/taesdxl configs use them).
struct AutoencoderTinyConfig {
    int inChannels = 3;
    int outChannels = 3;
    std::vector<int> encoderBlockOutChannels{64, 64, 64, 64};
    std::vector<int> decoderBlockOutChannels{64, 64, 64, 64};
    std::string actFn = "relu";
    std::string upsampleFn = "nearest";
    int latentChannels = 4;
    int upsamplingScalingFactor = 2;
    std::vector<int> numEncoderBlocks{1, 3, 3, 3};
    std::vector<int> numDecoderBlocks{3, 3, 3, 1};
    double scalingFactor = 1.0;  // TAESD works on the diffusion model's (already scaled) latents

    static AutoencoderTinyConfig read(const io::ConfigReader& r);  // LoadError for what we do not support
};

// Ports diffusers AutoencoderTinyBlock: relu(conv(x) + skip(x)), conv = conv3x3-relu-conv3x3-relu-conv3x3,
// skip a 1×1 conv without bias when the channel count changes (else identity).
class AutoencoderTinyBlockImpl : public torch::nn::Module {
public:
    AutoencoderTinyBlockImpl(int64_t inChannels, int64_t outChannels);
    at::Tensor forward(const at::Tensor& x);

    torch::nn::Sequential conv{nullptr};
    torch::nn::Conv2d skip{nullptr};  // null for the identity
};
TORCH_MODULE(AutoencoderTinyBlock);

// Ports diffusers EncoderTiny: image [B, 3, H, W] in [-1, 1] -> latents [B, latent, H/f, W/f].
class EncoderTinyImpl : public torch::nn::Module {
public:
    explicit EncoderTinyImpl(const AutoencoderTinyConfig& config);
    at::Tensor forward(const at::Tensor& image);

    torch::nn::Sequential layers{nullptr};
};
TORCH_MODULE(EncoderTiny);

// Ports diffusers DecoderTiny: latents [B, latent, h, w] -> image [B, 3, h·f, w·f] in about [-1, 1];
// the latents are soft-clamped first (tanh(x / 3) · 3).
class DecoderTinyImpl : public torch::nn::Module {
public:
    explicit DecoderTinyImpl(const AutoencoderTinyConfig& config);
    at::Tensor forward(const at::Tensor& latents);

    torch::nn::Sequential layers{nullptr};
};
TORCH_MODULE(DecoderTiny);

// Ports diffusers AutoencoderTiny. Built without an encoder for decoder-only weight files.
class AutoencoderTinyImpl : public torch::nn::Module {
public:
    explicit AutoencoderTinyImpl(const AutoencoderTinyConfig& config, bool withEncoder = true);

    at::Tensor encode(const at::Tensor& image);    // InvalidRequest when built without an encoder
    at::Tensor decode(const at::Tensor& latents);  // takes latents / scalingFactor(), as diffusers pipelines call it
    double scalingFactor() const { return config_.scalingFactor; }
    int latentScale() const;  // image pixels per latent pixel: upsampling_scaling_factor ^ (levels - 1)
    const AutoencoderTinyConfig& config() const { return config_; }

    EncoderTiny encoder{nullptr};  // null without an encoder
    DecoderTiny decoder{nullptr};

private:
    void checkInput(const at::Tensor& t, int64_t channels, const char* what) const;
    AutoencoderTinyConfig config_;
};
TORCH_MODULE(AutoencoderTiny);

// Loads TAESD weights: a diffusers folder (config.json + diffusion_pytorch_model[.fp16].safetensors),
// a diffusers-layout .safetensors file (encoder.layers.*, decoder.layers.*; default config, the
// latent channels read from decoder.layers.0.weight), or TAESD's own taesd_decoder.safetensors
// (keys 1.weight, 3.conv.0.weight, ...). Pickle files are refused. LoadError names the file and tensor.
AutoencoderTiny loadAutoencoderTiny(const std::string& path, at::ScalarType dtype = at::kFloat,
                                    at::Device device = at::kCPU);

}  // namespace dragdiff::models
