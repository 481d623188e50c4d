#pragma once
// Ports the transformer layers that transformers 4.38's CLIP text and vision towers share
// (models/clip/modeling_clip.py): CLIPAttention (eager path), CLIPMLP, CLIPEncoderLayer,
// CLIPEncoder. Eval mode (dropout is 0 in every config we load). Module and parameter names equal
// the checkpoint keys below `<tower>.encoder.`: layers.0.self_attn.q_proj.weight, ...
#include "models/model_configs.h"

#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include <vector>

namespace dragdiff::models {

// Ports transformers CLIPAttention (eager path).
class CLIPAttentionImpl : public torch::nn::Module {
public:
    explicit CLIPAttentionImpl(const CLIPEncoderConfig& config);
    // hidden [B, L, D]; mask [1, 1, L, L] added to the logits (the text tower's causal mask), or
    // undefined for none (the vision tower).
    at::Tensor forward(const at::Tensor& hidden, const at::Tensor& mask);

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
    explicit CLIPMLPImpl(const CLIPEncoderConfig& config);
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
    explicit CLIPEncoderLayerImpl(const CLIPEncoderConfig& config);
    at::Tensor forward(const at::Tensor& hidden, const at::Tensor& mask);

    CLIPAttention self_attn{nullptr};
    torch::nn::LayerNorm layer_norm1{nullptr};
    CLIPMLP mlp{nullptr};
    torch::nn::LayerNorm layer_norm2{nullptr};
};
TORCH_MODULE(CLIPEncoderLayer);

// Ports transformers CLIPEncoder: the stack of layers.
class CLIPEncoderImpl : public torch::nn::Module {
public:
    explicit CLIPEncoderImpl(const CLIPEncoderConfig& config);
    // Returns the last layer's output; appends the input and each layer's output to `states`
    // when it is not null (transformers' encoder_states). `mask` as for CLIPAttention.
    at::Tensor forward(const at::Tensor& hidden, const at::Tensor& mask, std::vector<at::Tensor>* states = nullptr);

    torch::nn::ModuleList layers{nullptr};
};
TORCH_MODULE(CLIPEncoder);

}  // namespace dragdiff::models
