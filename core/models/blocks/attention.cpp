#include "models/blocks/attention.h"

#include "dragdiff/error.h"
#include "models/blocks/attention_recompute.h"
#include "models/blocks/block_utils.h"
#include "models/blocks/checkpoint.h"
#include "models/blocks/fused_attention.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>

namespace dragdiff::models {
namespace {

// Bytes of one head's query-chunk scores: bounds the memory of long sequences (SD at 64×64: 16 MB
// instead of 512 MB) while keeping the matmuls large enough to run at full speed.
constexpr int64_t kScoreChunkBytes = 16ll << 20;

thread_local bool tRecomputeAttention = false;

std::string siteText(const AttentionSite& s) {
    return "self-attention (up block " + std::to_string(s.upBlock) + ", attention " + std::to_string(s.attention) +
           ", transformer block " + std::to_string(s.transformerBlock) + ")";
}

// [B, L, h·d] -> [B·h, L, d], diffusers' head_to_batch_dim.
at::Tensor headsToBatch(const at::Tensor& t, int64_t heads) {
    const int64_t b = t.size(0), l = t.size(1), c = t.size(2);
    return t.reshape({b, l, heads, c / heads}).permute({0, 2, 1, 3}).reshape({b * heads, l, c / heads});
}

// [B·h, L, d] -> [B, L, h·d], diffusers' batch_to_head_dim.
at::Tensor batchToHeads(const at::Tensor& t, int64_t heads) {
    const int64_t bh = t.size(0), l = t.size(1), d = t.size(2);
    return t.reshape({bh / heads, heads, l, d}).permute({0, 2, 1, 3}).reshape({bh / heads, l, d * heads});
}

at::Tensor attentionWithGraph(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, int64_t heads,
                              double scale, bool upcastAttention, bool upcastSoftmax) {
    at::Tensor q3 = headsToBatch(q, heads);  // [B·h, Lq, d]
    at::Tensor k3 = headsToBatch(k, heads);  // [B·h, Lk, d]
    at::Tensor v3 = headsToBatch(v, heads);  // [B·h, Lk, dv]
    if (upcastAttention) {
        q3 = q3.to(at::kFloat);
        k3 = k3.to(at::kFloat);
    }
    // diffusers: baddbmm(empty, q, kᵀ, beta=0, alpha=scale). bmm then ·scale rounds the same way (one
    // rounding of acc · scale) without an uninitialised input, which ATen 1.13's in-place baddbmm_
    // on small matrices lets through as NaN despite beta 0. The in-place mul_ is fine for autograd:
    // bmm's backward needs q and k, not its output.
    at::Tensor scores = at::bmm(q3, k3.transpose(1, 2)).mul_(scale);  // [B·h, Lq, Lk]
    if (upcastSoftmax) scores = scores.to(at::kFloat);
    at::Tensor probs = at::softmax(scores, -1).to(v3.scalar_type());
    return batchToHeads(at::bmm(probs, v3), heads);
}

at::Tensor attentionChunked(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, int64_t heads, double scale,
                            bool upcastAttention, bool upcastSoftmax) {
    const int64_t batch = q.size(0), lq = q.size(1), lk = k.size(1);
    const int64_t d = q.size(2) / heads, dv = v.size(2) / heads;
    // diffusers: upcast_attention computes the scores in fp32; upcast_softmax takes the softmax in fp32.
    const bool castInputs = upcastAttention && q.scalar_type() != at::kFloat;
    const at::ScalarType scoreType = castInputs ? at::kFloat : q.scalar_type();
    const bool castSoftmax = upcastSoftmax && scoreType != at::kFloat;
    const int64_t elem = static_cast<int64_t>(c10::elementSize(scoreType));
    const int64_t rows = std::clamp<int64_t>(kScoreChunkBytes / std::max<int64_t>(1, lk * elem), 16, lq);

    at::Tensor out = at::empty({batch, lq, heads, dv}, v.options());  // [B, Lq, h, dv]
    // Zeroed once so that its contents are always finite: addmm_ with beta 0 below never meets NaN.
    at::Tensor buffer = at::zeros({rows, lk}, q.options().dtype(scoreType));
    for (int64_t b = 0; b < batch; ++b) {
        // Strided per-head views, no copies: [L, h, d] with row stride h·d.
        at::Tensor qb = q[b].reshape({lq, heads, d});
        at::Tensor kb = k[b].reshape({lk, heads, d});
        at::Tensor vb = v[b].reshape({lk, heads, dv});
        if (castInputs) {
            qb = qb.to(at::kFloat);
            kb = kb.to(at::kFloat);
        }
        for (int64_t head = 0; head < heads; ++head) {
            const at::Tensor qh = qb.select(1, head);      // [Lq, d]
            const at::Tensor kT = kb.select(1, head).t();  // [d, Lk]
            const at::Tensor vh = vb.select(1, head);      // [Lk, dv]
            for (int64_t i0 = 0; i0 < lq; i0 += rows) {
                const int64_t n = std::min(rows, lq - i0);
                at::Tensor scores = n == rows ? buffer : buffer.narrow(0, 0, n);      // [n, Lk], contiguous
                scores.addmm_(qh.narrow(0, i0, n), kT, /*beta=*/0, /*alpha=*/scale);  // diffusers' baddbmm
                if (castSoftmax) scores = scores.to(at::kFloat);
                at::_softmax_out(scores, scores, -1, /*half_to_float=*/false);
                at::Tensor probs = scores.scalar_type() == vh.scalar_type() ? scores : scores.to(vh.scalar_type());
                at::Tensor target = out[b].narrow(0, i0, n).select(1, head);  // [n, dv] view into out
                at::mm_out(target, probs, vh);
            }
        }
    }
    return out.view({batch, lq, heads * dv});
}

#if DRAGDIFF_HAS_FUSED_ATTENTION
// The same attention through LibTorch's fused op, with or without autograd: heads become a
// dimension by strided views, no copies, and the flash kernel bounds the memory as
// attentionChunked does.
at::Tensor attentionFused(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, int64_t heads, double scale) {
    const int64_t batch = q.size(0), lq = q.size(1), lk = k.size(1);
    const int64_t d = q.size(2) / heads, dv = v.size(2) / heads;
    // reshape, not view: a self-attention hook may hand back a non-contiguous key or value.
    const at::Tensor q4 = q.reshape({batch, lq, heads, d}).transpose(1, 2);   // [B, h, Lq, d]
    const at::Tensor k4 = k.reshape({batch, lk, heads, d}).transpose(1, 2);   // [B, h, Lk, d]
    const at::Tensor v4 = v.reshape({batch, lk, heads, dv}).transpose(1, 2);  // [B, h, Lk, dv]
    return fusedAttention(q4, k4, v4, scale).transpose(1, 2).reshape({batch, lq, heads * dv});
}

// The fused op has no switch for diffusers' upcast flags; they only matter below fp32, so those
// (rare, CUDA fp16) calls keep the classic path.
bool useFused(const at::Tensor& q, bool upcastAttention, bool upcastSoftmax) {
    if (!fusedAttentionEnabled()) return false;
    return q.scalar_type() == at::kFloat || (!upcastAttention && !upcastSoftmax);
}
#endif

}  // namespace

bool fusedAttentionEnabled() {
#if DRAGDIFF_HAS_FUSED_ATTENTION
    static const bool enabled = [] {
        const char* env = std::getenv("DRAGDIFF_ATTENTION");
        return env == nullptr || std::strcmp(env, "classic") != 0;
    }();
    return enabled;
#else
    return false;
#endif
}

at::Tensor scaledDotProductAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, int64_t heads,
                                     double scale, bool upcastAttention, bool upcastSoftmax) {
    const bool graph = at::GradMode::is_enabled() && (q.requires_grad() || k.requires_grad() || v.requires_grad());
#if DRAGDIFF_HAS_FUSED_ATTENTION
    if (useFused(q, upcastAttention, upcastSoftmax)) {
        // Under autograd the fused op keeps only its inputs, output and per-row log-sum-exp, so the
        // recompute scope still wraps it in a checkpoint (it then keeps just q, k, v) to stay
        // the low-memory choice it is on 1.13.
        if (graph && tRecomputeAttention)
            return checkpoint(
                [=](const std::vector<at::Tensor>& in) { return attentionFused(in[0], in[1], in[2], heads, scale); },
                {q, k, v});
        return attentionFused(q, k, v, heads, scale);
    }
#endif
    if (graph && tRecomputeAttention) {
        // The checkpoint runs this without grad (the chunked path, nothing kept) and again with
        // grad during backward, one attention at a time.
        return checkpoint(
            [=](const std::vector<at::Tensor>& in) {
                return at::GradMode::is_enabled()
                           ? attentionWithGraph(in[0], in[1], in[2], heads, scale, upcastAttention, upcastSoftmax)
                           : attentionChunked(in[0], in[1], in[2], heads, scale, upcastAttention, upcastSoftmax);
            },
            {q, k, v});
    }
    if (graph) return attentionWithGraph(q, k, v, heads, scale, upcastAttention, upcastSoftmax);
    return attentionChunked(q, k, v, heads, scale, upcastAttention, upcastSoftmax);
}

