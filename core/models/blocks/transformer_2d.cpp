#include "models/blocks/transformer_2d.h"

#include "dragdiff/error.h"
#include "models/blocks/block_utils.h"

#include <string>
#include <vector>

namespace dragdiff::models {

GEGLUImpl::GEGLUImpl(int64_t dimIn, int64_t dimOut) {
    proj = register_module("proj", torch::nn::Linear(dimIn, dimOut * 2));
}

at::Tensor GEGLUImpl::forward(const at::Tensor& x) {
    at::Tensor y = proj(x);  // [B, L, 2·inner]
    auto parts = y.chunk(2, -1);
    // In place, the result is a strided view into y ([.., inner] with row stride 2·inner), which
    // the next Linear reads without a copy.
    if (canOverwrite(y)) return parts[0].mul_(at::gelu_(parts[1]));
    return parts[0] * at::gelu(parts[1]);
}

FeedForwardImpl::FeedForwardImpl(int64_t dim, int64_t mult) {
    const int64_t inner = dim * mult;
    geglu_ = GEGLU(dim, inner);
    out_ = torch::nn::Linear(inner, dim);
    net = register_module("net", torch::nn::ModuleList(geglu_, torch::nn::Identity(), out_));
}

at::Tensor FeedForwardImpl::forward(const at::Tensor& x) { return out_(geglu_(x)); }

BasicTransformerBlockImpl::BasicTransformerBlockImpl(int64_t dim, int64_t heads, int64_t dimHead,
                                                     int64_t crossAttentionDim, bool upcastAttention) {
    auto layerNorm = [&] { return torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim}).eps(1e-5)); };
    AttentionOptions self;
    self.queryDim = dim;
    self.heads = heads;
    self.dimHead = dimHead;
    self.upcastAttention = upcastAttention;
    AttentionOptions cross = self;
    cross.crossAttentionDim = crossAttentionDim;
    norm1 = register_module("norm1", layerNorm());
    attn1 = register_module("attn1", Attention(self));
    norm2 = register_module("norm2", layerNorm());
    attn2 = register_module("attn2", Attention(cross));
    norm3 = register_module("norm3", layerNorm());
    ff = register_module("ff", FeedForward(dim));
}

at::Tensor BasicTransformerBlockImpl::forward(const at::Tensor& x, const at::Tensor& context,
                                              const SelfAttentionKVHook* hook, const AttentionSite& site) {
    at::Tensor h = addTemp(attn1->forward(norm1(x), at::Tensor(), hook, site), x);
    h = addTemp(attn2(norm2(h), context), h);
    return addTemp(ff(norm3(h)), h);
}

Transformer2DModelImpl::Transformer2DModelImpl(const Transformer2DOptions& o) : linear_(o.useLinearProjection) {
    const int64_t inner = o.heads * o.dimHead;
    if (o.inChannels % o.normNumGroups != 0)
        throw InvalidRequest("Transformer2DModel: " + std::to_string(o.inChannels) + " channels are not divisible by " +
                             std::to_string(o.normNumGroups) + " groups");
    norm = register_module("norm",
                           torch::nn::GroupNorm(torch::nn::GroupNormOptions(o.normNumGroups, o.inChannels).eps(1e-6)));
    if (linear_) {
        projInLinear_ = register_module("proj_in", torch::nn::Linear(o.inChannels, inner));
    } else {
        projInConv_ = register_module(
            "proj_in", torch::nn::Conv2d(torch::nn::Conv2dOptions(o.inChannels, inner, /*kernel_size=*/1)));
    }
    transformer_blocks = register_module("transformer_blocks", torch::nn::ModuleList());
    for (int64_t i = 0; i < o.numLayers; ++i) {
        blocks_.emplace_back(inner, o.heads, o.dimHead, o.crossAttentionDim, o.upcastAttention);
        transformer_blocks->push_back(blocks_.back());
    }
    if (linear_) {
        projOutLinear_ = register_module("proj_out", torch::nn::Linear(inner, o.inChannels));
    } else {
        projOutConv_ = register_module(
            "proj_out", torch::nn::Conv2d(torch::nn::Conv2dOptions(inner, o.inChannels, /*kernel_size=*/1)));
    }
}

at::Tensor Transformer2DModelImpl::forward(const at::Tensor& x, const at::Tensor& context,
                                           const SelfAttentionKVHook* hook, AttentionSite site) {
    const int64_t b = x.size(0), h = x.size(2), w = x.size(3);
    at::Tensor t = norm(x);
    int64_t inner = 0;
    if (linear_) {
        inner = t.size(1);
        t = projInLinear_(t.permute({0, 2, 3, 1}).reshape({b, h * w, inner}));  // [B, HW, inner]
    } else {
        // The 1×1 conv as a matmul that writes the tokens directly: x[b]ᵀ [HW, C] · Wᵀ [C, inner].
        const at::Tensor weight = projInConv_->weight.flatten(1);  // [inner, C]
        inner = weight.size(0);
        const at::Tensor flat = t.flatten(2);  // [B, C, HW]
        std::vector<at::Tensor> tokens;
        for (int64_t i = 0; i < b; ++i) tokens.push_back(at::addmm(projInConv_->bias, flat[i].t(), weight.t()));
        t = b == 1 ? tokens[0].unsqueeze(0) : at::stack(tokens);  // [B, HW, inner]
    }
    for (size_t i = 0; i < blocks_.size(); ++i) {
        site.transformerBlock = static_cast<int>(i);
        t = blocks_[i](t, context, hook, site);
    }
    if (linear_) {
        t = projOutLinear_(t);  // [B, HW, C]
        t = t.reshape({b, h, w, t.size(2)}).permute({0, 3, 1, 2});
        if (!isChannelsLast(x)) t = t.contiguous();
    } else if (isChannelsLast(x)) {
        // Channels-last: tokens [HW, inner] · Wᵀ is already the NHWC layout.
        t = tokensToChannelsLast(t, projOutConv_->weight, projOutConv_->bias, h, w);
    } else {
        // The 1×1 conv straight back to channels-first: W [C, inner] · tokens[b]ᵀ [inner, HW].
        t = pointwiseConv(t.transpose(1, 2), projOutConv_->weight, projOutConv_->bias);  // [B, C, HW]
        t = t.view({b, t.size(1), h, w});
    }
    return addTemp(t, x);
}

}  // namespace dragdiff::models
