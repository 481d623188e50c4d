#pragma once
// Building the models to train: configs (embedded or shrunk for tests), trainable parameters,
// and the weights <-> checkpoint tensor names.
#include "models/unet/unet_2d_condition.h"
#include "models/vae/autoencoder_kl.h"
#include "train/adamw.h"
#include "train/train_options.h"

namespace dragdiff::train {

models::VAEConfig vaeConfigFor(const TrainOptions& o);
models::UNetConfig unetConfigFor(const TrainOptions& o);

// The module's parameters, switched to require grad (our model ports freeze them on construction).
NamedTensors trainableParameters(torch::nn::Module& module);

// Moves 4-D weights to channels-last (NHWC) layout, which oneDNN convolves without reordering.
void toChannelsLast(const NamedTensors& params);

// module parameters by name, as a map (for checkpoints and exports).
std::map<std::string, at::Tensor> parameterMap(const NamedTensors& params);

// Adds `prefix` + name for each tensor.
void addPrefixed(std::map<std::string, at::Tensor>& out, const std::string& prefix,
                 const std::map<std::string, at::Tensor>& tensors);

int64_t parameterCount(const NamedTensors& params);

// Samples a latent from the VAE posterior: mean + exp(logvar / 2)·ε.
at::Tensor samplePosterior(const models::LatentDistribution& d, at::Generator& gen);

}  // namespace dragdiff::train
