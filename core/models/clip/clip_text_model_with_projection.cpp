#include "models/clip/clip_text_model_with_projection.h"

#include "dragdiff/error.h"
#include "io/config_json.h"
#include "io/safetensors.h"
#include "models/component_files.h"
#include "models/weight_loading.h"

#include <filesystem>

namespace dragdiff::models {

CLIPTextModelWithProjectionImpl::CLIPTextModelWithProjectionImpl(const CLIPTextConfig& config) : config_(config) {
    if (config.numAttentionHeads <= 0 || config.hiddenSize % config.numAttentionHeads != 0)
        throw LoadError("CLIP text encoder: hidden_size " + std::to_string(config.hiddenSize) +
                        " is not divisible by num_attention_heads " + std::to_string(config.numAttentionHeads));
    if (config.projectionDim <= 0)
        throw LoadError("CLIP text encoder with projection: projection_dim must be positive, found " +
                        std::to_string(config.projectionDim));
    text_model = register_module("text_model", CLIPTextTransformer(config));
    text_projection = register_module(
        "text_projection",
        torch::nn::Linear(torch::nn::LinearOptions(config.hiddenSize, config.projectionDim).bias(false)));
}

CLIPTextWithProjectionOutput CLIPTextModelWithProjectionImpl::forward(const at::Tensor& inputIds,
                                                                      bool outputHiddenStates) {
    const at::Device device = text_projection->weight.device();
    CLIPTextWithProjectionOutput out;
    out.text = text_model(checkedCLIPInputIds(config_, inputIds, device), outputHiddenStates);
    out.textEmbeds = text_projection(out.text.poolerOutput);  // [B, projection_dim]
    return out;
}

CLIPTextModelWithProjection loadCLIPTextModelWithProjection(const std::string& folder, at::ScalarType dtype,
                                                            at::Device device) {
    checkCLIPTextDtype(dtype, device);
    const std::string weightsPath = findComponentWeights(folder, "model");
    const std::string configPath = (std::filesystem::path(folder) / "config.json").string();
    const CLIPTextConfig config = CLIPTextConfig::read(io::ConfigReader::fromFile(configPath));

    WeightSet weights;
    weights.addFile(std::make_shared<const io::SafetensorsFile>(weightsPath));
    CLIPTextModelWithProjection model(config);
    model->to(device, dtype);
    loadIntoModule(*model, weights, "text encoder 2 ('" + weightsPath + "')", isIgnoredCLIPTextWeight);
    model->eval();
    return model;
}

}  // namespace dragdiff::models