AttentionRecomputeScope::AttentionRecomputeScope(bool on) : previous_(tRecomputeAttention) {
    tRecomputeAttention = on;
}

AttentionRecomputeScope::~AttentionRecomputeScope() { tRecomputeAttention = previous_; }

AttentionImpl::AttentionImpl(const AttentionOptions& o) : options_(o) {
    const int64_t inner = o.heads * o.dimHead;
    const int64_t kvDim = o.crossAttentionDim > 0 ? o.crossAttentionDim : o.queryDim;
    if (o.normNumGroups > 0)
        group_norm = register_module(
            "group_norm", torch::nn::GroupNorm(torch::nn::GroupNormOptions(o.normNumGroups, o.queryDim).eps(o.eps)));
    to_q = register_module("to_q", torch::nn::Linear(torch::nn::LinearOptions(o.queryDim, inner).bias(o.bias)));
    to_k = register_module("to_k", torch::nn::Linear(torch::nn::LinearOptions(kvDim, inner).bias(o.bias)));
    to_v = register_module("to_v", torch::nn::Linear(torch::nn::LinearOptions(kvDim, inner).bias(o.bias)));
    outProj_ = torch::nn::Linear(torch::nn::LinearOptions(inner, o.queryDim).bias(true));
    to_out = register_module("to_out", torch::nn::ModuleList(outProj_));
    scale_ = std::pow(static_cast<double>(o.dimHead), -0.5);
}

