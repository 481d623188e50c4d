// Single-file (ldm layout) checkpoint mapping: dispatch by component prefix and the list of keys
// skipped on purpose. Ports the key routing of diffusers v0.27.2 `loaders/single_file_utils.py`
// (LDM_UNET_KEY, LDM_VAE_KEY, LDM_CLIP_PREFIX_TO_REMOVE, SD_2_TEXT_ENCODER_KEYS_TO_IGNORE).
#include "models/single_file/ldm_key_mapping.h"

#include "dragdiff/error.h"
#include "io/safetensors.h"
#include "models/single_file/ldm_mapping_detail.h"

#include <set>

namespace dragdiff::models {
namespace {

using ldm::startsWith;

// Buffers of ldm's LatentDiffusion/DDPM (the noise schedule and the loss weights): the scheduler
// config carries the schedule, none of them is a weight.
const std::set<std::string>& scheduleBuffers() {
    static const std::set<std::string> kNames{
        "betas", "alphas_cumprod", "alphas_cumprod_prev", "sqrt_alphas_cumprod", "sqrt_one_minus_alphas_cumprod",
        "log_one_minus_alphas_cumprod", "sqrt_recip_alphas_cumprod", "sqrt_recipm1_alphas_cumprod",
        "posterior_variance", "posterior_log_variance_clipped", "posterior_mean_coef1", "posterior_mean_coef2",
        "lvlb_weights", "logvar", "scale_factor"};
    return kNames;
}

// The mapping keeps the first num_hidden_layers text layers; a file with fewer cannot serve the config.
void requireTextLayers(const io::SafetensorsFile& file, const WeightSet& text, const CLIPTextConfig& config) {
    const std::string layers = "text_model.encoder.layers.";
    std::set<std::string> found;
    for (const auto& [name, src] : text.tensors()) {
        if (!startsWith(name, layers)) continue;
        found.insert(name.substr(layers.size(), name.find('.', layers.size()) - layers.size()));
    }
    const std::string last = std::to_string(config.numHiddenLayers - 1);
    if (config.numHiddenLayers > 0 && !found.count(last))
        throw LoadError("'" + file.path() + "': the text config asks for " + std::to_string(config.numHiddenLayers) +
                        " layers (num_hidden_layers) but the checkpoint's text encoder holds " +
                        std::to_string(found.size()) + "; the config does not match this checkpoint");
}

void refuseTwoTextEncoders(const io::SafetensorsFile& file, const std::string& clipKey,
                           const std::string& openClipKey) {
    if (clipKey.empty() || openClipKey.empty()) return;
    throw LoadError("'" + file.path() + "' holds two text encoders: CLIP ('" + clipKey + "', SD 1.x) and OpenCLIP ('" +
                    openClipKey + "', SD 2.x); a Stable Diffusion 1.x/2.x checkpoint has one");
}

}  // namespace

namespace ldm {

bool startsWith(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

void requireStableDiffusion(const io::SafetensorsFile& file) {
    const auto& entries = file.entries();
    bool hasUNet = false;
    for (const auto& e : entries) {
        // SDXL files share the UNet prefix; their text encoders sit under `conditioner.embedders.*`.
        if (startsWith(e.name, "conditioner.embedders."))
            throw LoadError("'" + file.path() + "' is not a Stable Diffusion 1.x/2.x checkpoint: tensor '" + e.name +
                            "' belongs to an SDXL model, which the SDXL reader (sdxl_single_file.h) maps, not this one");
        hasUNet = hasUNet || startsWith(e.name, kLdmUNetPrefix);
    }
    if (hasUNet) return;
    for (const auto& e : entries) {
        if (startsWith(e.name, "down_blocks.") || startsWith(e.name, "encoder.down_blocks.") ||
            startsWith(e.name, "text_model."))
            throw LoadError("'" + file.path() + "' is not a Stable Diffusion checkpoint but one component of a "
                            "diffusers model folder (tensor '" + e.name +
                            "'); open the model folder (the one holding model_index.json) instead");
    }
    std::string found = entries.empty() ? "it holds no tensors at all"
                                        : "its " + std::to_string(entries.size()) + " tensors start with '" +
                                              entries.front().name + "'";
    throw LoadError("'" + file.path() + "' is not a Stable Diffusion checkpoint: no UNet tensors ('" +
                    std::string(kLdmUNetPrefix) + "*') found; " + found);
}

at::Tensor SourceKey::view() const { return file.view(key); }

void SourceKey::fail(const std::string& what) const {
    throw LoadError("'" + file.path() + "': tensor '" + key + "' " + what);
}

KeyPath::KeyPath(const std::string& dotted) {
    size_t start = 0;
    while (start <= dotted.size()) {
        size_t dot = dotted.find('.', start);
        if (dot == std::string::npos) dot = dotted.size();
        tokens_.push_back(dotted.substr(start, dot - start));
        start = dot + 1;
    }
}

bool KeyPath::eat(const char* token) {
    if (done() || tokens_[pos_] != token) return false;
    ++pos_;
    return true;
}

std::optional<int> KeyPath::index() {
    if (done()) return std::nullopt;
    const std::string& t = tokens_[pos_];
    if (t.empty() || t.size() > 6 || t.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    if (t.size() > 1 && t[0] == '0') return std::nullopt;
    ++pos_;
    return std::stoi(t);
}

std::string KeyPath::rest() const {
    std::string out;
    for (size_t i = pos_; i < tokens_.size(); ++i) out += (i > pos_ ? "." : "") + tokens_[i];
    return out;
}

std::string paramName(KeyPath& path, const SourceKey& src, const std::string& context) {
    for (const char* p : {"weight", "bias"}) {
        KeyPath probe = path;
        if (probe.eat(p) && probe.done()) {
            path = probe;
            return p;
        }
    }
    src.fail("is not part of the ldm layout of " + context + ": expected '.weight' or '.bias', found '" +
             path.rest() + "'");
}

std::string shapeText(at::IntArrayRef s) {
    std::string t = "[";
    for (size_t i = 0; i < s.size(); ++i) t += (i ? ", " : "") + std::to_string(s[i]);
    return t + "]";
}

}  // namespace ldm

bool isIgnoredLdmKey(const std::string& key) {
    if (scheduleBuffers().count(key)) return true;
    // Marker tensors of v-prediction / zero-terminal-SNR files (read by checkpoint_family.h).
    if (key == "v_pred" || key == "ztsnr") return true;
    // EMA copies: ldm's `model_ema.*` (flattened names), and `*_ema*` copies other trainers write.
    if (startsWith(key, "model_ema.") || key.find("_ema") != std::string::npos) return true;
    // The autoencoder's training loss (LPIPS, discriminator) and other loss weights.
    if (startsWith(key, std::string(kLdmVaePrefix) + "loss.") || startsWith(key, "loss.")) return true;
    // Position ids: a buffer older transformers saved (sometimes as floats or with wrong values),
    // also copied into some converted OpenCLIP files; positions are always 0..N-1.
    const std::string ids = ".position_ids";
    if (startsWith(key, "cond_stage_model.") && key.size() > ids.size() &&
        key.compare(key.size() - ids.size(), ids.size(), ids) == 0)
        return true;
    // OpenCLIP parts SD 2.x does not use: the projection to the joint image-text space, the
    // contrastive temperature and the causal mask (rebuilt by the model).
    const std::string open = kLdmOpenClipPrefix;
    return key == open + "text_projection" || key == open + "logit_scale" || key == open + "attn_mask";
}

SingleFileWeights mapSingleFileCheckpoint(std::shared_ptr<const io::SafetensorsFile> file,
                                          const MappingOptions& options) {
    if (!file) throw LoadError("mapSingleFileCheckpoint: no checkpoint file given");
    ldm::requireStableDiffusion(*file);

    const std::string unetPrefix = kLdmUNetPrefix, vaePrefix = kLdmVaePrefix;
    const std::string clipPrefix = kLdmClipPrefix, openClipPrefix = kLdmOpenClipPrefix;
    SingleFileWeights out;
    std::string firstClipKey, firstOpenClipKey;
    for (const auto& e : file->entries()) {
        const std::string& key = e.name;
        if (isIgnoredLdmKey(key)) continue;
        const ldm::SourceKey src{*file, key};
        std::vector<ldm::Mapped> mapped;
        WeightSet* target = nullptr;
        if (startsWith(key, unetPrefix)) {
            mapped = ldm::mapUNetTensor(src, key.substr(unetPrefix.size()), options.unet);
            target = &out.unet;
        } else if (startsWith(key, vaePrefix)) {
            mapped = ldm::mapVaeTensor(src, key.substr(vaePrefix.size()), options.vae);
            target = &out.vae;
        } else if (startsWith(key, clipPrefix)) {
            if (firstClipKey.empty()) firstClipKey = key;
            refuseTwoTextEncoders(*file, firstClipKey, firstOpenClipKey);
            mapped = ldm::mapClipTextTensor(src, key.substr(clipPrefix.size()), options.text);
            target = &out.textEncoder;
        } else if (startsWith(key, openClipPrefix)) {
            if (firstOpenClipKey.empty()) firstOpenClipKey = key;
            refuseTwoTextEncoders(*file, firstClipKey, firstOpenClipKey);
            mapped = ldm::mapOpenClipTextTensor(src, key.substr(openClipPrefix.size()), options.text);
            target = &out.textEncoder;
        } else {
            src.fail("is not part of a Stable Diffusion 1.x/2.x single-file checkpoint (expected '" + unetPrefix +
                     "*', '" + vaePrefix + "*', '" + clipPrefix + "*' or '" + openClipPrefix +
                     "*'); the file holds another model or extra weights");
        }
        // Releasing a source twice (a fused tensor split into q/k/v) only costs a re-read.
        const io::SafetensorsFile* raw = file.get();
        for (auto& m : mapped)
            target->add(m.name, models::SourceTensor{std::move(m.view), file->path(), key,
                                                     [raw, key] { raw->releasePages(key); }});
    }
    out.textFamily = !firstClipKey.empty() ? "clip" : !firstOpenClipKey.empty() ? "openclip" : "";
    if (!out.textFamily.empty()) requireTextLayers(*file, out.textEncoder, options.text);
    out.unet.keepAlive(file);
    out.vae.keepAlive(file);
    out.textEncoder.keepAlive(std::move(file));
    return out;
}

}  // namespace dragdiff::models
