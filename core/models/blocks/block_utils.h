#pragma once
// Small tensor helpers shared by the model blocks: in-place fast paths that are taken only when
// autograd does not need the tensor being overwritten (inference, or no input requires grad).
#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

namespace dragdiff::models {

// True when `t` may be overwritten in place without breaking a backward pass: grad mode is off
// or `t` is not part of a graph. Only call this on fresh temporaries nobody else holds.
inline bool canOverwrite(const at::Tensor& t) { return !at::GradMode::is_enabled() || !t.requires_grad(); }

// silu(t), in place when allowed. `t` must be a temporary owned by the caller.
inline at::Tensor siluTemp(at::Tensor t) { return canOverwrite(t) ? at::silu_(t) : at::silu(t); }

// a + b, written into `a` when allowed. `a` must be a temporary owned by the caller.
inline at::Tensor addTemp(at::Tensor a, const at::Tensor& b) {
    return canOverwrite(a) ? a.add_(b) : a + b;
}

// a / s, in place when allowed; skipped when s == 1 (division by one is exact).
inline at::Tensor divTemp(at::Tensor a, double s) {
    if (s == 1.0) return a;
    return canOverwrite(a) ? a.div_(s) : a / s;
}

}  // namespace dragdiff::models
