// SDXL single-file (sgm layout) keys -> diffusers / transformers module paths; see sdxl_single_file.h.
#include "models/single_file/sdxl_single_file.h"

#include "dragdiff/error.h"
#include "io/safetensors.h"
#include "models/single_file/ldm_key_mapping.h"
#include "models/single_file/ldm_mapping_detail.h"

namespace dragdiff::models {
namespace {

using ldm::startsWith;

bool endsWith(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Keys of an SDXL file no inference model uses, besides isIgnoredLdmKey's: the text encoders'
// position ids, OpenCLIP's contrastive temperature and causal mask, and the v-prediction /
// zero-terminal-SNR marker tensors (read by the loader, not weights).
bool isIgnoredSgmKey(const std::string& key) {
    if (isIgnoredLdmKey(key)) return true;
    if (startsWith(key, "conditioner.embedders.") && endsWith(key, ".position_ids")) return true;
    const std::string open = kSgmOpenClipPrefix;
    return key == open + "logit_scale" || key == open + "attn_mask" || key == "v_pred" || key == "ztsnr";
}

// OpenCLIP's text_projection [D, P] (x @ P) = the transpose of transformers' text_projection.weight.
std::vector<ldm::Mapped> mapBigGTensor(const ldm::SourceKey& src, const std::string& relative,
                                       const CLIPTextConfig& config) {
    if (relative == "text_projection") {
        const at::Tensor v = src.view();
        if (v.dim() != 2 || v.size(0) != config.hiddenSize || v.size(1) != config.projectionDim)
            src.fail("has shape " + ldm::shapeText(v.sizes()) + " but text_encoder_2's config expects [" +
                     std::to_string(config.hiddenSize) + ", " + std::to_string(config.projectionDim) +
                     "] (hidden_size, projection_dim)");
        return {ldm::Mapped{"text_projection.weight", v.t()}};
    }
    return ldm::mapOpenClipTextTensor(src, relative, config);
}

}  // namespace

namespace ldm {

std::vector<Mapped> mapSDXLUNetTensor(const SourceKey& src, const std::string& relative, const UNetConfig& config) {
    KeyPath path(relative);
    if (path.eat("label_emb")) {
        if (!config.hasTextTimeEmbedding())
            src.fail("is SDXL's added conditioning but the UNet config has no addition_embed_type \"text_time\"");
        if (path.eat("0")) {
            const char* target = path.eat("0") ? "add_embedding.linear_1" : path.eat("2") ? "add_embedding.linear_2" : nullptr;
            if (target) return {Mapped{std::string(target) + "." + paramName(path, src, "label_emb"), src.view()}};
        }
        src.fail("is not part of the SDXL UNet's label_emb (expected label_emb.0.0 or label_emb.0.2)");
    }
    return mapUNetTensor(src, relative, config);
}

}  // namespace ldm

SDXLSingleFileWeights mapSDXLSingleFileCheckpoint(std::shared_ptr<const io::SafetensorsFile> file,
                                                  const SDXLArchitecture& a) {
    if (!file) throw LoadError("mapSDXLSingleFileCheckpoint: no checkpoint file given");
    const std::string unetPrefix = kLdmUNetPrefix, vaePrefix = kLdmVaePrefix;
    const std::string clipPrefix = kSgmClipPrefix, bigGPrefix = kSgmOpenClipPrefix;
    SDXLSingleFileWeights out;
    for (const auto& e : file->entries()) {
        const std::string& key = e.name;
        if (isIgnoredSgmKey(key)) continue;
        const ldm::SourceKey src{*file, key};
        std::vector<ldm::Mapped> mapped;
        WeightSet* target = nullptr;
        if (startsWith(key, unetPrefix)) {
            mapped = ldm::mapSDXLUNetTensor(src, key.substr(unetPrefix.size()), a.unet);
            target = &out.unet;
        } else if (startsWith(key, vaePrefix)) {
            mapped = ldm::mapVaeTensor(src, key.substr(vaePrefix.size()), a.vae);
            target = &out.vae;
        } else if (startsWith(key, clipPrefix)) {
            mapped = ldm::mapClipTextTensor(src, key.substr(clipPrefix.size()), a.text);
            target = &out.textEncoder;
        } else if (startsWith(key, bigGPrefix)) {
            mapped = mapBigGTensor(src, key.substr(bigGPrefix.size()), a.text2);
            target = &out.textEncoder2;
        } else {
            src.fail("is not part of an SDXL single-file checkpoint (expected '" + unetPrefix + "*', '" + vaePrefix +
                     "*', '" + clipPrefix + "*' or '" + bigGPrefix + "*'); the file holds another model or extra weights");
        }
        const io::SafetensorsFile* raw = file.get();
        for (auto& m : mapped)
            target->add(m.name, SourceTensor{std::move(m.view), file->path(), key, [raw, key] { raw->releasePages(key); }});
    }
    if (out.unet.empty())
        throw LoadError("'" + file->path() + "' holds no SDXL UNet tensors ('" + unetPrefix + "*')");
    if (out.textEncoder.empty() || out.textEncoder2.empty())
        throw LoadError("'" + file->path() + "' lacks " + (out.textEncoder.empty() ? "'" + clipPrefix : "'" + bigGPrefix) +
                        "*' tensors: an SDXL base checkpoint holds both text encoders");
    out.unet.keepAlive(file);
    out.vae.keepAlive(file);
    out.textEncoder.keepAlive(file);
    out.textEncoder2.keepAlive(std::move(file));
    return out;
}

}  // namespace dragdiff::models
