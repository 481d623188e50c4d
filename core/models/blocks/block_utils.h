#pragma once
// Small tensor helpers shared by the model blocks: in-place fast paths that are taken only when
// autograd does not need the tensor being overwritten (inference, or no input requires grad).
#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <string>
#include <vector>

namespace dragdiff::models {

// "[1, 4, 64, 64]", for error messages.
inline std::string shapeText(at::IntArrayRef s) {
    std::string t = "[";
    for (size_t i = 0; i < s.size(); ++i) t += (i ? ", " : "") + std::to_string(s[i]);
    return t + "]";
}

// True when `t` may be overwritten in place without breaking a backward pass: grad mode is off
// or `t` is not part of a graph. Only call this on fresh temporaries nobody else holds.
inline bool canOverwrite(const at::Tensor& t) { return !at::GradMode::is_enabled() || !t.requires_grad(); }

// silu(t), in place when allowed. `t` must be a temporary owned by the caller.
inline at::Tensor siluTemp(at::Tensor t) { return canOverwrite(t) ? at::silu_(t) : at::silu(t); }

// a + b, written into `a` when allowed. `a` must be a temporary owned by the caller.
inline at::Tensor addTemp(at::Tensor a, const at::Tensor& b) { return canOverwrite(a) ? a.add_(b) : a + b; }

// a / s, in place when allowed; skipped when s == 1 (division by one is exact).
inline at::Tensor divTemp(at::Tensor a, double s) {
    if (s == 1.0) return a;
    return canOverwrite(a) ? a.div_(s) : a / s;
}

// A 1×1 convolution as matmuls: weight [Cout, Cin(,1,1)] · x[b] [Cin, N] + bias -> [B, Cout, N].
// x may be a strided view (e.g. transposed tokens). Avoids the slow 1×1 conv path torch takes
// with one thread and the layout copies around it.
inline at::Tensor pointwiseConv(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias) {
    const at::Tensor w = weight.flatten(1);  // [Cout, Cin]
    const at::Tensor b = bias.unsqueeze(1);  // [Cout, 1]
    if (x.size(0) == 1) return at::addmm(b, w, x[0]).unsqueeze(0);
    std::vector<at::Tensor> outs;
    for (int64_t i = 0; i < x.size(0); ++i) outs.push_back(at::addmm(b, w, x[i]));
    return at::stack(outs);
}

}  // namespace dragdiff::models
