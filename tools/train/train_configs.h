#pragma once
// The embedded default model's architecture, and the diffusers config.json of each component.
// Sizes: 64 px scenes, the prototype's VAE (factor 4: 16x16x4 latents), a UNet half the
// prototype's width with cross-attention on its two lower-resolution levels (see weights/README.md).
#include "models/model_configs.h"

#include <nlohmann/json.hpp>

namespace dragdiff::train {

constexpr int kImageSize = 64;

models::VAEConfig embeddedVAEConfig();
models::UNetConfig embeddedUNetConfig();
models::DDIMConfig embeddedSchedulerConfig();  // the SD scheduler, ε prediction

// diffusers-compatible config.json contents (the keys models::*Config::read understands).
nlohmann::json vaeConfigJson(const models::VAEConfig& c);
nlohmann::json unetConfigJson(const models::UNetConfig& c);
nlohmann::json schedulerConfigJson(const models::DDIMConfig& c);

// The reverse, for configs stored in our checkpoints' sidecars.
models::VAEConfig vaeConfigFromJson(const nlohmann::json& j);
models::UNetConfig unetConfigFromJson(const nlohmann::json& j);

}  // namespace dragdiff::train
