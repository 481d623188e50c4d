#pragma once
// Ports diffusers DDIMScheduler (v0.27.2, scheduling_ddim.py) for eta = 0, plus the reverse step
// of diffusers DDIMInverseScheduler (scheduling_ddim_inverse.py) built from the same config.
//
// Numerics follow the reference on purpose: betas come from a float32 torch linspace,
// alphas_cumprod from a float32 cumprod, ᾱ values stay 0-dim float32 tensors and every update
// uses the reference's operation order, so results match diffusers to the last bits. Timesteps
// reproduce numpy's int64/float64 arithmetic exactly, including its rounding (half to even).
#include "models/model_configs.h"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace dragdiff::diffusion {

enum class PredictionType { Epsilon, VPrediction, Sample };

struct DDIMStepOutput {
    at::Tensor prevSample;          // the sample at the next timestep of the walk
    at::Tensor predOriginalSample;  // x0 predicted at the current timestep (clipped if configured)
};

class DDIMScheduler {
public:
    // Throws InvalidRequest for a config DragDiff cannot run (unknown schedule, spacing,
    // prediction type, thresholding, a trained_betas of the wrong length).
    explicit DDIMScheduler(const models::DDIMConfig& config);

    const models::DDIMConfig& config() const { return config_; }
    PredictionType predictionType() const { return predictionType_; }
    int numTrainTimesteps() const { return config_.numTrainTimesteps; }
    const at::Tensor& betas() const { return betas_; }                  // [T] float32
    const at::Tensor& alphasCumprod() const { return alphasCumprod_; }  // [T] float32
    // ᾱ used past the end of the schedule (t < 0): 1, or ᾱ_0 when set_alpha_to_one is false.
    // DDIMInverseScheduler's initial_alpha_cumprod is the same value. 0-dim float32.
    const at::Tensor& finalAlphaCumprod() const { return finalAlphaCumprod_; }

    // Builds the inference schedule. InvalidRequest unless 1 <= numInferenceSteps <= T.
    void setTimesteps(int numInferenceSteps);
    int numInferenceSteps() const { return numInferenceSteps_; }  // 0 before setTimesteps
    bool hasTimesteps() const { return numInferenceSteps_ > 0; }
    const at::Tensor& timesteps() const;            // [N] int64, descending (denoising order)
    std::vector<int64_t> timestepList() const;      // the same, as plain integers
    // [N] int64, ascending: the timesteps DDIMInverseScheduler visits (the reverse of
    // timesteps(); for "linspace", which the reference inverse scheduler rejects, the same rule).
    at::Tensor inverseTimesteps() const;
    // T // N: how far step() jumps, whatever the spacing (as in the reference).
    int64_t stepRatio() const;
    int64_t prevTimestep(int64_t t) const { return t - stepRatio(); }

    // Partial schedules (drag editing inverts to an intermediate step and denoises from there):
    // strength s in (0, 1] keeps the last ceil(s·N) steps; the returned index i is where the
    // denoising starts, timesteps()[i]. InvalidRequest for s outside (0, 1].
    int startIndex(double strength) const;

    // ᾱ_t as the scheduler uses it (float32 value); t < 0 gives finalAlphaCumprod().
    // InvalidRequest for t >= T.
    double alphaProduct(int64_t t) const;
    at::Tensor alphaProductTensor(int64_t t) const;  // the same, 0-dim float32

    // Converts a model output of the configured prediction type at timestep t into the predicted
    // x0 / ε. Differentiable; shapes as `sample`. No clipping.
    at::Tensor predictOriginal(const at::Tensor& modelOutput, const at::Tensor& sample, int64_t t) const;
    at::Tensor predictEpsilon(const at::Tensor& modelOutput, const at::Tensor& sample, int64_t t) const;

    // DDIMScheduler.step with eta = 0: from `sample` at `timestep` to timestep - T//N.
    // Requires setTimesteps. Differentiable.
    DDIMStepOutput step(const at::Tensor& modelOutput, int64_t timestep, const at::Tensor& sample) const;

    // DDIMInverseScheduler.step: `timestep` is the (higher-noise) timestep to reach, `sample` is
    // the latent at min(timestep - T//N, T-1) (ᾱ = finalAlphaCumprod() below 0) and `modelOutput`
    // the model's prediction for it. Diffusers' inversion loops call the model at `timestep`.
    DDIMStepOutput inverseStep(const at::Tensor& modelOutput, int64_t timestep, const at::Tensor& sample) const;

    // sqrt(ᾱ_t)·original + sqrt(1-ᾱ_t)·noise; timesteps: int64, 0-dim or [B] (one per batch item).
    at::Tensor addNoise(const at::Tensor& original, const at::Tensor& noise, const at::Tensor& timesteps) const;
    at::Tensor addNoise(const at::Tensor& original, const at::Tensor& noise, int64_t t) const;
    // The v-prediction target: sqrt(ᾱ_t)·noise - sqrt(1-ᾱ_t)·sample.
    at::Tensor getVelocity(const at::Tensor& sample, const at::Tensor& noise, const at::Tensor& timesteps) const;

private:
    void checkTimestep(int64_t t, const char* what) const;
    void requireTimesteps(const char* what) const;
    // (x0, ε) from the model output, with ᾱ_t given as a 0-dim tensor.
    std::pair<at::Tensor, at::Tensor> convert(const at::Tensor& modelOutput, const at::Tensor& sample,
                                              const at::Tensor& alphaProdT) const;
    at::Tensor clip(const at::Tensor& predOriginal) const;
    // ᾱ[timesteps] ** 0.5 and (1 - ᾱ[timesteps]) ** 0.5, broadcastable against `like`.
    std::pair<at::Tensor, at::Tensor> noiseScales(const at::Tensor& like, const at::Tensor& timesteps) const;

    models::DDIMConfig config_;
    PredictionType predictionType_ = PredictionType::Epsilon;
    at::Tensor betas_;
    at::Tensor alphasCumprod_;
    at::Tensor finalAlphaCumprod_;
    int numInferenceSteps_ = 0;
    at::Tensor timesteps_;
};

// Reference timestep formulas, exposed for tests. `spacing` is "leading", "trailing" or "linspace".
std::vector<int64_t> ddimTimesteps(const std::string& spacing, int numTrainTimesteps, int numInferenceSteps,
                                   int stepsOffset);

}  // namespace dragdiff::diffusion
