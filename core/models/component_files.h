#pragma once
// Finds the weight file of one component folder of a diffusers model (unet/, vae/, text_encoder/).
#include <string>

namespace dragdiff::models {

// Returns the component's safetensors file: `<folder>/<stem>.safetensors`, else the fp16 variant
// `<stem>.fp16.safetensors`, else the only *.safetensors in the folder. A folder that holds only
// pickle weights (.bin/.ckpt) gets the pickle refusal; a missing folder or file a LoadError naming it.
// `stem` is e.g. "diffusion_pytorch_model" (diffusers) or "model" (transformers).
std::string findComponentWeights(const std::string& folder, const std::string& stem);

}  // namespace dragdiff::models
