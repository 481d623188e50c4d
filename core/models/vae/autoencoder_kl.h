#pragma once
// The Stable Diffusion VAE.
#include "models/model_configs.h"
#include "models/vae/vae_blocks.h"

#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/normalization.h>

#include <string>
#include <vector>

namespace dragdiff::models {

// Ports diffusers Encoder (models/autoencoders/vae.py) with double_z: image [B, 3, H, W] ->
// moments [B, 2·latent, H/f, W/f].
class EncoderImpl : public torch::nn::Module {
public:
    explicit EncoderImpl(const VAEConfig& config);
    at::Tensor forward(const at::Tensor& x);

    torch::nn::Conv2d conv_in{nullptr};
    torch::nn::ModuleList down_blocks{nullptr};
    UNetMidBlock2D mid_block{nullptr};
    torch::nn::GroupNorm conv_norm_out{nullptr};
    torch::nn::Conv2d conv_out{nullptr};

private:
    std::vector<DownEncoderBlock2D> downs_;
};
TORCH_MODULE(Encoder);

// Ports diffusers Decoder (models/autoencoders/vae.py) with norm_type "group": latent
// [B, latent, h, w] -> image [B, 3, h·f, w·f].
class DecoderImpl : public torch::nn::Module {
public:
    explicit DecoderImpl(const VAEConfig& config);
    at::Tensor forward(const at::Tensor& z);

    torch::nn::Conv2d conv_in{nullptr};
    UNetMidBlock2D mid_block{nullptr};
    torch::nn::ModuleList up_blocks{nullptr};
    torch::nn::GroupNorm conv_norm_out{nullptr};
    torch::nn::Conv2d conv_out{nullptr};

private:
    std::vector<UpDecoderBlock2D> ups_;
};
TORCH_MODULE(Decoder);

struct LatentDistribution {
    at::Tensor mean;    // [B, latent, h, w]
    at::Tensor logvar;  // [B, latent, h, w], clamped to [-30, 20]
};

// Ports diffusers AutoencoderKL (models/autoencoders/autoencoder_kl.py) without tiling or
// slicing. encode() returns the DiagonalGaussianDistribution's mean and logvar; decode() takes
// unscaled latents (divide by scalingFactor() first). Parameters never require grad.
class AutoencoderKLImpl : public torch::nn::Module {
public:
    explicit AutoencoderKLImpl(const VAEConfig& config);  // randomly initialised (torch defaults)

    LatentDistribution encode(const at::Tensor& image);  // image [B, 3, H, W] in [-1, 1]
    at::Tensor decode(const at::Tensor& latents);        // [B, latent, h, w] -> [B, 3, H, W]
    double scalingFactor() const { return config_.scalingFactor; }
    const VAEConfig& config() const { return config_; }

    Encoder encoder{nullptr};
    Decoder decoder{nullptr};
    torch::nn::Conv2d quant_conv{nullptr};
    torch::nn::Conv2d post_quant_conv{nullptr};

private:
    void checkInput(const at::Tensor& t, int64_t channels, const char* what) const;
    VAEConfig config_;
};
TORCH_MODULE(AutoencoderKL);

// Loads a diffusers `vae/` folder: config.json and diffusion_pytorch_model[.fp16].safetensors,
// weights converted to `dtype` on `device`. Throws LoadError naming the file and tensor at fault.
AutoencoderKL loadVAE(const std::string& folder, at::ScalarType dtype = at::kFloat, at::Device device = at::kCPU);

}  // namespace dragdiff::models
