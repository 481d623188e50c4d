#include "models/unet/unet_2d_condition.h"

#include "dragdiff/error.h"
#include "io/config_json.h"
#include "models/blocks/attention_recompute.h"
#include "models/blocks/block_utils.h"
#include "models/blocks/checkpoint.h"
#include "models/component_loading.h"
#include "models/weight_loading.h"

#include <algorithm>
#include <optional>
#include <string>

namespace dragdiff::models {
namespace {

// Per-block lists the config may leave empty take diffusers' defaults (8 heads, 1 layer).
std::vector<int> perBlock(const std::vector<int>& values, size_t n, int fallback, const char* name) {
    if (values.empty()) return std::vector<int>(n, fallback);
    if (values.size() != n)
        throw InvalidRequest(std::string("UNet config: ") + name + " has " + std::to_string(values.size()) +
                             " entries for " + std::to_string(n) + " blocks");
    return values;
}

}  // namespace

UNet2DConditionModelImpl::UNet2DConditionModelImpl(const UNetConfig& c) : config_(c) {
    const size_t n = c.blockOutChannels.size();
    if (n == 0 || c.downBlockTypes.size() != n || c.upBlockTypes.size() != n)
        throw InvalidRequest(
            "UNet config: block_out_channels, down_block_types and up_block_types must be "
            "non-empty and of the same length");
    const std::vector<int> heads = perBlock(c.numAttentionHeads, n, 8, "attention_head_dim");
    const std::vector<int> layers = perBlock(c.transformerLayersPerBlock, n, 1, "transformer_layers_per_block");
    const int64_t ch0 = c.blockOutChannels[0];
    const int64_t timeEmbedDim = ch0 * 4;

    conv_in = register_module(
        "conv_in", torch::nn::Conv2d(
                       torch::nn::Conv2dOptions(c.inChannels, ch0, c.convInKernel).padding((c.convInKernel - 1) / 2)));
    time_proj = register_module("time_proj", Timesteps(ch0, c.flipSinToCos, c.freqShift));
    time_embedding = register_module("time_embedding", TimestepEmbedding(ch0, timeEmbedDim));
    if (c.hasTextTimeEmbedding()) {
        add_time_proj = register_module("add_time_proj", Timesteps(c.additionTimeEmbedDim, c.flipSinToCos, c.freqShift));
        add_embedding =
            register_module("add_embedding", TimestepEmbedding(c.projectionClassEmbeddingsInputDim, timeEmbedDim));
    } else if (!c.additionEmbedType.empty()) {
        throw InvalidRequest("UNet config: addition_embed_type '" + c.additionEmbedType + "' is not supported");
    }

    UNetBlockOptions base;
    base.tembChannels = timeEmbedDim;
    base.eps = c.normEps;
    base.groups = c.normNumGroups;
    base.crossAttentionDim = c.crossAttentionDim;
    base.downsamplePadding = c.downsamplePadding;
    base.useLinearProjection = c.useLinearProjection;
    base.upcastAttention = c.upcastAttention;

    down_blocks = register_module("down_blocks", torch::nn::ModuleList());
    int64_t output = ch0;
    for (size_t i = 0; i < n; ++i) {
        UNetBlockOptions o = base;
        o.inChannels = output;
        output = c.blockOutChannels[i];
        o.outChannels = output;
        o.numLayers = c.layersPerBlock;
        o.transformerLayers = layers[i];
        o.heads = heads[i];
        o.addSampler = i + 1 < n;
        DownEntry e;
        if (c.downBlockTypes[i] == "CrossAttnDownBlock2D") {
            e.cross = CrossAttnDownBlock2D(o);
            down_blocks->push_back(e.cross);
        } else if (c.downBlockTypes[i] == "DownBlock2D") {
            e.plain = DownBlock2D(o);
            down_blocks->push_back(e.plain);
        } else {
            throw InvalidRequest("UNet config: down block type '" + c.downBlockTypes[i] + "' is not supported");
        }
        downs_.push_back(e);
    }

    if (c.midBlockType != "UNetMidBlock2DCrossAttn")
        throw InvalidRequest("UNet config: mid block type '" + c.midBlockType + "' is not supported");
    UNetBlockOptions mid = base;
    mid.inChannels = mid.outChannels = c.blockOutChannels.back();
    mid.numLayers = 1;
    mid.transformerLayers = layers.back();
    mid.heads = heads.back();
    mid.outputScaleFactor = c.midBlockScaleFactor;
    mid_block = register_module("mid_block", UNetMidBlock2DCrossAttn(mid));

    std::vector<int> revChannels(c.blockOutChannels.rbegin(), c.blockOutChannels.rend());
    std::vector<int> revHeads(heads.rbegin(), heads.rend());
    std::vector<int> revLayers(layers.rbegin(), layers.rend());
    up_blocks = register_module("up_blocks", torch::nn::ModuleList());
    output = revChannels[0];
    for (size_t i = 0; i < n; ++i) {
        UNetBlockOptions o = base;
        o.prevOutputChannels = output;
        output = revChannels[i];
        o.outChannels = output;
        o.inChannels = revChannels[std::min(i + 1, n - 1)];
        o.numLayers = c.layersPerBlock + 1;
        o.transformerLayers = revLayers[i];
        o.heads = revHeads[i];
        o.addSampler = i + 1 < n;
        UpEntry e;
        if (c.upBlockTypes[i] == "CrossAttnUpBlock2D") {
            e.cross = CrossAttnUpBlock2D(o);
            up_blocks->push_back(e.cross);
        } else if (c.upBlockTypes[i] == "UpBlock2D") {
            e.plain = UpBlock2D(o);
            up_blocks->push_back(e.plain);
        } else {
            throw InvalidRequest("UNet config: up block type '" + c.upBlockTypes[i] + "' is not supported");
        }
        ups_.push_back(e);
    }

    conv_norm_out = register_module(
        "conv_norm_out", torch::nn::GroupNorm(torch::nn::GroupNormOptions(c.normNumGroups, ch0).eps(c.normEps)));
    conv_out = register_module(
        "conv_out",
        torch::nn::Conv2d(
            torch::nn::Conv2dOptions(ch0, c.outChannels, c.convOutKernel).padding((c.convOutKernel - 1) / 2)));
    freezeParameters(*this);
}

void UNet2DConditionModelImpl::checkInputs(const at::Tensor& sample, const at::Tensor& ehs,
                                           const UNetForwardOptions& options) const {
    if (!sample.defined() || sample.dim() != 4 || sample.size(1) != config_.inChannels)
        throw InvalidRequest("UNet: sample must be [B, " + std::to_string(config_.inChannels) + ", h, w], got " +
                             (sample.defined() ? shapeText(sample.sizes()) : std::string("nothing")));
    if (!ehs.defined() || ehs.dim() != 3 || ehs.size(0) != sample.size(0) || ehs.size(2) != config_.crossAttentionDim)
        throw InvalidRequest("UNet: encoder hidden states must be [" + std::to_string(sample.size(0)) + ", L, " +
                             std::to_string(config_.crossAttentionDim) + "], got " +
                             (ehs.defined() ? shapeText(ehs.sizes()) : std::string("nothing")) +
                             " (wrong text encoder for this UNet, or batch sizes differ?)");
    const auto& w = conv_in->weight;
    if (sample.scalar_type() != w.scalar_type() || ehs.scalar_type() != w.scalar_type())
        throw InvalidRequest("UNet: inputs are " + std::string(c10::toString(sample.scalar_type())) + "/" +
                             std::string(c10::toString(ehs.scalar_type())) + " but the model runs in " +
                             std::string(c10::toString(w.scalar_type())));
    if (sample.device() != w.device() || ehs.device() != w.device())
        throw InvalidRequest("UNet: inputs are on " + sample.device().str() + "/" + ehs.device().str() +
                             " but the model is on " + w.device().str());
    if (options.stopAfterUpBlock >= static_cast<int>(ups_.size()))
        throw InvalidRequest("UNet: stopAfterUpBlock " + std::to_string(options.stopAfterUpBlock) +
                             " is past the last up block (" + std::to_string(ups_.size() - 1) + ")");
}

at::Tensor UNet2DConditionModelImpl::timeEmbedding(const at::Tensor& sample, const at::Tensor& timestep) {
    const int64_t batch = sample.size(0);
    if (!timestep.defined() || timestep.dim() > 1 ||
        (timestep.dim() == 1 && timestep.size(0) != batch && timestep.size(0) != 1))
        throw InvalidRequest("UNet: timestep must be a scalar, [1] or [" + std::to_string(batch) + "], got " +
                             (timestep.defined() ? shapeText(timestep.sizes()) : std::string("nothing")));
    at::Tensor t = timestep.dim() == 0 ? timestep.unsqueeze(0) : timestep;
    t = t.to(sample.device()).expand({batch});                // [B]
    at::Tensor tEmb = time_proj(t).to(sample.scalar_type());  // [B, ch0]
    return time_embedding(tEmb);                              // [B, 4·ch0]
}

at::Tensor UNet2DConditionModelImpl::textTimeEmbedding(const UNetConditioning& cond, int64_t batch,
                                                      at::ScalarType dtype) {
    const at::Tensor& text = cond.textEmbeds;
    const at::Tensor& ids = cond.timeIds;
    auto rows = [batch](const at::Tensor& t) { return t.defined() && t.dim() == 2 && (t.size(0) == batch || t.size(0) == 1); };
    if (!rows(text) || !rows(ids))
        throw InvalidRequest("UNet: this SDXL-style UNet (addition_embed_type \"text_time\") needs text_embeds [" +
                             std::to_string(batch) + ", P] and time_ids [" + std::to_string(batch) + ", 6], got " +
                             (text.defined() ? shapeText(text.sizes()) : std::string("no text_embeds")) + " and " +
                             (ids.defined() ? shapeText(ids.sizes()) : std::string("no time_ids")));
    const int64_t width = text.size(1) + ids.size(1) * config_.additionTimeEmbedDim;
    if (width != config_.projectionClassEmbeddingsInputDim)
        throw InvalidRequest("UNet: text_embeds " + shapeText(text.sizes()) + " and time_ids " + shapeText(ids.sizes()) +
                             " give " + std::to_string(width) + " added-embedding inputs, but the UNet expects " +
                             std::to_string(config_.projectionClassEmbeddingsInputDim) +
                             " (projection_class_embeddings_input_dim); wrong text encoder for this UNet?");
    const at::Device device = conv_in->weight.device();
    const at::Tensor t = text.to(device).expand({batch, -1});
    const at::Tensor i = ids.to(device).expand({batch, -1});
    // add_time_proj in fp32 on the flattened ids, one row of ids·dim per sample.
    const at::Tensor timeEmbeds = add_time_proj(i.reshape({-1})).reshape({batch, -1});
    const at::Tensor addEmbeds = at::cat({t.to(timeEmbeds.scalar_type()), timeEmbeds}, -1).to(dtype);
    return add_embedding(addEmbeds);  // [B, 4·ch0]
}

UNetOutput UNet2DConditionModelImpl::forward(const at::Tensor& sample, const at::Tensor& timestep,
                                             const UNetConditioning& conditioning, const UNetForwardOptions& options) {
    const at::Tensor& encoderHiddenStates = conditioning.encoderHiddenStates;
    checkInputs(sample, encoderHiddenStates, options);
    if (!add_embedding && conditioning.hasAddedConditioning())
        throw InvalidRequest("UNet: text_embeds/time_ids were given, but this UNet has no added conditioning "
                             "(addition_embed_type is null): it is not an SDXL UNet");
    // The low-memory option also spares every attention its weights (the down-blocks' 64×64
    // self-attentions hold most of what a guided step keeps; the up-blocks alone saved 10 MB on sd15).
    const AttentionRecomputeScope recomputeAttention(options.checkpointUpBlocks);
    const SelfAttentionKVHook* hook = options.selfAttentionHook ? &options.selfAttentionHook : nullptr;

    // Sizes that are not a multiple of 2^(number of upsamplers) make the upsamplers follow the
    // skip connections' sizes instead of doubling.
    const int64_t upFactor = int64_t{1} << (ups_.size() - 1);
    const bool forwardUpsampleSize = sample.size(2) % upFactor != 0 || sample.size(3) % upFactor != 0;

    at::Tensor emb = timeEmbedding(sample, timestep);
    if (add_embedding) emb = emb + textTimeEmbedding(conditioning, sample.size(0), emb.scalar_type());
    at::Tensor x = config_.centerInputSample ? 2 * sample - 1.0 : sample;
    if (channelsLast_) x = x.contiguous(at::MemoryFormat::ChannelsLast);
    x = conv_in(x);

    std::vector<at::Tensor> skips{x};
    for (auto& d : downs_) x = d.cross ? d.cross(x, emb, encoderHiddenStates, hook, skips) : d.plain(x, emb, skips);
    x = mid_block(x, emb, encoderHiddenStates, hook);

    UNetOutput out;
    SpatialSize upsampleSize;
    std::optional<at::NoGradGuard> noGradTail;  // gradientUpToUpBlock: the rest runs without autograd
    for (size_t i = 0; i < ups_.size(); ++i) {
        auto& u = ups_[i];
        const size_t consumed = u.cross ? u.cross->numResnets() : u.plain->numResnets();
        const bool isFinal = i + 1 == ups_.size();
        if (!isFinal && forwardUpsampleSize) {
            const at::Tensor& next = skips.at(skips.size() - consumed - 1);  // the skip the next block starts with
            upsampleSize = std::make_pair(next.size(2), next.size(3));
        }
        if (options.gradientUpToUpBlock >= 0 && static_cast<int>(i) > options.gradientUpToUpBlock && !noGradTail)
            noGradTail.emplace();
        if (options.checkpointUpBlocks && at::GradMode::is_enabled()) {
            if (skips.size() < consumed) throw InvalidRequest("UNet: an up block has no skip connection left to consume");
            // Inputs: x, the skips this block consumes (in order), the time embedding, the context.
            std::vector<at::Tensor> in{x};
            in.insert(in.end(), skips.end() - static_cast<std::ptrdiff_t>(consumed), skips.end());
            skips.resize(skips.size() - consumed);
            in.push_back(emb);
            in.push_back(encoderHiddenStates);
            // Copies only: the closure runs again during backward, after this call has returned.
            CrossAttnUpBlock2D cross = u.cross;
            UpBlock2D plain = u.plain;
            SelfAttentionKVHook hookCopy = options.selfAttentionHook;
            const SpatialSize size = upsampleSize;
            const int index = static_cast<int>(i);
            x = checkpoint(
                [=](const std::vector<at::Tensor>& v) mutable {
                    std::vector<at::Tensor> sk(v.begin() + 1, v.begin() + 1 + static_cast<std::ptrdiff_t>(consumed));
                    const at::Tensor& e = v[consumed + 1];
                    const at::Tensor& ctx = v[consumed + 2];
                    const SelfAttentionKVHook* h = hookCopy ? &hookCopy : nullptr;
                    return cross ? cross(v[0], sk, e, ctx, h, index, size) : plain(v[0], sk, e, size);
                },
                in);
        } else {
            x = u.cross ? u.cross(x, skips, emb, encoderHiddenStates, hook, static_cast<int>(i), upsampleSize)
                        : u.plain(x, skips, emb, upsampleSize);
        }
        if (options.returnUpBlockOutputs || options.stopAfterUpBlock >= 0) out.upBlockOutputs.push_back(x);
        if (static_cast<int>(i) == options.stopAfterUpBlock) return out;
    }
    if (options.gradientUpToUpBlock >= 0 && !noGradTail) noGradTail.emplace();
    x = siluTemp(conv_norm_out(x));
    out.sample = conv_out(x);
    return out;
}

void UNet2DConditionModelImpl::setChannelsLast(bool on) {
    at::NoGradGuard noGrad;
    const auto format = on ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
    for (auto& p : parameters())
        if (p.dim() == 4) p.set_data(p.contiguous(format));
    channelsLast_ = on;
}

UNet2DConditionModel loadUNet(const std::string& folder, at::ScalarType dtype, at::Device device) {
    const std::string configPath = folder + "/config.json";
    const UNetConfig config = UNetConfig::read(io::ConfigReader::fromFile(configPath));
    UNet2DConditionModel model{nullptr};
    try {
        model = UNet2DConditionModel(config);
    } catch (const InvalidRequest& e) {
        throw LoadError("'" + configPath + "': " + e.what());
    }
    loadComponentWeights(*model, folder, "diffusion_pytorch_model", "UNet", dtype, device);
    return model;
}

}  // namespace dragdiff::models
