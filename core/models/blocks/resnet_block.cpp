#include "models/blocks/resnet_block.h"

#include "dragdiff/error.h"
#include "models/blocks/block_utils.h"

#include <string>

namespace dragdiff::models {

ResnetBlock2DImpl::ResnetBlock2DImpl(const ResnetBlock2DOptions& o) : outputScaleFactor_(o.outputScaleFactor) {
    const int64_t out = o.outChannels > 0 ? o.outChannels : o.inChannels;
    if (o.inChannels % o.groups != 0 || out % o.groups != 0)
        throw InvalidRequest("ResnetBlock2D: channels " + std::to_string(o.inChannels) + " -> " + std::to_string(out) +
                             " are not divisible by " + std::to_string(o.groups) + " groups");
    norm1 =
        register_module("norm1", torch::nn::GroupNorm(torch::nn::GroupNormOptions(o.groups, o.inChannels).eps(o.eps)));
    conv1 = register_module(
        "conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(o.inChannels, out, /*kernel_size=*/3).padding(1)));
    if (o.tembChannels > 0) time_emb_proj = register_module("time_emb_proj", torch::nn::Linear(o.tembChannels, out));
    norm2 = register_module("norm2", torch::nn::GroupNorm(torch::nn::GroupNormOptions(o.groups, out).eps(o.eps)));
    conv2 =
        register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(out, out, /*kernel_size=*/3).padding(1)));
    if (o.inChannels != out)
        conv_shortcut = register_module(
            "conv_shortcut", torch::nn::Conv2d(torch::nn::Conv2dOptions(o.inChannels, out, /*kernel_size=*/1)));
}

at::Tensor ResnetBlock2DImpl::forward(const at::Tensor& x, const at::Tensor& temb) {
    at::Tensor h = siluTemp(norm1(x));
    h = conv1(h);
    if (time_emb_proj && temb.defined()) {
        at::Tensor t = time_emb_proj(at::silu(temb));  // [B, Cout]
        h = addTemp(h, t.unsqueeze(-1).unsqueeze(-1));
    }
    h = siluTemp(norm2(h));
    h = conv2(h);
    if (conv_shortcut) {
        const at::Tensor shortcut = pointwiseConv2d(x, conv_shortcut->weight, conv_shortcut->bias);
        h = addTemp(h, shortcut);  // input + hidden, as diffusers (commutative)
    } else {
        h = addTemp(h, x);
    }
    return divTemp(h, outputScaleFactor_);
}

}  // namespace dragdiff::models
