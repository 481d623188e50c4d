#include "models/vae/autoencoder_tiny.h"

#include "dragdiff/error.h"
#include "io/checkpoint_format.h"
#include "io/safetensors.h"
#include "models/blocks/block_utils.h"
#include "models/component_files.h"
#include "models/weight_loading.h"

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/upsampling.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <filesystem>
#include <memory>

namespace fs = std::filesystem;

namespace dragdiff::models {
namespace {

torch::nn::Conv2d conv3x3(int64_t in, int64_t out, bool bias = true, int64_t stride = 1) {
    return torch::nn::Conv2d(
        torch::nn::Conv2dOptions(in, out, /*kernel_size=*/3).padding(1).stride(stride).bias(bias));
}

torch::nn::ReLU relu() { return torch::nn::ReLU(torch::nn::ReLUOptions(/*inplace=*/true)); }

constexpr int kMaxLatentScale = 64;  // image pixels per latent pixel (TAESD: 8)

void checkConfig(const AutoencoderTinyConfig& c) {
    auto positive = [](const std::vector<int>& v) {
        for (int x : v)
            if (x <= 0 || x > 65536) return false;
        return !v.empty();
    };
    if (!positive(c.encoderBlockOutChannels) || c.encoderBlockOutChannels.size() != c.numEncoderBlocks.size())
        throw InvalidRequest("AutoencoderTiny config: encoder_block_out_channels and num_encoder_blocks must be "
                             "non-empty lists of the same length");
    if (!positive(c.decoderBlockOutChannels) || c.decoderBlockOutChannels.size() != c.numDecoderBlocks.size())
        throw InvalidRequest("AutoencoderTiny config: decoder_block_out_channels and num_decoder_blocks must be "
                             "non-empty lists of the same length");
    // diffusers' EncoderTiny and DecoderTiny keep the channel count from level to level (each
    // level's convolutions take its own count): other lists build a model that cannot run.
    for (const auto* channels : {&c.encoderBlockOutChannels, &c.decoderBlockOutChannels})
        if (std::adjacent_find(channels->begin(), channels->end(), std::not_equal_to<>()) != channels->end())
            throw InvalidRequest("AutoencoderTiny config: the block_out_channels of a list must all be equal "
                                 "(TAESD's levels keep their channel count; diffusers cannot run other lists either)");
    for (const auto* blocks : {&c.numEncoderBlocks, &c.numDecoderBlocks})
        for (int n : *blocks)
            if (n < 0 || n > 64) throw InvalidRequest("AutoencoderTiny config: a block count is out of range");
    if (c.inChannels <= 0 || c.outChannels <= 0 || c.latentChannels <= 0 || c.upsamplingScalingFactor < 1)
        throw InvalidRequest("AutoencoderTiny config: channel counts and upsampling_scaling_factor must be positive");
    int64_t scale = 1;
    for (size_t i = 1; i < c.numDecoderBlocks.size(); ++i)
        if ((scale *= c.upsamplingScalingFactor) > kMaxLatentScale)
            throw InvalidRequest("AutoencoderTiny config: upsampling_scaling_factor " +
                                 std::to_string(c.upsamplingScalingFactor) + " over " +
                                 std::to_string(c.numDecoderBlocks.size()) + " levels upsamples latents more than " +
                                 std::to_string(kMaxLatentScale) + "x (TAESD: 2 over 4 levels, 8x)");
}

// The number of weights of AutoencoderTiny(c, withEncoder), counted from the config (c passes
// checkConfig), as a double: it may be far beyond what can be allocated.
double parameterCount(const AutoencoderTinyConfig& c, bool withEncoder) {
    auto conv = [](double in, double out, bool bias) { return 9 * in * out + (bias ? out : 0); };
    auto block = [&](double ch) { return 3 * conv(ch, ch, true); };
    double n = conv(c.latentChannels, c.decoderBlockOutChannels[0], true);
    for (size_t i = 0; i < c.numDecoderBlocks.size(); ++i) {
        const double ch = c.decoderBlockOutChannels[i];
        const bool last = i + 1 == c.numDecoderBlocks.size();
        n += c.numDecoderBlocks[i] * block(ch) + conv(ch, last ? c.outChannels : ch, last);
    }
    if (!withEncoder) return n;
    for (size_t i = 0; i < c.numEncoderBlocks.size(); ++i) {
        const double ch = c.encoderBlockOutChannels[i];
        n += (i == 0 ? conv(c.inChannels, ch, true) : conv(ch, ch, false)) + c.numEncoderBlocks[i] * block(ch);
    }
    return n + conv(c.encoderBlockOutChannels.back(), c.latentChannels, true);
}

// TAESD's own decoder file: Sequential(Clamp, conv, ReLU, Block, ...) saved without a prefix, so
// its indices are diffusers' decoder.layers indices plus one (the Clamp has no weights).
bool isOriginalDecoderLayout(const io::SafetensorsFile& f) {
    if (!f.contains("1.weight")) return false;
    for (const auto& e : f.entries())
        if (e.name.empty() || !std::isdigit(static_cast<unsigned char>(e.name[0])) || e.name.rfind("0.", 0) == 0)
            return false;
    return true;
}

WeightSet originalDecoderWeights(std::shared_ptr<const io::SafetensorsFile> file) {
    WeightSet weights;
    for (const auto& e : file->entries()) {
        const size_t dot = e.name.find('.');
        const std::string index = e.name.substr(0, dot);
        if (dot == std::string::npos || index.size() > 4 || index.find_first_not_of("0123456789") != std::string::npos)
            throw LoadError("'" + file->path() + "': tensor '" + e.name +
                            "' is not part of TAESD's decoder layout (<layer>.<name>)");
        const std::string name = "decoder.layers." + std::to_string(std::stoi(index) - 1) + e.name.substr(dot);
        const io::SafetensorsFile* raw = file.get();
        const std::string key = e.name;
        weights.add(name, SourceTensor{file->view(key), file->path(), key, [raw, key] { raw->releasePages(key); }});
    }
    weights.keepAlive(std::move(file));
    return weights;
}

}  // namespace

AutoencoderTinyConfig AutoencoderTinyConfig::read(const io::ConfigReader& r) {
    AutoencoderTinyConfig c;
    c.inChannels = r.getInt("in_channels", c.inChannels);
    c.outChannels = r.getInt("out_channels", c.outChannels);
    c.encoderBlockOutChannels = r.getIntList("encoder_block_out_channels", c.encoderBlockOutChannels);
    c.decoderBlockOutChannels = r.getIntList("decoder_block_out_channels", c.decoderBlockOutChannels);
    c.actFn = r.getString("act_fn", c.actFn);
    c.upsampleFn = r.getString("upsample_fn", c.upsampleFn);
    c.latentChannels = r.getInt("latent_channels", c.latentChannels);
    c.upsamplingScalingFactor = r.getInt("upsampling_scaling_factor", c.upsamplingScalingFactor);
    c.numEncoderBlocks = r.getIntList("num_encoder_blocks", c.numEncoderBlocks);
    c.numDecoderBlocks = r.getIntList("num_decoder_blocks", c.numDecoderBlocks);
    c.scalingFactor = r.getDouble("scaling_factor", c.scalingFactor);
    if (c.actFn != "relu")
        throw LoadError("'" + r.file() + "': act_fn = " + c.actFn + " is not supported (DragDiff supports relu, as in TAESD)");
    if (c.upsampleFn != "nearest")
        throw LoadError("'" + r.file() + "': upsample_fn = " + c.upsampleFn +
                        " is not supported (DragDiff supports nearest, as in TAESD)");
    if (!(c.scalingFactor > 0)) throw LoadError("'" + r.file() + "': scaling_factor must be positive");
    try {
        checkConfig(c);
    } catch (const InvalidRequest& e) {
        throw LoadError("'" + r.file() + "': " + e.what());
    }
    return c;
}

AutoencoderTinyBlockImpl::AutoencoderTinyBlockImpl(int64_t in, int64_t out) {
    conv = register_module("conv", torch::nn::Sequential(conv3x3(in, out), relu(), conv3x3(out, out), relu(),
                                                         conv3x3(out, out)));
    if (in != out)
        skip = register_module(
            "skip", torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, /*kernel_size=*/1).bias(false)));
}

