#include "models/vae/vae_blocks.h"

namespace dragdiff::models {
namespace {

constexpr double kVaeEps = 1e-6;

ResnetBlock2D vaeResnet(int64_t in, int64_t out, int64_t groups) {
    ResnetBlock2DOptions o;
    o.inChannels = in;
    o.outChannels = out;
    o.groups = groups;
    o.eps = kVaeEps;
    return ResnetBlock2D(o);
}

}  // namespace

DownEncoderBlock2DImpl::DownEncoderBlock2DImpl(int64_t inChannels, int64_t outChannels, int numLayers, int64_t groups,
                                               bool addDownsample, int64_t downsamplePadding) {
    resnets = register_module("resnets", torch::nn::ModuleList());
    for (int i = 0; i < numLayers; ++i) {
        resnets_.push_back(vaeResnet(i == 0 ? inChannels : outChannels, outChannels, groups));
        resnets->push_back(resnets_.back());
    }
    if (addDownsample) {
        downsampler_ = Downsample2D(outChannels, outChannels, downsamplePadding);
        downsamplers = register_module("downsamplers", torch::nn::ModuleList(downsampler_));
    }
}

at::Tensor DownEncoderBlock2DImpl::forward(const at::Tensor& x) {
    at::Tensor h = x;
    for (auto& r : resnets_) h = r(h);
    return downsampler_ ? downsampler_(h) : h;
}

UpDecoderBlock2DImpl::UpDecoderBlock2DImpl(int64_t inChannels, int64_t outChannels, int numLayers, int64_t groups,
                                           bool addUpsample) {
    resnets = register_module("resnets", torch::nn::ModuleList());
    for (int i = 0; i < numLayers; ++i) {
        resnets_.push_back(vaeResnet(i == 0 ? inChannels : outChannels, outChannels, groups));
        resnets->push_back(resnets_.back());
    }
    if (addUpsample) {
        upsampler_ = Upsample2D(outChannels, outChannels);
        upsamplers = register_module("upsamplers", torch::nn::ModuleList(upsampler_));
    }
}

at::Tensor UpDecoderBlock2DImpl::forward(const at::Tensor& x) {
    at::Tensor h = x;
    for (auto& r : resnets_) h = r(h);
    return upsampler_ ? upsampler_(h) : h;
}

UNetMidBlock2DImpl::UNetMidBlock2DImpl(int64_t channels, int64_t groups, bool addAttention) {
    attentions = register_module("attentions", torch::nn::ModuleList());
    resnets = register_module("resnets", torch::nn::ModuleList());
    resnets_.push_back(vaeResnet(channels, channels, groups));
    if (addAttention) {
        AttentionOptions o;
        o.queryDim = channels;
        o.heads = 1;  // in_channels // attention_head_dim with attention_head_dim = in_channels
        o.dimHead = channels;
        o.bias = true;
        o.upcastSoftmax = true;
        o.normNumGroups = groups;
        o.eps = kVaeEps;
        o.residualConnection = true;
        attention_ = Attention(o);
        attentions->push_back(attention_);
    }
    resnets_.push_back(vaeResnet(channels, channels, groups));
    for (auto& r : resnets_) resnets->push_back(r);
}

at::Tensor UNetMidBlock2DImpl::forward(const at::Tensor& x) {
    at::Tensor h = resnets_[0](x);
    if (attention_) h = attention_->forwardSpatial(h);
    return resnets_[1](h);
}

}  // namespace dragdiff::models
