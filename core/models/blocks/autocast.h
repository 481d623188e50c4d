#pragma once
// CUDA fp16 autocast's switch, the same on LibTorch 1.13 and 2.x, and a scope that turns it off for
// a model that must run in fp32: SDXL's VAE overflows in fp16 (black pictures), so every VAE runs
// in fp32 while the UNet and text encoders use autocast (diffusers' force_upcast).
namespace dragdiff::models {

bool cudaAutocastEnabled();
void setCudaAutocastEnabled(bool enabled);

// While alive, CUDA autocast is off; the previous state comes back after. No-op when it was off.
class FullPrecisionScope {
public:
    FullPrecisionScope();
    ~FullPrecisionScope();
    FullPrecisionScope(const FullPrecisionScope&) = delete;
    FullPrecisionScope& operator=(const FullPrecisionScope&) = delete;

private:
    bool wasEnabled_ = false;
};

}  // namespace dragdiff::models
