#pragma once
// The spatial transformer of the UNet's cross-attention blocks.
#include "models/blocks/attention.h"

#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include <vector>

namespace dragdiff::models {

// Ports diffusers GEGLU (models/activations.py): proj to 2·inner, first half × gelu(second half).
class GEGLUImpl : public torch::nn::Module {
public:
    GEGLUImpl(int64_t dimIn, int64_t dimOut);
    at::Tensor forward(const at::Tensor& x);  // [B, L, dimIn] -> [B, L, dimOut]

    torch::nn::Linear proj{nullptr};
};
TORCH_MODULE(GEGLU);

// Ports diffusers FeedForward (models/attention.py) with activation "geglu", mult 4:
// net.0 = GEGLU, net.1 = dropout (p = 0, kept for the index), net.2 = Linear.
class FeedForwardImpl : public torch::nn::Module {
public:
    FeedForwardImpl(int64_t dim, int64_t mult = 4);
    at::Tensor forward(const at::Tensor& x);  // [B, L, dim] -> [B, L, dim]

    torch::nn::ModuleList net{nullptr};

private:
    GEGLU geglu_{nullptr};
    torch::nn::Linear out_{nullptr};
};
TORCH_MODULE(FeedForward);

// Ports diffusers BasicTransformerBlock (models/attention.py) with norm_type "layer_norm":
// x += attn1(norm1(x)); x += attn2(norm2(x), context); x += ff(norm3(x)).
class BasicTransformerBlockImpl : public torch::nn::Module {
public:
    BasicTransformerBlockImpl(int64_t dim, int64_t heads, int64_t dimHead, int64_t crossAttentionDim,
                              bool upcastAttention);
    // x [B, L, dim], context [B, Lc, crossAttentionDim] -> [B, L, dim]
    at::Tensor forward(const at::Tensor& x, const at::Tensor& context, const SelfAttentionKVHook* hook,
                       const AttentionSite& site);

    torch::nn::LayerNorm norm1{nullptr};
    Attention attn1{nullptr};
    torch::nn::LayerNorm norm2{nullptr};
    Attention attn2{nullptr};
    torch::nn::LayerNorm norm3{nullptr};
    FeedForward ff{nullptr};
};
TORCH_MODULE(BasicTransformerBlock);

struct Transformer2DOptions {
    int64_t heads = 8;
    int64_t dimHead = 40;
    int64_t inChannels = 320;
    int64_t numLayers = 1;
    int64_t crossAttentionDim = 768;
    int64_t normNumGroups = 32;
    bool useLinearProjection = false;
    bool upcastAttention = false;
};

// Ports diffusers Transformer2DModel (models/transformers/transformer_2d.py) for continuous input:
// GroupNorm (eps 1e-6), proj_in (1×1 conv, or Linear with use_linear_projection), the
// transformer_blocks over the H·W tokens, proj_out, plus the input.
class Transformer2DModelImpl : public torch::nn::Module {
public:
    explicit Transformer2DModelImpl(const Transformer2DOptions& options);
    // x [B, C, H, W], context [B, Lc, crossAttentionDim] -> [B, C, H, W]. `site` carries upBlock
    // and attention; transformerBlock is filled in per block.
    at::Tensor forward(const at::Tensor& x, const at::Tensor& context, const SelfAttentionKVHook* hook,
                       AttentionSite site);

    torch::nn::GroupNorm norm{nullptr};
    torch::nn::ModuleList transformer_blocks{nullptr};

private:
    bool linear_ = false;
    torch::nn::Conv2d projInConv_{nullptr}, projOutConv_{nullptr};
    torch::nn::Linear projInLinear_{nullptr}, projOutLinear_{nullptr};
    std::vector<BasicTransformerBlock> blocks_;
};
TORCH_MODULE(Transformer2DModel);

}  // namespace dragdiff::models
