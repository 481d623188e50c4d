#pragma once
// Ports transformers 4.38 CLIPTextModel (models/clip/modeling_clip.py) for Stable Diffusion:
// token + position embeddings, pre-LayerNorm encoder layers with a causal mask, final LayerNorm,
// pooling at the EOS token. No attention mask (as StableDiffusionPipeline calls it), eager
// attention, eval mode (dropout is 0 in every SD config). Module and parameter names equal the
// checkpoint keys: text_model.encoder.layers.0.self_attn.q_proj.weight, ...
#include "models/model_configs.h"

#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
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

// Ports transformers CLIPAttention (eager path).
class CLIPAttentionImpl : public torch::nn::Module {
public:
    explicit CLIPAttentionImpl(const CLIPTextConfig& config);
    // hidden [B, L, D]; causalMask [1, 1, L, L], 0 on and below the diagonal, dtype-min above.
    at::Tensor forward(const at::Tensor& hidden, const at::Tensor& causalMask);

    torch::nn::Linear k_proj{nullptr};
    torch::nn::Linear v_proj{nullptr};
    torch::nn::Linear q_proj{nullptr};
    torch::nn::Linear out_proj{nullptr};

private:
    int64_t numHeads_;
    int64_t headDim_;
    double scale_;
};
TORCH_MODULE(CLIPAttention);

// Ports transformers CLIPMLP: fc1, quick_gelu or exact (erf) gelu, fc2.
class CLIPMLPImpl : public torch::nn::Module {
public:
    explicit CLIPMLPImpl(const CLIPTextConfig& config);
    at::Tensor forward(const at::Tensor& hidden);

    torch::nn::Linear fc1{nullptr};
    torch::nn::Linear fc2{nullptr};

private:
    bool quickGelu_;
};
TORCH_MODULE(CLIPMLP);

// Ports transformers CLIPEncoderLayer (pre-LN: x + attn(ln1(x)), then x + mlp(ln2(x))).
class CLIPEncoderLayerImpl : public torch::nn::Module {
public:
    explicit CLIPEncoderLayerImpl(const CLIPTextConfig& config);
    at::Tensor forward(const at::Tensor& hidden, const at::Tensor& causalMask);

    CLIPAttention self_attn{nullptr};
    torch::nn::LayerNorm layer_norm1{nullptr};
    CLIPMLP mlp{nullptr};
    torch::nn::LayerNorm layer_norm2{nullptr};
};
TORCH_MODULE(CLIPEncoderLayer);

// Ports transformers CLIPEncoder: the stack of layers.
class CLIPEncoderImpl : public torch::nn::Module {
public:
    explicit CLIPEncoderImpl(const CLIPTextConfig& config);
    // Returns the last layer's output; appends the input and each layer's output to `states`
    // when it is not null (transformers' encoder_states).
    at::Tensor forward(const at::Tensor& hidden, const at::Tensor& causalMask, std::vector<at::Tensor>* states = nullptr);

    torch::nn::ModuleList layers{nullptr};
};
TORCH_MODULE(CLIPEncoder);

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

// Checkpoint keys loadCLIPTextModel accepts without a matching parameter: the
// `text_model.embeddings.position_ids` buffer older transformers saved (int64 or float, possibly
// off by rounding); positions are always recomputed as 0..L-1.
bool isIgnoredCLIPTextWeight(const std::string& key);

// Reads `folder`/config.json and its weights (model.safetensors, or the fp16 variant), converts
// them to `dtype` on `device`, eval mode, parameters frozen. Throws LoadError naming file/tensor.
CLIPTextModel loadCLIPTextModel(const std::string& folder, at::ScalarType dtype = at::kFloat,
                                at::Device device = at::kCPU);

}  // namespace dragdiff::models
