#pragma once
// Fills a freshly built model from the weight file of a diffusers component folder.
#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include <string>

namespace dragdiff::models {

// Moves `module` to `dtype`/`device`, then copies `<folder>/<stem>[.fp16].safetensors` into it
// (F16/BF16/F32 weights converted to `dtype`) and freezes it. `component` names the part in
// error messages ("UNet", "VAE"). Throws LoadError (missing file, missing, unexpected or
// mis-shaped tensor) and InvalidRequest (a non-floating-point dtype).
void loadComponentWeights(torch::nn::Module& module, const std::string& folder, const std::string& stem,
                          const std::string& component, at::ScalarType dtype, at::Device device);

}  // namespace dragdiff::models
