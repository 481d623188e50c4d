#pragma once
#include "train/train_options.h"

#include <nlohmann/json.hpp>

namespace dragdiff::train {

// `dragdiff-train eval --model DIR`: VAE PSNR on o.evalImages held-out scenes; with a unet/,
// a grid of 16 DDIM samples (o.samples) and the DDIM inversion + reconstruction PSNR on 8 held-out
// scenes. Numbers go to `report` (and o.report as JSON when set).
void runEval(const TrainOptions& o, nlohmann::json& report);

}  // namespace dragdiff::train
