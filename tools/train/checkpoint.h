#pragma once
// Training checkpoints under one folder per run part (e.g. /work/train-ckpt/unet):
//   step-<N>.safetensors  "model.*" weights, "ema.*" weights, "adam.m.*"/"adam.v.*" moments
//   latest.json           the sidecar: step, run seed, optimizer steps, configs, which file
// The tensors go to a new file and only then is latest.json atomically replaced to point at it,
// so a crash at any moment leaves the previous complete checkpoint in place. Older step files
// are pruned after the switch (the last two are kept).
#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>

namespace dragdiff::train {

struct Checkpoint {
    nlohmann::json sidecar;                    // at least {"step": N}
    std::map<std::string, at::Tensor> tensors;
};

void saveCheckpoint(const std::string& folder, const Checkpoint& checkpoint);
// The checkpoint latest.json points to, or nothing if the folder has none. Throws LoadError for a
// damaged one.
std::optional<Checkpoint> loadCheckpoint(const std::string& folder);

// The tensors under `prefix` (prefix stripped).
std::map<std::string, at::Tensor> withPrefix(const std::map<std::string, at::Tensor>& all, const std::string& prefix);

}  // namespace dragdiff::train
