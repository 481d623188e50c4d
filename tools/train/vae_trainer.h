#pragma once
#include "train/train_options.h"

namespace dragdiff::train {

// Trains the embedded AutoencoderKL on 64 px scenes: L1 + MSE reconstruction of a posterior
// sample plus a small KL term. Checkpoints to o.checkpointDir; returns the process exit code.
int trainVAE(const TrainOptions& o);

}  // namespace dragdiff::train