at::Tensor AutoencoderTinyBlockImpl::forward(const at::Tensor& x) {
    at::Tensor h = conv->forward(x);
    h = addTemp(std::move(h), skip ? skip(x) : x);
    return canOverwrite(h) ? at::relu_(h) : at::relu(h);
}

EncoderTinyImpl::EncoderTinyImpl(const AutoencoderTinyConfig& c) {
    checkConfig(c);
    layers = register_module("layers", torch::nn::Sequential());
    for (size_t i = 0; i < c.numEncoderBlocks.size(); ++i) {
        const int64_t ch = c.encoderBlockOutChannels[i];
        // As in diffusers, the strided conv keeps the channel count of its own level.
        if (i == 0) layers->push_back(conv3x3(c.inChannels, ch));
        else layers->push_back(conv3x3(ch, ch, /*bias=*/false, /*stride=*/2));
        for (int b = 0; b < c.numEncoderBlocks[i]; ++b) layers->push_back(AutoencoderTinyBlock(ch, ch));
    }
    layers->push_back(conv3x3(c.encoderBlockOutChannels.back(), c.latentChannels));
}

at::Tensor EncoderTinyImpl::forward(const at::Tensor& image) {
    return layers->forward((image + 1) / 2);  // [-1, 1] -> TAESD's [0, 1]
}

