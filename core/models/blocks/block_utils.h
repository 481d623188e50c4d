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

// True for a 4-d tensor laid out channels-last (NHWC strides) rather than NCHW.
inline bool isChannelsLast(const at::Tensor& t) {
    return t.dim() == 4 && !t.is_contiguous() && t.is_contiguous(at::MemoryFormat::ChannelsLast);
}

// Tokens [B, N, Cin] (N = h·w, row-major) through a 1×1 convolution, straight into a
// channels-last [B, Cout, h, w] (its NHWC storage is the matmul's [N, Cout] output: no copy).
inline at::Tensor tokensToChannelsLast(const at::Tensor& tokens, const at::Tensor& weight, const at::Tensor& bias,
                                       int64_t h, int64_t w) {
    const at::Tensor wt = weight.flatten(1).t();  // [Cin, Cout]
    std::vector<at::Tensor> outs;
    for (int64_t i = 0; i < tokens.size(0); ++i) outs.push_back(at::addmm(bias, tokens[i], wt));  // [N, Cout]
    at::Tensor nhwc = tokens.size(0) == 1 ? outs[0].unsqueeze(0) : at::stack(outs);                 // [B, N, Cout]
    return nhwc.view({tokens.size(0), h, w, wt.size(1)}).permute({0, 3, 1, 2});
}

// A 1×1 convolution of x [B, Cin, h, w] that keeps x's memory format (NCHW or channels-last).
inline at::Tensor pointwiseConv2d(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias) {
    const int64_t b = x.size(0), h = x.size(2), w = x.size(3);
    if (isChannelsLast(x)) return tokensToChannelsLast(x.permute({0, 2, 3, 1}).reshape({b, h * w, x.size(1)}), weight, bias, h, w);
    return pointwiseConv(x.flatten(2), weight, bias).view({b, weight.size(0), h, w});
}

}  // namespace dragdiff::models
