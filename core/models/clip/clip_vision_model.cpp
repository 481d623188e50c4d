// Ports transformers 4.38 CLIPVisionModelWithProjection. See clip_vision_model.h.
#include "models/clip/clip_vision_model.h"

#include "dragdiff/error.h"
#include "io/config_json.h"
#include "io/safetensors.h"
#include "models/component_files.h"
#include "models/weight_loading.h"

#include <filesystem>

namespace dragdiff::models {
namespace {

std::string shapeText(at::IntArrayRef s) {
    std::string t = "[";
    for (size_t i = 0; i < s.size(); ++i) t += (i ? ", " : "") + std::to_string(s[i]);
    return t + "]";
}

torch::nn::LayerNorm layerNorm(const CLIPVisionConfig& c) {
    return torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.hiddenSize}).eps(c.layerNormEps));
}

}  // namespace

CLIPVisionEmbeddingsImpl::CLIPVisionEmbeddingsImpl(const CLIPVisionConfig& config) {
    class_embedding = register_parameter("class_embedding", at::randn({config.hiddenSize}));
    patch_embedding = register_module(
        "patch_embedding", torch::nn::Conv2d(torch::nn::Conv2dOptions(config.numChannels, config.hiddenSize,
                                                                      /*kernel_size=*/config.patchSize)
                                                 .stride(config.patchSize)
                                                 .bias(false)));
    position_embedding = register_module(
        "position_embedding", torch::nn::Embedding(torch::nn::EmbeddingOptions(config.numPatches() + 1, config.hiddenSize)));
}

at::Tensor CLIPVisionEmbeddingsImpl::forward(const at::Tensor& pixelValues) {
    const int64_t batch = pixelValues.size(0);
    const at::Tensor patches = patch_embedding(pixelValues.to(patch_embedding->weight.scalar_type()))  // [B, D, g, g]
                                   .flatten(2)
                                   .transpose(1, 2);  // [B, g*g, D]
    const at::Tensor cls = class_embedding.view({1, 1, -1}).expand({batch, 1, -1});
    return at::cat({cls, patches}, /*dim=*/1) + position_embedding->weight.unsqueeze(0);
}

CLIPVisionTransformerImpl::CLIPVisionTransformerImpl(const CLIPVisionConfig& config) {
    embeddings = register_module("embeddings", CLIPVisionEmbeddings(config));
    pre_layrnorm = register_module("pre_layrnorm", layerNorm(config));
    encoder = register_module("encoder", CLIPEncoder(config.encoder()));
    post_layernorm = register_module("post_layernorm", layerNorm(config));
}

CLIPVisionOutput CLIPVisionTransformerImpl::forward(const at::Tensor& pixelValues, bool outputHiddenStates) {
    CLIPVisionOutput out;
    const at::Tensor hidden = pre_layrnorm(embeddings(pixelValues));
    out.lastHiddenState = encoder(hidden, at::Tensor(), outputHiddenStates ? &out.hiddenStates : nullptr);
    out.poolerOutput = post_layernorm(out.lastHiddenState.select(/*dim=*/1, /*index=*/0));
    return out;
}

CLIPVisionModelWithProjectionImpl::CLIPVisionModelWithProjectionImpl(const CLIPVisionConfig& config) : config_(config) {
    if (config.numAttentionHeads <= 0 || config.hiddenSize % config.numAttentionHeads != 0)
        throw LoadError("CLIP image encoder: hidden_size " + std::to_string(config.hiddenSize) +
                        " is not divisible by num_attention_heads " + std::to_string(config.numAttentionHeads));
    if (config.patchSize <= 0 || config.imageSize % config.patchSize != 0)
        throw LoadError("CLIP image encoder: image_size " + std::to_string(config.imageSize) +
                        " is not a multiple of patch_size " + std::to_string(config.patchSize));
    vision_model = register_module("vision_model", CLIPVisionTransformer(config));
    visual_projection = register_module(
        "visual_projection",
        torch::nn::Linear(torch::nn::LinearOptions(config.hiddenSize, config.projectionDim).bias(false)));
}

CLIPVisionOutput CLIPVisionModelWithProjectionImpl::forward(const at::Tensor& pixelValues, bool outputHiddenStates) {
    const int64_t s = config_.imageSize;
    if (pixelValues.dim() != 4 || !at::isFloatingType(pixelValues.scalar_type()) ||
        pixelValues.size(1) != config_.numChannels || pixelValues.size(2) != s || pixelValues.size(3) != s || pixelValues.size(0) == 0)
        throw InvalidRequest("CLIP image encoder: pixel values should be a floating-point [batch, " +
                             std::to_string(config_.numChannels) + ", " + std::to_string(s) + ", " + std::to_string(s) +
                             "] tensor (the image processor's output), found " +
                             std::string(c10::toString(pixelValues.scalar_type())) + " " + shapeText(pixelValues.sizes()));
    const at::Tensor weight = visual_projection->weight;
    CLIPVisionOutput out = vision_model(pixelValues.to(weight.device()), outputHiddenStates);
    out.imageEmbeds = visual_projection(out.poolerOutput);
    return out;
}

bool isIgnoredCLIPVisionWeight(const std::string& key) { return key == "vision_model.embeddings.position_ids"; }

CLIPVisionModelWithProjection loadCLIPVisionModelWithProjection(const std::string& folder, at::ScalarType dtype,
                                                                at::Device device) {
    if (!at::isFloatingType(dtype))
        throw InvalidRequest("CLIP image encoder: dtype " + std::string(c10::toString(dtype)) +
                             " is not a floating-point type");
    if (dtype == at::kHalf && device.is_cpu())
        throw InvalidRequest("CLIP image encoder: float16 does not run on the CPU (LibTorch's CPU LayerNorm has no "
                             "float16 kernel); use float32 or bfloat16 on the CPU, float16 on a GPU");
    const std::string weightsPath = findComponentWeights(folder, "model");
    const std::string configPath = (std::filesystem::path(folder) / "config.json").string();
    const CLIPVisionConfig config = CLIPVisionConfig::read(io::ConfigReader::fromFile(configPath));

    WeightSet weights;
    weights.addFile(std::make_shared<const io::SafetensorsFile>(weightsPath));
    CLIPVisionModelWithProjection model(config);
    model->to(device, dtype);
    loadIntoModule(*model, weights, "image encoder", isIgnoredCLIPVisionWeight);
    model->eval();
    return model;
}

}  // namespace dragdiff::models
