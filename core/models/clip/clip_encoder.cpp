// Ports the transformer layers shared by transformers 4.38's CLIP towers. See clip_encoder.h.
#include "models/clip/clip_encoder.h"

#include "dragdiff/error.h"
#include "models/blocks/fused_attention.h"

#include <cmath>

namespace dragdiff::models {

CLIPAttentionImpl::CLIPAttentionImpl(const CLIPEncoderConfig& config)
    : numHeads_(config.numAttentionHeads), headDim_(config.hiddenSize / config.numAttentionHeads) {
    scale_ = 1.0 / std::sqrt(static_cast<double>(headDim_));
    const int64_t d = config.hiddenSize;
    k_proj = register_module("k_proj", torch::nn::Linear(torch::nn::LinearOptions(d, d)));
    v_proj = register_module("v_proj", torch::nn::Linear(torch::nn::LinearOptions(d, d)));
    q_proj = register_module("q_proj", torch::nn::Linear(torch::nn::LinearOptions(d, d)));
    out_proj = register_module("out_proj", torch::nn::Linear(torch::nn::LinearOptions(d, d)));
}

at::Tensor CLIPAttentionImpl::forward(const at::Tensor& hidden, const at::Tensor& mask) {
    const int64_t batch = hidden.size(0), length = hidden.size(1), width = hidden.size(2);
    auto heads = [&](const at::Tensor& x) {  // [B, L, D] -> [B, H, L, d]
        return x.view({batch, length, numHeads_, headDim_}).transpose(1, 2);
    };
#if DRAGDIFF_HAS_FUSED_ATTENTION
    if (fusedAttentionEnabled()) {
        const at::Tensor context = fusedAttention(heads(q_proj(hidden)), heads(k_proj(hidden)), heads(v_proj(hidden)),
                                                  scale_, mask);  // [B, H, L, d]
        return out_proj(context.transpose(1, 2).reshape({batch, length, width}));
    }
#endif
    const at::Tensor query = heads(q_proj(hidden) * scale_);
    const at::Tensor key = heads(k_proj(hidden));
    const at::Tensor value = heads(v_proj(hidden));
    at::Tensor weights = at::matmul(query, key.transpose(-1, -2));  // [B, H, L, L]
    if (mask.defined()) weights = weights + mask;
    weights = at::softmax(weights, /*dim=*/-1);
    const at::Tensor context = at::matmul(weights, value).transpose(1, 2).reshape({batch, length, width});
    return out_proj(context);
}

CLIPMLPImpl::CLIPMLPImpl(const CLIPEncoderConfig& config) : quickGelu_(config.hiddenAct == "quick_gelu") {
    if (config.hiddenAct != "quick_gelu" && config.hiddenAct != "gelu")
        throw LoadError("CLIP encoder: hidden_act '" + config.hiddenAct +
                        "' is not supported (quick_gelu or gelu, as in Stable Diffusion's CLIP models)");
    fc1 = register_module("fc1", torch::nn::Linear(torch::nn::LinearOptions(config.hiddenSize, config.intermediateSize)));
    fc2 = register_module("fc2", torch::nn::Linear(torch::nn::LinearOptions(config.intermediateSize, config.hiddenSize)));
}

at::Tensor CLIPMLPImpl::forward(const at::Tensor& hidden) {
    at::Tensor x = fc1(hidden);
    x = quickGelu_ ? x * at::sigmoid(1.702 * x) : at::gelu(x);  // gelu: exact (erf) form
    return fc2(x);
}

CLIPEncoderLayerImpl::CLIPEncoderLayerImpl(const CLIPEncoderConfig& config) {
    const auto norm = torch::nn::LayerNormOptions({config.hiddenSize}).eps(config.layerNormEps);
    self_attn = register_module("self_attn", CLIPAttention(config));
    layer_norm1 = register_module("layer_norm1", torch::nn::LayerNorm(norm));
    mlp = register_module("mlp", CLIPMLP(config));
    layer_norm2 = register_module("layer_norm2", torch::nn::LayerNorm(norm));
}

at::Tensor CLIPEncoderLayerImpl::forward(const at::Tensor& hidden, const at::Tensor& mask) {
    at::Tensor x = hidden + self_attn(layer_norm1(hidden), mask);
    return x + mlp(layer_norm2(x));
}

CLIPEncoderImpl::CLIPEncoderImpl(const CLIPEncoderConfig& config) {
    layers = register_module("layers", torch::nn::ModuleList());
    for (int i = 0; i < config.numHiddenLayers; ++i) layers->push_back(CLIPEncoderLayer(config));
}

at::Tensor CLIPEncoderImpl::forward(const at::Tensor& hidden, const at::Tensor& mask, std::vector<at::Tensor>* states) {
    at::Tensor x = hidden;
    for (const auto& layer : *layers) {
        if (states) states->push_back(x);
        x = layer->as<CLIPEncoderLayerImpl>()->forward(x, mask);
    }
    if (states) states->push_back(x);
    return x;
}

}  // namespace dragdiff::models