DecoderTinyImpl::DecoderTinyImpl(const AutoencoderTinyConfig& c) {
    checkConfig(c);
    layers = register_module("layers", torch::nn::Sequential());
    layers->push_back(conv3x3(c.latentChannels, c.decoderBlockOutChannels[0]));
    layers->push_back(relu());
    const size_t n = c.numDecoderBlocks.size();
    for (size_t i = 0; i < n; ++i) {
        const bool last = i + 1 == n;
        const int64_t ch = c.decoderBlockOutChannels[i];
        for (int b = 0; b < c.numDecoderBlocks[i]; ++b) layers->push_back(AutoencoderTinyBlock(ch, ch));
        if (!last) {
            const double f = c.upsamplingScalingFactor;
            layers->push_back(torch::nn::Upsample(
                torch::nn::UpsampleOptions().scale_factor(std::vector<double>{f, f}).mode(torch::kNearest)));
        }
        layers->push_back(conv3x3(ch, last ? c.outChannels : ch, /*bias=*/last));
    }
}

at::Tensor DecoderTinyImpl::forward(const at::Tensor& latents) {
    at::Tensor x = at::tanh(latents / 3) * 3;  // soft clamp to (-3, 3)
    x = layers->forward(x);
    return x * 2 - 1;  // TAESD's [0, 1] -> [-1, 1]
}

AutoencoderTinyImpl::AutoencoderTinyImpl(const AutoencoderTinyConfig& c, bool withEncoder) : config_(c) {
    if (withEncoder) encoder = register_module("encoder", EncoderTiny(c));
    decoder = register_module("decoder", DecoderTiny(c));
    freezeParameters(*this);
}

int AutoencoderTinyImpl::latentScale() const {
    int scale = 1;
    for (size_t i = 1; i < config_.numDecoderBlocks.size(); ++i) scale *= config_.upsamplingScalingFactor;
    return scale;
}

void AutoencoderTinyImpl::checkInput(const at::Tensor& t, int64_t channels, const char* what) const {
    if (!t.defined() || t.dim() != 4 || t.size(1) != channels || t.size(2) < 1 || t.size(3) < 1)
        throw InvalidRequest(std::string("AutoencoderTiny: ") + what + " must be [B, " + std::to_string(channels) +
                             ", H, W], got " + (t.defined() ? shapeText(t.sizes()) : std::string("nothing")));
    const at::Tensor w = decoder->layers->ptr(0)->parameters().front();
    if (t.scalar_type() != w.scalar_type() || t.device() != w.device())
        throw InvalidRequest(std::string("AutoencoderTiny: ") + what + " is " +
                             std::string(c10::toString(t.scalar_type())) + " on " + t.device().str() +
                             " but the model runs in " + std::string(c10::toString(w.scalar_type())) + " on " +
                             w.device().str());
}

