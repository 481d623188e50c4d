#pragma once
// Ports transformers 4.38 CLIPTextModel (models/clip/modeling_clip.py) for Stable Diffusion:
// token + position embeddings, pre-LayerNorm encoder layers (clip_encoder.h, shared with the
// vision tower) with a causal mask, final LayerNorm, pooling at the EOS token. No attention mask (as StableDiffusionPipeline calls it), eager
// attention, eval mode (dropout is 0 in every SD config). Module and parameter names equal the
// checkpoint keys: text_model.encoder.layers.0.self_attn.q_proj.weight, ...
#include "models/clip/clip_encoder.h"
#include "models/model_configs.h"

#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include <string>
#include <vector>

namespace dragdiff::models {

// Ports transformers CLIPTextEmbeddings. Positions are always 0..L-1: the `position_ids` buffer
// is not a module state here (see isIgnoredCLIPTextWeight).
class CLIPTextEmbeddingsImpl : public torch::nn::Module {
public:
    explicit CLIPTextEmbeddingsImpl(const CLIPTextConfig& config);
    at::Tensor forward(const at::Tensor& inputIds);  // [B, L] int64 -> [B, L, D]

    torch::nn::Embedding token_embedding{nullptr};
    torch::nn::Embedding position_embedding{nullptr};
};
TORCH_MODULE(CLIPTextEmbeddings);

struct CLIPTextOutput {
    at::Tensor lastHiddenState;  // [B, L, D], after final_layer_norm: what the UNet consumes
    at::Tensor poolerOutput;     // [B, D], last_hidden_state at the EOS position
    // When requested: hidden_states of transformers, N + 1 tensors [B, L, D] (embeddings, then
    // each layer's output, before final_layer_norm); hiddenStates[N - 1] is hidden_states[-2].
    std::vector<at::Tensor> hiddenStates;
};

// Ports transformers CLIPTextTransformer.
class CLIPTextTransformerImpl : public torch::nn::Module {
public:
    explicit CLIPTextTransformerImpl(const CLIPTextConfig& config);
    CLIPTextOutput forward(const at::Tensor& inputIds, bool outputHiddenStates = false);

    CLIPTextEmbeddings embeddings{nullptr};
    CLIPEncoder encoder{nullptr};
    torch::nn::LayerNorm final_layer_norm{nullptr};

private:
    CLIPTextConfig config_;
};
TORCH_MODULE(CLIPTextTransformer);

// Ports transformers CLIPTextModel.
class CLIPTextModelImpl : public torch::nn::Module {
public:
    explicit CLIPTextModelImpl(const CLIPTextConfig& config);
    // inputIds [B, L] integer token ids, L <= max_position_embeddings, ids < vocab_size
    // (InvalidRequest otherwise). Runs in the parameters' dtype and on their device.
    CLIPTextOutput forward(const at::Tensor& inputIds, bool outputHiddenStates = false);

    const CLIPTextConfig& config() const { return config_; }

    CLIPTextTransformer text_model{nullptr};

private:
    CLIPTextConfig config_;
};
TORCH_MODULE(CLIPTextModel);

// The ids a CLIP text model accepts: [B, L] integers, 1 <= L <= max_position_embeddings, ids in
// the vocabulary; returned as int64 on `device`. InvalidRequest otherwise.
at::Tensor checkedCLIPInputIds(const CLIPTextConfig& config, const at::Tensor& inputIds, at::Device device);

// Checkpoint keys loadCLIPTextModel accepts without a matching parameter: the
// `text_model.embeddings.position_ids` buffer older transformers saved (int64 or float, possibly
// off by rounding); positions are always recomputed as 0..L-1.
bool isIgnoredCLIPTextWeight(const std::string& key);

// InvalidRequest unless a CLIP text encoder can run in `dtype` on `device` (a floating type;
// float16 only off the CPU, whose LayerNorm has no float16 kernel).
void checkCLIPTextDtype(at::ScalarType dtype, at::Device device);

// Reads `folder`/config.json and its weights (model.safetensors, or the fp16 variant), converts
// them to `dtype` on `device`, eval mode, parameters frozen. Throws LoadError naming file/tensor.
CLIPTextModel loadCLIPTextModel(const std::string& folder, at::ScalarType dtype = at::kFloat,
                                at::Device device = at::kCPU);

}  // namespace dragdiff::models
