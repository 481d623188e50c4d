#pragma once
// Writes the diffusers folder layout of the embedded model:
//   model_index.json
//   vae/config.json (with the computed scaling_factor) + diffusion_pytorch_model.safetensors
//   unet/config.json + diffusion_pytorch_model.safetensors (EMA weights)
//   scheduler/scheduler_config.json (DDIM, SD schedule, ε prediction)
//   context/encoder_hidden_states.safetensors ("encoder_hidden_states": zeros [1, 1, D]), the
//     context the UNet was trained with, which the engine uses when a model has no text encoder.
#include "train/train_options.h"

#include <nlohmann/json.hpp>

namespace dragdiff::train {

// From the VAE checkpoint: picks the better of the raw and the EMA weights by held-out PSNR,
// computes the scaling factor, writes vae/ and the shared files. Adds numbers to `report`.
void exportVAE(const TrainOptions& o, nlohmann::json& report);

// From the UNet checkpoint's EMA weights (in o.unetDtype): writes unet/ and the shared files.
// The VAE beside it must be the one the UNet was trained on (same scaling_factor).
void exportUNet(const TrainOptions& o, nlohmann::json& report);

// model_index.json, scheduler/ and context/ (cheap; rewritten by every export).
void writeSharedFiles(const std::string& out, int crossAttentionDim);

}  // namespace dragdiff::train