at::Tensor AutoencoderTinyImpl::encode(const at::Tensor& image) {
    if (!encoder)
        throw InvalidRequest("AutoencoderTiny: this TAESD was loaded from a decoder-only file and cannot encode");
    checkInput(image, config_.inChannels, "the image");
    return encoder(image);
}

at::Tensor AutoencoderTinyImpl::decode(const at::Tensor& latents) {
    checkInput(latents, config_.latentChannels, "the latents");
    return decoder(latents);
}

AutoencoderTiny loadAutoencoderTiny(const std::string& path, at::ScalarType dtype, at::Device device) {
    std::error_code ec;
    AutoencoderTinyConfig config;
    std::string weightsPath;
    const bool folder = fs::is_directory(path, ec);
    if (folder) {
        const fs::path configPath = fs::path(path) / "config.json";
        if (fs::is_regular_file(configPath, ec)) config = AutoencoderTinyConfig::read(io::ConfigReader::fromFile(configPath.string()));
        weightsPath = findComponentWeights(path, "diffusion_pytorch_model");
    } else if (fs::exists(path, ec)) {
        io::refusePickleCheckpoint(path);
        weightsPath = path;
    } else {
        throw LoadError("preview decoder '" + path + "' does not exist; give a TAESD folder or .safetensors file "
                        "(taesd for SD 1.x/2.x, taesdxl for SDXL)");
    }
    auto file = std::make_shared<const io::SafetensorsFile>(weightsPath);
    const bool original = isOriginalDecoderLayout(*file);
    bool withEncoder = false, hasDecoder = original;
    for (const auto& e : file->entries()) {
        withEncoder = withEncoder || (!original && e.name.rfind("encoder.", 0) == 0);
        hasDecoder = hasDecoder || e.name.rfind("decoder.layers.", 0) == 0;
    }
    if (!hasDecoder)
        throw LoadError("'" + weightsPath + "' is not a TAESD (AutoencoderTiny) file: it has no decoder.layers.* "
                        "tensors (" + (file->entries().empty() ? std::string("no tensors at all")
                                                               : "its first tensor is '" + file->entries().front().name + "'") +
                        "); download taesd (SD 1.x/2.x) or taesdxl (SDXL) in the diffusers layout");
    if (!folder) {  // no config: the latent channels from the first conv ([64, latent, 3, 3])
        const std::string first = original ? "1.weight" : "decoder.layers.0.weight";
        if (file->contains(first) && file->entry(first).shape.size() == 4)
            config.latentChannels = static_cast<int>(file->entry(first).shape[1]);
    }
    if (!at::isFloatingType(dtype))
        throw InvalidRequest("AutoencoderTiny: cannot run in " + std::string(c10::toString(dtype)));
    AutoencoderTiny model{nullptr};
    try {
        checkConfig(config);
    } catch (const InvalidRequest& e) {
        throw LoadError("'" + path + "': " + e.what());
    }
    // Every weight of the model must come from the file: a config (or a first convolution's shape)
    // that describes a far larger model is refused before anything that large is allocated (a
    // near miss is left to loadIntoModule, which names the missing or mis-shaped tensor).
    double stored = 0;
    for (const auto& e : file->entries()) {
        double elements = 1;
        for (int64_t d : e.shape) elements *= static_cast<double>(d);
        stored += elements;
    }
    const double needed = parameterCount(config, withEncoder);
    if (needed > 2 * stored + (1 << 20))
        throw LoadError("'" + path + "': " +
                        (folder ? std::string("the TAESD its config.json describes")
                                : "a TAESD with " + std::to_string(config.latentChannels) +
                                      " latent channels (the first convolution's inputs)") +
                        " has " + std::to_string(static_cast<long long>(std::min(needed, 9e18))) +
                        " weights, far more than the " + std::to_string(static_cast<long long>(stored)) +
                        " numbers in '" + weightsPath + "'; the weights do not belong to that model "
                        "(latent_channels, block_out_channels or block counts differ)");
    model = AutoencoderTiny(config, withEncoder);
    WeightSet weights;
    if (original) weights = originalDecoderWeights(file);
    else weights.addFile(file);
    model->to(device, dtype);
    loadIntoModule(*model, weights, "preview decoder (TAESD) '" + weightsPath + "'");
    model->eval();
    return model;
}

}  // namespace dragdiff::models
