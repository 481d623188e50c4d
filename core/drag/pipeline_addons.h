#pragma once
// What a ModelSpec adds to a loaded pipeline: LoRA files merged into its weights and the TAESD
// decoder for previews.
#include "drag/pipeline.h"
#include "models/lora/lora_merge.h"

#include <vector>

namespace dragdiff::drag {

// The parts of `p` a LoRA may adapt: lora_unet_* (diffusers or ldm names) -> the UNet,
// lora_te_* -> the text encoder when there is one; SDXL: lora_te1_* / lora_te2_* -> its two encoders.
std::vector<models::LoraTarget> loraTargets(Pipeline& p, const models::LoraFile& lora);

// Merges spec.loras in order and loads spec.previewDecoder; records both in p.info. Throws
// LoadError naming the LoRA or decoder file (the pipeline is then unusable: load it again).
void applyModelAddOns(Pipeline& p, const ModelSpec& spec);

}  // namespace dragdiff::drag
