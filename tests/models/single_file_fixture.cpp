#include "support/catch.h"

#include "models/single_file_fixture.h"

#include "io/safetensors.h"

namespace dragdiff::test {
namespace {

// Collects tensors under one key prefix.
struct Builder {
    std::map<std::string, at::Tensor>& out;
    std::string prefix;

    void add(const std::string& key, at::IntArrayRef shape) { out[prefix + key] = at::randn(shape); }
    void norm(const std::string& key, int64_t c) {
        add(key + ".weight", {c});
        add(key + ".bias", {c});
    }
    void linear(const std::string& key, int64_t out, int64_t in, bool bias = true) {
        add(key + ".weight", {out, in});
        if (bias) add(key + ".bias", {out});
    }
    void conv(const std::string& key, int64_t out, int64_t in, int64_t k) {
        add(key + ".weight", {out, in, k, k});
        add(key + ".bias", {out});
    }
};

// ldm ResBlock (UNet) with a time embedding of width `temb`.
void unetResnet(Builder& b, const std::string& key, int64_t in, int64_t out, int64_t temb) {
    b.norm(key + ".in_layers.0", in);
    b.conv(key + ".in_layers.2", out, in, 3);
    b.linear(key + ".emb_layers.1", out, temb);
    b.norm(key + ".out_layers.0", out);
    b.conv(key + ".out_layers.3", out, out, 3);
    if (in != out) b.conv(key + ".skip_connection", out, in, 1);
}

// ldm SpatialTransformer.
void spatialTransformer(Builder& b, const std::string& key, int64_t c, const TinyLdmSpec& spec) {
    b.norm(key + ".norm", c);
    for (const char* proj : {".proj_in", ".proj_out"}) {
        if (spec.linearProjection)
            b.linear(key + proj, c, c);
        else
            b.conv(key + proj, c, c, 1);
    }
    for (int k = 0; k < spec.transformerDepth; ++k) {
        const std::string t = key + ".transformer_blocks." + std::to_string(k);
        for (const char* attn : {".attn1", ".attn2"}) {
            const int64_t kv = std::string(attn) == ".attn2" ? spec.context : c;
            b.linear(t + attn + ".to_q", c, c, /*bias=*/false);
            b.linear(t + attn + ".to_k", c, kv, /*bias=*/false);
            b.linear(t + attn + ".to_v", c, kv, /*bias=*/false);
            b.linear(t + attn + ".to_out.0", c, c);
        }
        b.linear(t + ".ff.net.0.proj", 8 * c, c);
        b.linear(t + ".ff.net.2", c, 4 * c);
        for (const char* n : {".norm1", ".norm2", ".norm3"}) b.norm(t + n, c);
    }
}

void unet(std::map<std::string, at::Tensor>& out, const TinyLdmSpec& spec) {
    Builder b{out, models::kLdmUNetPrefix};
    const auto& ch = spec.channels;
    const int n = static_cast<int>(ch.size());
    const int64_t c0 = ch[0], temb = 4 * c0;
    b.linear("time_embed.0", temb, c0);
    b.linear("time_embed.2", temb, temb);
    b.conv("input_blocks.0.0", c0, 4, 3);
    int idx = 1;
    int64_t prev = c0;
    for (int blk = 0; blk < n; ++blk) {
        for (int l = 0; l < spec.layersPerBlock; ++l, ++idx) {
            const std::string key = "input_blocks." + std::to_string(idx);
            unetResnet(b, key + ".0", prev, ch[blk], temb);
            if (spec.attention[blk]) spatialTransformer(b, key + ".1", ch[blk], spec);
            prev = ch[blk];
        }
        if (blk + 1 < n) b.conv("input_blocks." + std::to_string(idx++) + ".0.op", ch[blk], ch[blk], 3);
    }
    unetResnet(b, "middle_block.0", prev, prev, temb);
    spatialTransformer(b, "middle_block.1", prev, spec);
    unetResnet(b, "middle_block.2", prev, prev, temb);
    idx = 0;
    for (int up = 0; up < n; ++up) {
        const int blk = n - 1 - up;
        for (int l = 0; l <= spec.layersPerBlock; ++l, ++idx) {
            const std::string key = "output_blocks." + std::to_string(idx);
            unetResnet(b, key + ".0", 2 * ch[blk], ch[blk], temb);
            if (spec.attention[blk]) spatialTransformer(b, key + ".1", ch[blk], spec);
            if (l == spec.layersPerBlock && up + 1 < n)
                b.conv(key + (spec.attention[blk] ? ".2" : ".1") + ".conv", ch[blk], ch[blk], 3);
        }
    }
    b.norm("out.0", c0);
    b.conv("out.2", 4, c0, 3);
}

void vaeResnet(Builder& b, const std::string& key, int64_t in, int64_t out) {
    b.norm(key + ".norm1", in);
    b.conv(key + ".conv1", out, in, 3);
    b.norm(key + ".norm2", out);
    b.conv(key + ".conv2", out, out, 3);
    if (in != out) b.conv(key + ".nin_shortcut", out, in, 1);
}

void vaeMid(Builder& b, const std::string& side, int64_t c) {
    vaeResnet(b, side + ".mid.block_1", c, c);
    vaeResnet(b, side + ".mid.block_2", c, c);
    b.norm(side + ".mid.attn_1.norm", c);
    for (const char* p : {".q", ".k", ".v", ".proj_out"}) b.conv(side + ".mid.attn_1" + p, c, c, 1);
}

void vae(std::map<std::string, at::Tensor>& out, const TinyLdmSpec& spec) {
    Builder b{out, models::kLdmVaePrefix};
    const auto& ch = spec.vaeChannels;
    const int n = static_cast<int>(ch.size());
    b.conv("encoder.conv_in", ch[0], 3, 3);
    int64_t prev = ch[0];
    for (int i = 0; i < n; ++i) {
        for (int j = 0; j < spec.vaeLayersPerBlock; ++j) {
            vaeResnet(b, "encoder.down." + std::to_string(i) + ".block." + std::to_string(j), prev, ch[i]);
            prev = ch[i];
        }
        if (i + 1 < n) b.conv("encoder.down." + std::to_string(i) + ".downsample.conv", ch[i], ch[i], 3);
    }
    vaeMid(b, "encoder", prev);
    b.norm("encoder.norm_out", prev);
    b.conv("encoder.conv_out", 8, prev, 3);
    b.conv("quant_conv", 8, 8, 1);
    b.conv("post_quant_conv", 4, 4, 1);
    b.conv("decoder.conv_in", prev, 4, 3);
    vaeMid(b, "decoder", prev);
    for (int i = n - 1; i >= 0; --i) {
        for (int j = 0; j <= spec.vaeLayersPerBlock; ++j) {
            vaeResnet(b, "decoder.up." + std::to_string(i) + ".block." + std::to_string(j), prev, ch[i]);
            prev = ch[i];
        }
        if (i > 0) b.conv("decoder.up." + std::to_string(i) + ".upsample.conv", ch[i], ch[i], 3);
    }
    b.norm("decoder.norm_out", ch[0]);
    b.conv("decoder.conv_out", 3, ch[0], 3);
}

constexpr int64_t kVocab = 50;
constexpr int64_t kPositions = 77;

void clipText(std::map<std::string, at::Tensor>& out, const TinyLdmSpec& spec) {
    const bool old = spec.text == "clip-old";
    Builder b{out, std::string(models::kLdmClipPrefix) + (old ? "" : "text_model.")};
    const int64_t h = spec.textWidth, inter = 3 * h;
    b.add("embeddings.token_embedding.weight", {kVocab, h});
    b.add("embeddings.position_embedding.weight", {kPositions, h});
    for (int i = 0; i < spec.textLayers; ++i) {
        const std::string l = "encoder.layers." + std::to_string(i);
        b.norm(l + ".layer_norm1", h);
        b.norm(l + ".layer_norm2", h);
        for (const char* p : {".q_proj", ".k_proj", ".v_proj", ".out_proj"}) b.linear(l + ".self_attn" + p, h, h);
        b.linear(l + ".mlp.fc1", inter, h);
        b.linear(l + ".mlp.fc2", h, inter);
    }
    b.norm("final_layer_norm", h);
}

void openClipText(std::map<std::string, at::Tensor>& out, const TinyLdmSpec& spec) {
    Builder b{out, models::kLdmOpenClipPrefix};
    const int64_t h = spec.textWidth, inter = 3 * h;
    b.add("token_embedding.weight", {kVocab, h});
    b.add("positional_embedding", {kPositions, h});
    for (int i = 0; i < spec.textLayers; ++i) {
        const std::string r = "transformer.resblocks." + std::to_string(i);
        b.norm(r + ".ln_1", h);
        b.norm(r + ".ln_2", h);
        b.add(r + ".attn.in_proj_weight", {3 * h, h});
        b.add(r + ".attn.in_proj_bias", {3 * h});
        b.linear(r + ".attn.out_proj", h, h);
        b.linear(r + ".mlp.c_fc", inter, h);
        b.linear(r + ".mlp.c_proj", h, inter);
    }
    b.norm("ln_final", h);
    if (spec.openClipWholeTower) {
        b.add("text_projection", {h, h});
        out[b.prefix + "logit_scale"] = at::scalar_tensor(4.6052);
    }
}

}  // namespace

std::map<std::string, at::Tensor> makeTinyLdm(const TinyLdmSpec& spec) {
    std::map<std::string, at::Tensor> out;
    unet(out, spec);
    if (spec.vae) vae(out, spec);
    if (spec.text == "clip" || spec.text == "clip-old") clipText(out, spec);
    if (spec.text == "openclip") openClipText(out, spec);
    return out;
}

models::MappingOptions tinyOptions(const TinyLdmSpec& spec) {
    models::MappingOptions o;
    const size_t n = spec.channels.size();
    o.unet = models::UNetConfig::sd15();
    o.unet.blockOutChannels.assign(spec.channels.begin(), spec.channels.end());
    o.unet.layersPerBlock = spec.layersPerBlock;
    o.unet.downBlockTypes.clear();
    o.unet.upBlockTypes.clear();
    for (size_t i = 0; i < n; ++i) {
        o.unet.downBlockTypes.push_back(spec.attention[i] ? "CrossAttnDownBlock2D" : "DownBlock2D");
        o.unet.upBlockTypes.push_back(spec.attention[n - 1 - i] ? "CrossAttnUpBlock2D" : "UpBlock2D");
    }
    o.unet.transformerLayersPerBlock.assign(n, spec.transformerDepth);
    o.unet.numAttentionHeads.assign(n, 2);
    o.unet.crossAttentionDim = static_cast<int>(spec.context);
    o.unet.useLinearProjection = spec.linearProjection;
    o.vae = models::VAEConfig::sd();
    o.vae.blockOutChannels.assign(spec.vaeChannels.begin(), spec.vaeChannels.end());
    o.vae.downBlockTypes.assign(spec.vaeChannels.size(), "DownEncoderBlock2D");
    o.vae.upBlockTypes.assign(spec.vaeChannels.size(), "UpDecoderBlock2D");
    o.vae.layersPerBlock = spec.vaeLayersPerBlock;
    o.text = spec.text == "openclip" ? models::CLIPTextConfig::sd21() : models::CLIPTextConfig::sd15();
    o.text.hiddenSize = static_cast<int>(spec.textWidth);
    o.text.intermediateSize = static_cast<int>(3 * spec.textWidth);
    o.text.numHiddenLayers = spec.textLayers;
    o.text.numAttentionHeads = 2;
    o.text.vocabSize = static_cast<int>(kVocab);
    return o;
}

std::shared_ptr<const io::SafetensorsFile> writeCheckpoint(const std::string& path,
                                                           const std::map<std::string, at::Tensor>& tensors) {
    io::writeSafetensors(path, tensors);
    return std::make_shared<const io::SafetensorsFile>(path);
}

}  // namespace dragdiff::test
