#pragma once
// SDXL single-file checkpoints in Stability's `generative-models` (sgm) layout, as artists download
// them (SDXL base and its fine-tunes: Pony, Illustrious, NoobAI, ...):
//   model.diffusion_model.*                        the UNet, ldm names (label_emb.0.0 / 0.2 =
//                                                  add_embedding.linear_1 / linear_2)
//   conditioner.embedders.0.transformer.text_model.*   CLIP ViT-L, transformers' names
//   conditioner.embedders.1.model.*                OpenCLIP bigG: fused in_proj, ln_1, mlp.c_fc, ...,
//                                                  text_projection [D, P] applied as x @ P
//   first_stage_model.*                            the VAE, ldm names
// Ports diffusers v0.27.2 `loaders/single_file_utils.py` (convert_ldm_unet_checkpoint with
// label_emb, create_text_encoders_and_tokenizers_from_ldm for "SDXL", convert_open_clip_checkpoint
// keeping every resblock and the transposed text_projection). Every key is parsed: one we do not
// know is a LoadError naming it.
#include "models/model_configs.h"
#include "models/weight_loading.h"

#include <memory>
#include <string>

namespace dragdiff::io {
class SafetensorsFile;
}

namespace dragdiff::models {

inline constexpr const char* kSgmClipPrefix = "conditioner.embedders.0.transformer.";  // CLIP ViT-L
inline constexpr const char* kSgmOpenClipPrefix = "conditioner.embedders.1.model.";    // OpenCLIP bigG

struct SDXLArchitecture {
    UNetConfig unet;
    VAEConfig vae;
    CLIPTextConfig text;   // text_encoder (CLIPTextModel)
    CLIPTextConfig text2;  // text_encoder_2 (CLIPTextModelWithProjection)
    DDIMConfig scheduler;  // DDIMConfig::stableDiffusion() (SDXL's betas)
};

struct SDXLSingleFileWeights {
    WeightSet unet;
    WeightSet vae;  // empty when the file holds no first_stage_model.*
    WeightSet textEncoder;
    WeightSet textEncoder2;
};

// The architecture from the tensor shapes. What shapes cannot tell follows SDXL's configs: 64-channel
// attention heads, norm groups 32, quick_gelu CLIP-L and gelu bigG, VAE scaling_factor 0.13025,
// sample_size 128. Throws LoadError naming the file and tensor.
SDXLArchitecture inferSDXLArchitecture(const io::SafetensorsFile& file);

// Maps every tensor of `file` onto the module paths of the four models `architecture` describes.
// The weight sets keep `file` alive.
SDXLSingleFileWeights mapSDXLSingleFileCheckpoint(std::shared_ptr<const io::SafetensorsFile> file,
                                                  const SDXLArchitecture& architecture);

}  // namespace dragdiff::models
