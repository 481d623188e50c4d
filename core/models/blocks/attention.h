#pragma once
// Multi-head attention as diffusers computes it with its classic AttnProcessor (the one torch
// 1.13 selects): scores = baddbmm(q, kᵀ, beta=0, alpha=dim_head^-0.5), softmax over keys, then
// the weighted sum of values; LibTorch 2 builds use the fused op (see scaledDotProductAttention).
// Self-attention sites can be observed and rewritten by a hook.
#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include <functional>
#include <utility>

namespace dragdiff::models {

// Where a self-attention (attn1 of a BasicTransformerBlock) runs. upBlock is -1 outside up_blocks
// (down blocks and the mid block); attention indexes the block's `attentions` list and
// transformerBlock the Transformer2DModel's `transformer_blocks` list.
struct AttentionSite {
    int upBlock = -1;
    int attention = 0;
    int transformerBlock = 0;
};

// Called for every self-attention with its key and value [B, L, C] (before the head split). May
// return replacements (same B and C; L may differ, equal for both); an undefined tensor keeps the
// original.
using SelfAttentionKVHook = std::function<std::pair<at::Tensor, at::Tensor>(const AttentionSite&, const at::Tensor& key,
                                                                            const at::Tensor& value)>;

// softmax(q kᵀ · scale) v per head, heads split from the channel dimension.
// q [B, Lq, h·d], k [B, Lk, h·d], v [B, Lk, h·dv] -> [B, Lq, h·dv].
// upcastAttention computes the scores in fp32, upcastSoftmax the softmax (diffusers' flags).
// With LibTorch 2.1 or later it is at::scaled_dot_product_attention (fused_attention.h), as
// diffusers' AttnProcessor2_0; on 1.13, without autograd it runs per head on query chunks with an
// in-place softmax (same numbers, bounded memory, no head-split copies), with autograd it follows
// diffusers' op sequence.
at::Tensor scaledDotProductAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, int64_t heads,
                                     double scale, bool upcastAttention = false, bool upcastSoftmax = false);

struct AttentionOptions {
    int64_t queryDim = 0;
    int64_t crossAttentionDim = 0;  // 0: self-attention (keys and values from the query input)
    int64_t heads = 1;
    int64_t dimHead = 64;
    bool bias = false;  // on to_q, to_k, to_v (to_out.0 always has one)
    bool upcastAttention = false;
    bool upcastSoftmax = false;
    int64_t normNumGroups = 0;  // > 0: group_norm on the input (the VAE's spatial attention)
    double eps = 1e-5;          // of group_norm
    bool residualConnection = false;
    double rescaleOutputFactor = 1.0;
};

// Ports diffusers Attention (models/attention_processor.py) with AttnProcessor.
class AttentionImpl : public torch::nn::Module {
public:
    explicit AttentionImpl(const AttentionOptions& options);

    // hidden [B, L, queryDim]; context [B, Lc, crossAttentionDim] for cross-attention, undefined for
    // self-attention. `hook` (may be null or empty) sees and may replace the self-attention K/V.
    at::Tensor forward(const at::Tensor& hidden, const at::Tensor& context = {},
                       const SelfAttentionKVHook* hook = nullptr, const AttentionSite& site = {});

    // The VAE's form: x [B, C, H, W] -> group_norm, attention over the H·W positions, back to
    // [B, C, H, W], plus the residual, divided by rescale_output_factor.
    at::Tensor forwardSpatial(const at::Tensor& x);

    const AttentionOptions& options() const { return options_; }

    torch::nn::GroupNorm group_norm{nullptr};
    torch::nn::Linear to_q{nullptr};
    torch::nn::Linear to_k{nullptr};
    torch::nn::Linear to_v{nullptr};
    torch::nn::ModuleList to_out{nullptr};  // [0] = the output Linear (diffusers' [1] is a Dropout)

private:
    AttentionOptions options_;
    double scale_ = 1.0;
    torch::nn::Linear outProj_{nullptr};
};
TORCH_MODULE(Attention);

}  // namespace dragdiff::models