at::Tensor AttentionImpl::forward(const at::Tensor& hidden, const at::Tensor& context, const SelfAttentionKVHook* hook,
                                  const AttentionSite& site) {
    const at::Tensor& source = context.defined() ? context : hidden;
    at::Tensor q = to_q(hidden);  // [B, Lq, h·d]
    at::Tensor k = to_k(source);  // [B, Lk, h·d]
    at::Tensor v = to_v(source);  // [B, Lk, h·d]
    if (hook != nullptr && *hook && !context.defined()) {
        auto [k2, v2] = (*hook)(site, k, v);
        if (k2.defined()) k = k2;
        if (v2.defined()) v = v2;
        if (k.dim() != 3 || v.dim() != 3 || k.size(0) != q.size(0) || v.size(0) != q.size(0) ||
            k.size(2) != q.size(2) || v.size(2) != q.size(2) || k.size(1) != v.size(1))
            throw InvalidRequest("the self-attention hook returned key " + shapeText(k.sizes()) + " and value " +
                                 shapeText(v.sizes()) + " at " + siteText(site) + "; expected [" +
                                 std::to_string(q.size(0)) + ", L, " + std::to_string(q.size(2)) +
                                 "] for both, with the same L");
        if (k.scalar_type() != q.scalar_type() || v.scalar_type() != q.scalar_type())
            throw InvalidRequest("the self-attention hook returned key/value of dtype " +
                                 std::string(c10::toString(k.scalar_type())) + "/" +
                                 std::string(c10::toString(v.scalar_type())) + " at " + siteText(site) +
                                 "; the model runs in " + std::string(c10::toString(q.scalar_type())));
    }
    at::Tensor o = scaledDotProductAttention(q, k, v, options_.heads, scale_, options_.upcastAttention,
                                             options_.upcastSoftmax);  // [B, Lq, h·d]
    return outProj_(o);
}

at::Tensor AttentionImpl::forwardSpatial(const at::Tensor& x) {
    const int64_t b = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
    at::Tensor tokens = x.reshape({b, c, h * w});  // [B, C, HW]
    if (group_norm) tokens = group_norm(tokens);
    at::Tensor out = forward(tokens.transpose(1, 2));  // [B, HW, C]
    out = out.transpose(1, 2).reshape({b, c, h, w});   // [B, C, H, W]
    if (options_.residualConnection) out = addTemp(out, x);
    return divTemp(out, options_.rescaleOutputFactor);
}

}  // namespace dragdiff::models
