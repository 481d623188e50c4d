// ldm text encoder keys -> transformers CLIPTextModel module paths.
// Ports diffusers v0.27.2 `loaders/single_file_utils.py` create_text_encoder_from_ldm_clip_checkpoint
// (SD 1.x: the HF CLIPTextModel saved under `cond_stage_model.transformer.`, with or without the
// `text_model.` level older transformers lacked) and create_text_encoder_from_open_clip_checkpoint
// with DIFFUSERS_TO_LDM_MAPPING["openclip"] (SD 2.x: OpenCLIP's TextTransformer under
// `cond_stage_model.model.`, fused attention in-projections).
//
// Both keep the first `num_hidden_layers` layers the text config asks for and skip the rest on
// purpose: SD 2.x conditions on the penultimate OpenCLIP layer, so the diffusers text encoder of
// SD 2.x has 23 layers while the checkpoint holds all 24 resblocks.
#include "models/single_file/ldm_mapping_detail.h"

namespace dragdiff::models::ldm {
namespace {

const char* kClipLayout = "the CLIP text encoder (cond_stage_model.transformer)";
const char* kOpenClipLayout = "the OpenCLIP text encoder (cond_stage_model.model)";

[[noreturn]] void unknown(const SourceKey& src, const char* layout, const std::string& where) {
    src.fail("is not part of the ldm layout of " + std::string(layout) + " (at '" + where + "')");
}

std::vector<Mapped> plain(const SourceKey& src, KeyPath& path, const std::string& target, const char* layout) {
    return {Mapped{target + "." + paramName(path, src, layout), src.view()}};
}

// The leading `layers.{i}` / `resblocks.{i}` index; nullopt when the layer is beyond the config.
std::optional<int> keptLayer(const SourceKey& src, KeyPath& path, const CLIPTextConfig& config, const char* layout) {
    const auto i = path.index();
    if (!i) unknown(src, layout, path.rest());
    if (*i >= config.numHiddenLayers) return std::nullopt;
    return i;
}

}  // namespace

std::vector<Mapped> mapClipTextTensor(const SourceKey& src, const std::string& relative,
                                      const CLIPTextConfig& config) {
    KeyPath path(relative);
    path.eat("text_model");  // absent in files written with older transformers versions; same tensors
    if (path.eat("embeddings")) {
        for (const char* e : {"token_embedding", "position_embedding"})
            if (path.eat(e)) return plain(src, path, std::string("text_model.embeddings.") + e, kClipLayout);
        unknown(src, kClipLayout, "embeddings." + path.rest());
    }
    if (path.eat("final_layer_norm")) return plain(src, path, "text_model.final_layer_norm", kClipLayout);
    if (path.eat("encoder") && path.eat("layers")) {
        const auto i = keptLayer(src, path, config, kClipLayout);
        if (!i) return {};
        const std::string layer = "text_model.encoder.layers." + std::to_string(*i);
        for (const char* norm : {"layer_norm1", "layer_norm2"})
            if (path.eat(norm)) return plain(src, path, layer + "." + norm, kClipLayout);
        if (path.eat("self_attn")) {
            for (const char* proj : {"q_proj", "k_proj", "v_proj", "out_proj"})
                if (path.eat(proj)) return plain(src, path, layer + ".self_attn." + proj, kClipLayout);
        } else if (path.eat("mlp")) {
            for (const char* fc : {"fc1", "fc2"})
                if (path.eat(fc)) return plain(src, path, layer + ".mlp." + fc, kClipLayout);
        }
        unknown(src, kClipLayout, "a layer: " + path.rest());
    }
    unknown(src, kClipLayout, relative);
}

std::vector<Mapped> mapOpenClipTextTensor(const SourceKey& src, const std::string& relative,
                                          const CLIPTextConfig& config) {
    KeyPath path(relative);
    if (path.eat("token_embedding")) return plain(src, path, "text_model.embeddings.token_embedding", kOpenClipLayout);
    if (path.eat("positional_embedding") && path.done())
        return {Mapped{"text_model.embeddings.position_embedding.weight", src.view()}};
    if (path.eat("ln_final")) return plain(src, path, "text_model.final_layer_norm", kOpenClipLayout);
    if (!(path.eat("transformer") && path.eat("resblocks"))) unknown(src, kOpenClipLayout, relative);

    const auto i = keptLayer(src, path, config, kOpenClipLayout);
    if (!i) return {};  // beyond the layers SD 2.x uses (the last resblock)
    const std::string layer = "text_model.encoder.layers." + std::to_string(*i);
    if (path.eat("ln_1")) return plain(src, path, layer + ".layer_norm1", kOpenClipLayout);
    if (path.eat("ln_2")) return plain(src, path, layer + ".layer_norm2", kOpenClipLayout);
    if (path.eat("mlp")) {
        if (path.eat("c_fc")) return plain(src, path, layer + ".mlp.fc1", kOpenClipLayout);
        if (path.eat("c_proj")) return plain(src, path, layer + ".mlp.fc2", kOpenClipLayout);
    } else if (path.eat("attn")) {
        if (path.eat("out_proj")) return plain(src, path, layer + ".self_attn.out_proj", kOpenClipLayout);
        // nn.MultiheadAttention's fused in-projection: rows [0, C) query, [C, 2C) key, [2C, 3C) value.
        for (const char* fused : {"in_proj_weight", "in_proj_bias"}) {
            KeyPath probe = path;
            if (!probe.eat(fused) || !probe.done()) continue;
            const bool weight = std::string(fused) == "in_proj_weight";
            const at::Tensor v = src.view();
            const int64_t c = config.hiddenSize;
            const bool ok = weight ? (v.dim() == 2 && v.size(0) == 3 * c && v.size(1) == c)
                                   : (v.dim() == 1 && v.size(0) == 3 * c);
            if (!ok)
                src.fail("has shape " + shapeText(v.sizes()) + " but the text config (hidden_size " +
                         std::to_string(c) + ") expects " + (weight ? shapeText({3 * c, c}) : shapeText({3 * c})) +
                         " (query, key and value stacked)");
            const std::string param = weight ? ".weight" : ".bias";
            std::vector<Mapped> out;
            const char* names[] = {"q_proj", "k_proj", "v_proj"};
            for (int64_t part = 0; part < 3; ++part)
                out.push_back({layer + ".self_attn." + names[part] + param, v.narrow(0, part * c, c)});
            return out;
        }
    }
    unknown(src, kOpenClipLayout, "resblocks." + std::to_string(*i) + "." + path.rest());
}

}  // namespace dragdiff::models::ldm
