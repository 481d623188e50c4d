#pragma once
#include "train/train_options.h"

namespace dragdiff::train {

// Trains the embedded UNet2DConditionModel with the ε objective on latents of the frozen,
// exported VAE (o.vaeDir, scaled by its scaling_factor), zero context, the SD DDIM schedule.
// Checkpoints to o.checkpointDir; returns the process exit code.
int trainUNet(const TrainOptions& o);

}  // namespace dragdiff::train
