#pragma once
// Infers the Stable Diffusion 1.x / 2.x architecture of a single-file (ldm layout) checkpoint from
// its tensor names and shapes, for files that come without a config.
//
// Ports what diffusers v0.27.2 `loaders/single_file_utils.py` (create_unet_diffusers_config,
// create_vae_diffusers_config, infer_model_type) derives from the original yaml configs, reading
// the same numbers off the tensors instead: block_out_channels from the resnets, layers_per_block
// from where the downsamplers sit, block types from where the SpatialTransformers sit,
// cross_attention_dim from attn2.to_k, use_linear_projection from proj_in's rank, the text encoder
// from its embeddings and layer count. What shapes cannot tell comes from the SD conventions:
//   - heads: SD 1.x 8 per block; SD 2.x head dim 64 (heads = channels / 64); CLIP heads = width / 64
//   - norm_num_groups 32, the standard DDIM config, epsilon prediction (the caller sets
//     v_prediction, e.g. for SD 2.x 768-v models), upcast_attention for SD 2.x
//   - SD 2.x text: the penultimate OpenCLIP layer, i.e. resblocks - 1 layers when the file holds the
//     whole OpenCLIP text tower (recognised by its `text_projection`, which ldm's
//     FrozenOpenCLIPEmbedder keeps); a file without it was written from a cut text encoder (e.g.
//     converted from a diffusers folder) and keeps all its resblocks.
// When the user passes a config folder instead, the configs come from it and none of this applies.
#include "models/model_configs.h"
#include "models/single_file/ldm_key_mapping.h"

#include <string>

namespace dragdiff::io {
class SafetensorsFile;
}

namespace dragdiff::models {

struct InferredArchitecture {
    UNetConfig unet;
    VAEConfig vae;          // VAEConfig::sd() when the file holds no VAE
    CLIPTextConfig text;    // the family's preset when the file holds no text encoder
    DDIMConfig scheduler;   // DDIMConfig::stableDiffusion()
    std::string family;     // "sd1" | "sd2"

    MappingOptions mappingOptions() const { return MappingOptions{unet, vae, text}; }
};

// Throws LoadError (naming the file and the tensor) when the file is not a Stable Diffusion 1.x/2.x
// checkpoint or its layout is inconsistent.
InferredArchitecture inferArchitecture(const io::SafetensorsFile& file);

}  // namespace dragdiff::models
