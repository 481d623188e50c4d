#pragma once
// LoRA names in the original (ldm/sgm) UNet layout — kohya sd-scripts writes them for SDXL, some
// SD 1.x trainers too: `lora_unet_input_blocks_4_1_transformer_blocks_0_attn1_to_q` is the ldm key
// `input_blocks.4.1.transformer_blocks.0.attn1.to_q`, which the single-file mapping
// (models/single_file/) turns into the diffusers path `down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q`.
#include "models/lora/lora_merge.h"
#include "models/model_configs.h"

#include <memory>

namespace dragdiff::models {

// A LoraTarget::originalLayout for a UNet built from `config`: resolves names through
// the single-file mapping (SDXL's sgm names, label_emb included, for a text_time UNet). A name that
// starts like an ldm key but does not map is a LoadError naming the LoRA key.
decltype(LoraTarget::originalLayout) ldmUNetLayout(const UNetConfig& config,
                                                   std::shared_ptr<const io::SafetensorsFile> loraFile);

}  // namespace dragdiff::models
