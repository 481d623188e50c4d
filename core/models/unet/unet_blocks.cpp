#include "models/unet/unet_blocks.h"

#include "dragdiff/error.h"

#include <string>

namespace dragdiff::models {
namespace {

ResnetBlock2DOptions resnetOptions(const UNetBlockOptions& o, int64_t in, int64_t out) {
    ResnetBlock2DOptions r;
    r.inChannels = in;
    r.outChannels = out;
    r.tembChannels = o.tembChannels;
    r.groups = o.groups;
    r.eps = o.eps;
    r.outputScaleFactor = o.outputScaleFactor;
    return r;
}

Transformer2DOptions transformerOptions(const UNetBlockOptions& o, int64_t channels) {
    if (o.heads <= 0 || channels % o.heads != 0)
        throw InvalidRequest("UNet block: " + std::to_string(channels) + " channels cannot be split into " +
                             std::to_string(o.heads) + " attention heads");
    Transformer2DOptions t;
    t.heads = o.heads;
    t.dimHead = channels / o.heads;
    t.inChannels = channels;
    t.numLayers = o.transformerLayers;
    t.crossAttentionDim = o.crossAttentionDim;
    t.normNumGroups = o.groups;
    t.useLinearProjection = o.useLinearProjection;
    t.upcastAttention = o.upcastAttention;
    return t;
}

// The resnet input and skip channels of up-block layer i (diffusers' CrossAttnUpBlock2D/UpBlock2D).
int64_t upResnetInChannels(const UNetBlockOptions& o, int i) {
    const int64_t skip = i == o.numLayers - 1 ? o.inChannels : o.outChannels;
    const int64_t in = i == 0 ? o.prevOutputChannels : o.outChannels;
    return in + skip;
}

at::Tensor popSkip(std::vector<at::Tensor>& skips, const char* block) {
    if (skips.empty()) throw InvalidRequest(std::string(block) + ": no skip connection left to consume");
    at::Tensor s = std::move(skips.back());
    skips.pop_back();
    return s;
}

}  // namespace

CrossAttnDownBlock2DImpl::CrossAttnDownBlock2DImpl(const UNetBlockOptions& o) {
    resnets = register_module("resnets", torch::nn::ModuleList());
    attentions = register_module("attentions", torch::nn::ModuleList());
    for (int i = 0; i < o.numLayers; ++i) {
        resnets_.emplace_back(resnetOptions(o, i == 0 ? o.inChannels : o.outChannels, o.outChannels));
        resnets->push_back(resnets_.back());
        attentions_.emplace_back(transformerOptions(o, o.outChannels));
        attentions->push_back(attentions_.back());
    }
    if (o.addSampler) {
        downsampler_ = Downsample2D(o.outChannels, o.outChannels, o.downsamplePadding);
        downsamplers = register_module("downsamplers", torch::nn::ModuleList(downsampler_));
    }
}

at::Tensor CrossAttnDownBlock2DImpl::forward(const at::Tensor& x, const at::Tensor& temb, const at::Tensor& context,
                                             const SelfAttentionKVHook* hook, std::vector<at::Tensor>& skips) {
    at::Tensor h = x;
    for (size_t i = 0; i < resnets_.size(); ++i) {
        h = resnets_[i](h, temb);
        h = attentions_[i](h, context, hook, AttentionSite{-1, static_cast<int>(i), 0});
        skips.push_back(h);
    }
    if (downsampler_) {
        h = downsampler_(h);
        skips.push_back(h);
    }
    return h;
}

DownBlock2DImpl::DownBlock2DImpl(const UNetBlockOptions& o) {
    resnets = register_module("resnets", torch::nn::ModuleList());
    for (int i = 0; i < o.numLayers; ++i) {
        resnets_.emplace_back(resnetOptions(o, i == 0 ? o.inChannels : o.outChannels, o.outChannels));
        resnets->push_back(resnets_.back());
    }
    if (o.addSampler) {
        downsampler_ = Downsample2D(o.outChannels, o.outChannels, o.downsamplePadding);
        downsamplers = register_module("downsamplers", torch::nn::ModuleList(downsampler_));
    }
}

at::Tensor DownBlock2DImpl::forward(const at::Tensor& x, const at::Tensor& temb, std::vector<at::Tensor>& skips) {
    at::Tensor h = x;
    for (auto& resnet : resnets_) {
        h = resnet(h, temb);
        skips.push_back(h);
    }
    if (downsampler_) {
        h = downsampler_(h);
        skips.push_back(h);
    }
    return h;
}

UNetMidBlock2DCrossAttnImpl::UNetMidBlock2DCrossAttnImpl(const UNetBlockOptions& o) {
    resnets = register_module("resnets", torch::nn::ModuleList());
    attentions = register_module("attentions", torch::nn::ModuleList());
    resnets_.emplace_back(resnetOptions(o, o.inChannels, o.inChannels));
    resnets->push_back(resnets_.back());
    for (int i = 0; i < o.numLayers; ++i) {
        attentions_.emplace_back(transformerOptions(o, o.inChannels));
        attentions->push_back(attentions_.back());
        resnets_.emplace_back(resnetOptions(o, o.inChannels, o.inChannels));
        resnets->push_back(resnets_.back());
    }
}

at::Tensor UNetMidBlock2DCrossAttnImpl::forward(const at::Tensor& x, const at::Tensor& temb, const at::Tensor& context,
                                                const SelfAttentionKVHook* hook) {
    at::Tensor h = resnets_[0](x, temb);
    for (size_t i = 0; i < attentions_.size(); ++i) {
        h = attentions_[i](h, context, hook, AttentionSite{-1, static_cast<int>(i), 0});
        h = resnets_[i + 1](h, temb);
    }
    return h;
}

CrossAttnUpBlock2DImpl::CrossAttnUpBlock2DImpl(const UNetBlockOptions& o) {
    resnets = register_module("resnets", torch::nn::ModuleList());
    attentions = register_module("attentions", torch::nn::ModuleList());
    for (int i = 0; i < o.numLayers; ++i) {
        resnets_.emplace_back(resnetOptions(o, upResnetInChannels(o, i), o.outChannels));
        resnets->push_back(resnets_.back());
        attentions_.emplace_back(transformerOptions(o, o.outChannels));
        attentions->push_back(attentions_.back());
    }
    if (o.addSampler) {
        upsampler_ = Upsample2D(o.outChannels, o.outChannels);
        upsamplers = register_module("upsamplers", torch::nn::ModuleList(upsampler_));
    }
}

at::Tensor CrossAttnUpBlock2DImpl::forward(const at::Tensor& x, std::vector<at::Tensor>& skips, const at::Tensor& temb,
                                           const at::Tensor& context, const SelfAttentionKVHook* hook, int upBlock,
                                           const SpatialSize& upsampleSize) {
    at::Tensor h = x;
    for (size_t i = 0; i < resnets_.size(); ++i) {
        h = at::cat({h, popSkip(skips, "CrossAttnUpBlock2D")}, 1);
        h = resnets_[i](h, temb);
        h = attentions_[i](h, context, hook, AttentionSite{upBlock, static_cast<int>(i), 0});
    }
    if (upsampler_) h = upsampler_(h, upsampleSize);
    return h;
}

UpBlock2DImpl::UpBlock2DImpl(const UNetBlockOptions& o) {
    resnets = register_module("resnets", torch::nn::ModuleList());
    for (int i = 0; i < o.numLayers; ++i) {
        resnets_.emplace_back(resnetOptions(o, upResnetInChannels(o, i), o.outChannels));
        resnets->push_back(resnets_.back());
    }
    if (o.addSampler) {
        upsampler_ = Upsample2D(o.outChannels, o.outChannels);
        upsamplers = register_module("upsamplers", torch::nn::ModuleList(upsampler_));
    }
}

at::Tensor UpBlock2DImpl::forward(const at::Tensor& x, std::vector<at::Tensor>& skips, const at::Tensor& temb,
                                  const SpatialSize& upsampleSize) {
    at::Tensor h = x;
    for (auto& resnet : resnets_) {
        h = at::cat({h, popSkip(skips, "UpBlock2D")}, 1);
        h = resnet(h, temb);
    }
    if (upsampler_) h = upsampler_(h, upsampleSize);
    return h;
}

}  // namespace dragdiff::models
