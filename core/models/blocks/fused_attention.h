#pragma once
// LibTorch's fused at::scaled_dot_product_attention, where this LibTorch has it with the `scale`
// argument (2.1 and later; Debian 13 ships 2.6). 2.0's has no `scale`, and 1.13 (Debian 12) has
// none, so those builds keep the explicit bmm/softmax path of attention.cpp and CLIPAttention.
// On the CPU the fused op runs a flash-attention kernel where it applies (query blocks, online
// softmax: no [L, L] score matrix, in the forward pass or kept for the backward one) and LibTorch's
// math path otherwise (e.g. key and value of different head sizes).
#include <ATen/ATen.h>
#include <torch/version.h>

#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 1)
#define DRAGDIFF_HAS_FUSED_ATTENTION 1
#else
#define DRAGDIFF_HAS_FUSED_ATTENTION 0
#endif

namespace dragdiff::models {

// True when the fused op is compiled in and not turned off with DRAGDIFF_ATTENTION=classic (read
// once; for measuring one path against the other in the same build, see docs/performance.md).
bool fusedAttentionEnabled();

#if DRAGDIFF_HAS_FUSED_ATTENTION
// softmax(q kᵀ · scale + mask) v. q [B, h, Lq, d], k [B, h, Lk, d], v [B, h, Lk, dv] ->
// [B, h, Lq, dv]; mask (optional) additive, broadcastable to [B, h, Lq, Lk].
inline at::Tensor fusedAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, double scale,
                                 const at::Tensor& mask = {}) {
    // Two calls rather than one optional: the optional type is c10's own before 2.3 and std's after.
    if (mask.defined())
        return at::scaled_dot_product_attention(q, k, v, mask, /*dropout_p=*/0.0, /*is_causal=*/false, /*scale=*/scale);
    return at::scaled_dot_product_attention(q, k, v, /*attn_mask=*/{}, /*dropout_p=*/0.0, /*is_causal=*/false,
                                            /*scale=*/scale);
}
#endif

}  // namespace dragdiff::models
