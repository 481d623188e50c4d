#pragma once
// DDIM inversion of a clean latent z0 up to the step where a partial denoising starts, keeping
// every intermediate latent. Follows the inversion loops of diffusers (DDIMInverseScheduler with
// the pipelines' `invert`) and of DragDiffusion: walk the schedule in ascending order, ask the
// model for its prediction at timestep t given the latent of the previous (lower) level, then
// take DDIMInverseScheduler.step to t.
#include "diffusion/ddim_scheduler.h"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <vector>

namespace dragdiff::diffusion {

// The timestep recorded for z0 itself, which no inversion step has touched.
constexpr int64_t kCleanTimestep = -1;

// The model's raw output (of the scheduler's prediction type: the ε prediction for epsilon
// models) for `latent`, conditioned on timestep `t`. Called with t = the timestep being reached,
// as the reference loops do. Must return a tensor shaped like `latent`.
using ModelPrediction = std::function<at::Tensor(const at::Tensor& latent, int64_t t)>;

struct InversionProgress {
    int stepsDone = 0;  // 0 before the first step
    int totalSteps = 0;
    int64_t timestep = kCleanTimestep;  // the level `latent` is at
    const at::Tensor* latent = nullptr;
};
// Called before the first step and after every step. Return false to stop: invertDDIM then
// throws dragdiff::Cancelled without calling the model again.
using InversionCallback = std::function<bool(const InversionProgress&)>;

struct InversionResult {
    // latents[0] = z0, latents[k] = the latent after k steps; each shaped like z0 ([B, C, h, w]).
    std::vector<at::Tensor> latents;
    // timesteps[k] is the level of latents[k]: kCleanTimestep, then ascending schedule timesteps.
    std::vector<int64_t> timesteps;

    // The latent at the start step: where denoising from scheduler.timesteps()[startIndex] begins.
    const at::Tensor& last() const { return latents.back(); }
    // The inverted latent at timestep t (kCleanTimestep for z0). InvalidRequest if the inversion
    // did not pass through t.
    const at::Tensor& latentAt(int64_t t) const;
};

// Inverts z0 through the last N - startIndex steps of the scheduler's schedule (setTimesteps
// first; startIndex as from DDIMScheduler::startIndex(strength), in [0, N)). Runs without
// gradient tracking. InvalidRequest for a bad startIndex or a model output of the wrong shape.
InversionResult invertDDIM(const DDIMScheduler& scheduler, const at::Tensor& z0, int startIndex,
                           const ModelPrediction& model, const InversionCallback& callback = {});

// `done` (an inversion of this schedule that stopped early, from invertDDIM or this function)
// carried on to startIndex: the same latents as inverting its z0 to startIndex at once, without
// repeating its steps. A trajectory already there or past it comes back unchanged. The callback
// counts only the new steps.
InversionResult extendInversion(const DDIMScheduler& scheduler, InversionResult done, int startIndex,
                                const ModelPrediction& model, const InversionCallback& callback = {});

}  // namespace dragdiff::diffusion
