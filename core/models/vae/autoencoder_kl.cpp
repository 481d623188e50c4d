#include "models/vae/autoencoder_kl.h"

#include "dragdiff/error.h"
#include "io/config_json.h"
#include "models/blocks/autocast.h"
#include "models/blocks/block_utils.h"
#include "models/component_loading.h"
#include "models/weight_loading.h"

#include <string>

namespace dragdiff::models {
namespace {

constexpr double kVaeEps = 1e-6;

void checkConfig(const VAEConfig& c) {
    const size_t n = c.blockOutChannels.size();
    if (n == 0 || c.downBlockTypes.size() != n || c.upBlockTypes.size() != n)
        throw InvalidRequest(
            "VAE config: block_out_channels, down_block_types and up_block_types must be non-empty "
            "and of the same length");
    for (const auto& t : c.downBlockTypes)
        if (t != "DownEncoderBlock2D") throw InvalidRequest("VAE config: down block type '" + t + "' is not supported");
    for (const auto& t : c.upBlockTypes)
        if (t != "UpDecoderBlock2D") throw InvalidRequest("VAE config: up block type '" + t + "' is not supported");
}

torch::nn::Conv2d conv3x3(int64_t in, int64_t out) {
    return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, /*kernel_size=*/3).padding(1));
}

}  // namespace

EncoderImpl::EncoderImpl(const VAEConfig& c) {
    checkConfig(c);
    const size_t n = c.blockOutChannels.size();
    conv_in = register_module("conv_in", conv3x3(c.inChannels, c.blockOutChannels[0]));
    down_blocks = register_module("down_blocks", torch::nn::ModuleList());
    int64_t output = c.blockOutChannels[0];
    for (size_t i = 0; i < n; ++i) {
        const int64_t input = output;
        output = c.blockOutChannels[i];
        downs_.emplace_back(input, output, c.layersPerBlock, c.normNumGroups, /*addDownsample=*/i + 1 < n,
                            /*downsamplePadding=*/0);
        down_blocks->push_back(downs_.back());
    }
    mid_block = register_module("mid_block",
                                UNetMidBlock2D(c.blockOutChannels.back(), c.normNumGroups, c.midBlockAddAttention));
    conv_norm_out = register_module(
        "conv_norm_out",
        torch::nn::GroupNorm(torch::nn::GroupNormOptions(c.normNumGroups, c.blockOutChannels.back()).eps(kVaeEps)));
    conv_out = register_module("conv_out", conv3x3(c.blockOutChannels.back(), 2 * c.latentChannels));
}

at::Tensor EncoderImpl::forward(const at::Tensor& x) {
    at::Tensor h = conv_in(x);
    for (auto& d : downs_) h = d(h);
    h = mid_block(h);
    return conv_out(siluTemp(conv_norm_out(h)));
}

DecoderImpl::DecoderImpl(const VAEConfig& c) {
    checkConfig(c);
    const size_t n = c.blockOutChannels.size();
    conv_in = register_module("conv_in", conv3x3(c.latentChannels, c.blockOutChannels.back()));
    mid_block = register_module("mid_block",
                                UNetMidBlock2D(c.blockOutChannels.back(), c.normNumGroups, c.midBlockAddAttention));
    up_blocks = register_module("up_blocks", torch::nn::ModuleList());
    std::vector<int> rev(c.blockOutChannels.rbegin(), c.blockOutChannels.rend());
    int64_t output = rev[0];
    for (size_t i = 0; i < n; ++i) {
        const int64_t prev = output;
        output = rev[i];
        ups_.emplace_back(prev, output, c.layersPerBlock + 1, c.normNumGroups, /*addUpsample=*/i + 1 < n);
        up_blocks->push_back(ups_.back());
    }
    conv_norm_out = register_module(
        "conv_norm_out",
        torch::nn::GroupNorm(torch::nn::GroupNormOptions(c.normNumGroups, c.blockOutChannels[0]).eps(kVaeEps)));
    conv_out = register_module("conv_out", conv3x3(c.blockOutChannels[0], c.outChannels));
}

at::Tensor DecoderImpl::forward(const at::Tensor& z) {
    at::Tensor h = conv_in(z);
    h = mid_block(h);
    for (auto& u : ups_) h = u(h);
    return conv_out(siluTemp(conv_norm_out(h)));
}

AutoencoderKLImpl::AutoencoderKLImpl(const VAEConfig& c) : config_(c) {
    encoder = register_module("encoder", Encoder(c));
    decoder = register_module("decoder", Decoder(c));
    quant_conv = register_module("quant_conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(
                                                   2 * c.latentChannels, 2 * c.latentChannels, /*kernel_size=*/1)));
    post_quant_conv = register_module("post_quant_conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(
                                                             c.latentChannels, c.latentChannels, /*kernel_size=*/1)));
    freezeParameters(*this);
}

void AutoencoderKLImpl::checkInput(const at::Tensor& t, int64_t channels, const char* what) const {
    if (!t.defined() || t.dim() != 4 || t.size(1) != channels || t.size(2) < 1 || t.size(3) < 1)
        throw InvalidRequest(std::string("VAE: ") + what + " must be [B, " + std::to_string(channels) +
                             ", H, W], got " + (t.defined() ? shapeText(t.sizes()) : std::string("nothing")));
    // Any floating type is taken (and cast to the weights'): under fp16 autocast a latent may
    // arrive in half precision, and the VAE runs in its own.
    const auto& w = quant_conv->weight;
    if (!at::isFloatingType(t.scalar_type()) || t.device() != w.device())
        throw InvalidRequest(std::string("VAE: ") + what + " is " + std::string(c10::toString(t.scalar_type())) +
                             " on " + t.device().str() + " but the model runs in " +
                             std::string(c10::toString(w.scalar_type())) + " on " + w.device().str());
}

LatentDistribution AutoencoderKLImpl::encode(const at::Tensor& image) {
    checkInput(image, config_.inChannels, "the image");
    FullPrecisionScope fp32;
    at::Tensor moments = quant_conv(encoder(image.to(quant_conv->weight.scalar_type())));  // [B, 2·latent, h, w]
    auto parts = at::chunk(moments, 2, 1);
    return {parts[0], at::clamp(parts[1], -30.0, 20.0)};
}

at::Tensor AutoencoderKLImpl::decode(const at::Tensor& latents) {
    checkInput(latents, config_.latentChannels, "the latents");
    FullPrecisionScope fp32;
    return decoder(post_quant_conv(latents.to(post_quant_conv->weight.scalar_type())));
}

AutoencoderKL loadVAE(const std::string& folder, at::ScalarType dtype, at::Device device) {
    const std::string configPath = folder + "/config.json";
    const VAEConfig config = VAEConfig::read(io::ConfigReader::fromFile(configPath));
    AutoencoderKL model{nullptr};
    try {
        model = AutoencoderKL(config);
    } catch (const InvalidRequest& e) {
        throw LoadError("'" + configPath + "': " + e.what());
    }
    loadComponentWeights(*model, folder, "diffusion_pytorch_model", "VAE", dtype, device);
    return model;
}

}  // namespace dragdiff::models
