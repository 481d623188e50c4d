// Ports transformers 4.38 CLIPTextModel (models/clip/modeling_clip.py). See clip_text_model.h.
#include "models/clip/clip_text_model.h"

#include "dragdiff/error.h"
#include "io/config_json.h"
#include "io/safetensors.h"
#include "models/component_files.h"
#include "models/weight_loading.h"

#include <ATen/Dispatch.h>

#include <cmath>
#include <filesystem>
#include <limits>

namespace dragdiff::models {
namespace {

// _create_4d_causal_attention_mask: [1, 1, L, L], 0 where a query may attend (key <= query),
// the dtype's lowest finite value above the diagonal; added to the attention logits.
at::Tensor causalAttentionMask(int64_t length, const at::TensorOptions& options) {
    double lowest = 0;
    AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, options.dtype().toScalarType(), "clip_causal_mask", [&] {
        lowest = static_cast<double>(std::numeric_limits<scalar_t>::lowest());
    });
    return at::full({length, length}, lowest, options).triu(/*diagonal=*/1).view({1, 1, length, length});
}

std::string shapeText(at::IntArrayRef s) {
    std::string t = "[";
    for (size_t i = 0; i < s.size(); ++i) t += (i ? ", " : "") + std::to_string(s[i]);
    return t + "]";
}

}  // namespace

CLIPTextEmbeddingsImpl::CLIPTextEmbeddingsImpl(const CLIPTextConfig& config) {
    token_embedding = register_module(
        "token_embedding", torch::nn::Embedding(torch::nn::EmbeddingOptions(config.vocabSize, config.hiddenSize)));
    position_embedding = register_module(
        "position_embedding",
        torch::nn::Embedding(torch::nn::EmbeddingOptions(config.maxPositionEmbeddings, config.hiddenSize)));
}

at::Tensor CLIPTextEmbeddingsImpl::forward(const at::Tensor& inputIds) {
    const int64_t length = inputIds.size(1);
    // position_embedding(arange(L)) without materialising the ids: rows 0..L-1 of the table.
    return token_embedding(inputIds) + position_embedding->weight.narrow(0, 0, length).unsqueeze(0);
}

CLIPTextTransformerImpl::CLIPTextTransformerImpl(const CLIPTextConfig& config) : config_(config) {
    embeddings = register_module("embeddings", CLIPTextEmbeddings(config));
    encoder = register_module("encoder", CLIPEncoder(config.encoder()));
    final_layer_norm = register_module(
        "final_layer_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({config.hiddenSize}).eps(config.layerNormEps)));
}

CLIPTextOutput CLIPTextTransformerImpl::forward(const at::Tensor& inputIds, bool outputHiddenStates) {
    CLIPTextOutput out;
    const at::Tensor hidden = embeddings(inputIds);
    const at::Tensor mask = causalAttentionMask(inputIds.size(1), hidden.options());
    const at::Tensor encoded = encoder(hidden, mask, outputHiddenStates ? &out.hiddenStates : nullptr);
    out.lastHiddenState = final_layer_norm(encoded);

    // Pooling rule of transformers 4.38: configs written before PR #24773 carry eos_token_id 2
    // and pool at the largest id (CLIP's EOS is the last vocab entry); newer ones at the first EOS.
    const at::Tensor ids = inputIds.to(at::kInt);
    const at::Tensor position = config_.eosTokenId == 2 ? ids.argmax(/*dim=*/-1)
                                                        : ids.eq(config_.eosTokenId).to(at::kInt).argmax(/*dim=*/-1);
    const int64_t batch = inputIds.size(0), length = inputIds.size(1);
    const at::Tensor rows = at::arange(batch, position.options().dtype(at::kLong)) * length + position.to(at::kLong);
    out.poolerOutput = out.lastHiddenState.reshape({batch * length, -1}).index_select(0, rows);
    return out;
}

CLIPTextModelImpl::CLIPTextModelImpl(const CLIPTextConfig& config) : config_(config) {
    if (config.numAttentionHeads <= 0 || config.hiddenSize % config.numAttentionHeads != 0)
        throw LoadError("CLIP text encoder: hidden_size " + std::to_string(config.hiddenSize) +
                        " is not divisible by num_attention_heads " + std::to_string(config.numAttentionHeads));
    text_model = register_module("text_model", CLIPTextTransformer(config));
}

CLIPTextOutput CLIPTextModelImpl::forward(const at::Tensor& inputIds, bool outputHiddenStates) {
    const at::Tensor weight = text_model->embeddings->token_embedding->weight;
    return text_model(checkedCLIPInputIds(config_, inputIds, weight.device()), outputHiddenStates);
}

at::Tensor checkedCLIPInputIds(const CLIPTextConfig& config, const at::Tensor& inputIds, at::Device device) {
    if (inputIds.dim() != 2 || !at::isIntegralType(inputIds.scalar_type(), /*includeBool=*/false))
        throw InvalidRequest("CLIP text encoder: input ids should be a [batch, length] integer tensor, found " +
                             std::string(c10::toString(inputIds.scalar_type())) + " " + shapeText(inputIds.sizes()));
    const int64_t length = inputIds.size(1);
    if (inputIds.size(0) == 0 || length == 0 || length > config.maxPositionEmbeddings)
        throw InvalidRequest("CLIP text encoder: " + std::to_string(length) + " tokens per prompt, expected 1 to " +
                             std::to_string(config.maxPositionEmbeddings) + " (max_position_embeddings)");
    const at::Tensor ids = inputIds.to(device, at::kLong);
    const int64_t low = ids.min().item<int64_t>(), high = ids.max().item<int64_t>();
    if (low < 0 || high >= config.vocabSize)
        throw InvalidRequest("CLIP text encoder: token id " + std::to_string(low < 0 ? low : high) +
                             " is outside the vocabulary [0, " + std::to_string(config.vocabSize) +
                             "); the tokenizer does not belong to this text encoder");
    return ids;
}

bool isIgnoredCLIPTextWeight(const std::string& key) { return key == "text_model.embeddings.position_ids"; }

void checkCLIPTextDtype(at::ScalarType dtype, at::Device device) {
    if (!at::isFloatingType(dtype))
        throw InvalidRequest("CLIP text encoder: dtype " + std::string(c10::toString(dtype)) +
                             " is not a floating-point type");
    if (dtype == at::kHalf && device.is_cpu())
        throw InvalidRequest("CLIP text encoder: float16 does not run on the CPU (LibTorch's CPU LayerNorm has no "
                             "float16 kernel); use float32 or bfloat16 on the CPU, float16 on a GPU");
}

CLIPTextModel loadCLIPTextModel(const std::string& folder, at::ScalarType dtype, at::Device device) {
    checkCLIPTextDtype(dtype, device);
    const std::string weightsPath = findComponentWeights(folder, "model");
    const std::string configPath = (std::filesystem::path(folder) / "config.json").string();
    const CLIPTextConfig config = CLIPTextConfig::read(io::ConfigReader::fromFile(configPath));

    WeightSet weights;
    weights.addFile(std::make_shared<const io::SafetensorsFile>(weightsPath));
    CLIPTextModel model(config);
    model->to(device, dtype);
    loadIntoModule(*model, weights, "text encoder", isIgnoredCLIPTextWeight);
    model->eval();
    return model;
}

}  // namespace dragdiff::models
