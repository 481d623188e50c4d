#pragma once
// Maps a single-file Stable Diffusion checkpoint (the original CompVis / Stability "ldm" layout
// that artists download: `model.diffusion_model.*`, `first_stage_model.*`,
// `cond_stage_model.transformer.*` for SD 1.x or OpenCLIP `cond_stage_model.model.*` for SD 2.x)
// onto the diffusers / transformers module paths of our UNet, VAE and CLIP text models.
//
// Ports diffusers v0.27.2 `loaders/single_file_utils.py` (convert_ldm_unet_checkpoint,
// convert_ldm_vae_checkpoint, create_text_encoder_from_ldm_clip_checkpoint,
// create_text_encoder_from_open_clip_checkpoint). Unlike the reference, which renames by substring
// replacement and drops what it does not recognise, every key is parsed against the layout the
// configs describe: a key we do not know is a LoadError naming it, and keys known to be irrelevant
// (EMA copies, diffusion schedule buffers, training loss weights, ...) are skipped explicitly.
// Tensors stay zero-copy views of the mapped file (reshaped or sliced where the layouts differ);
// their dtype is the file's (F32/F16/BF16), loadIntoModule converts.
#include "models/model_configs.h"
#include "models/weight_loading.h"

#include <memory>
#include <string>

namespace dragdiff::io {
class SafetensorsFile;
}

namespace dragdiff::models {

// Key prefixes of the ldm layout.
inline constexpr const char* kLdmUNetPrefix = "model.diffusion_model.";
inline constexpr const char* kLdmVaePrefix = "first_stage_model.";
inline constexpr const char* kLdmClipPrefix = "cond_stage_model.transformer.";  // SD 1.x, HF CLIPTextModel
inline constexpr const char* kLdmOpenClipPrefix = "cond_stage_model.model.";    // SD 2.x, OpenCLIP ViT-H

// The architecture the mapping must follow (number of resnets per block, which blocks have
// attentions, projection kind, text layers to keep). From the user's config folder or from
// inferArchitecture().
struct MappingOptions {
    UNetConfig unet;
    VAEConfig vae;
    CLIPTextConfig text;
};

struct SingleFileWeights {
    WeightSet unet;
    WeightSet vae;          // empty when the file holds no `first_stage_model.*` tensors
    WeightSet textEncoder;  // empty when the file holds no text encoder
    std::string textFamily;  // "clip" (SD 1.x), "openclip" (SD 2.x) or "" if absent
};

// Maps every tensor of `file`. Throws LoadError (naming the file and the key) for a key outside the
// ldm layout or inconsistent with the configs, and for a file without UNet tensors ("not a Stable
// Diffusion checkpoint"). The returned weight sets keep `file` alive.
SingleFileWeights mapSingleFileCheckpoint(std::shared_ptr<const io::SafetensorsFile> file,
                                          const MappingOptions& options);

// True for keys a single-file checkpoint may carry that no inference model uses: EMA copies
// (`model_ema.*`, `*_ema*`), the LatentDiffusion schedule buffers (`betas`, `alphas_cumprod`, ...,
// `lvlb_weights`, `logvar`), training loss weights (`first_stage_model.loss.*`, `loss.*`), text
// encoder `position_ids`, OpenCLIP `text_projection`, `logit_scale` and `attn_mask`.
bool isIgnoredLdmKey(const std::string& key);

}  // namespace dragdiff::models
