#pragma once
// One denoising step's noise prediction: guided by the energies' gradient with respect to the
// latent (Self-Guidance style), or plain.
#include "drag/edit_context.h"
#include "models/unet/unet_2d_condition.h"

#include <ATen/ATen.h>

#include <atomic>
#include <vector>

namespace dragdiff::drag {

struct StepPrediction {
    at::Tensor eps;      // ε for the DDIM update
    at::Tensor z;        // the latent the update starts from (extra gradient iterations move it)
    // On the model's device, for progress: the move and appearance energies, then each handle's
    // soft centroid (x, y) in [0, 1] of the latent map. readStep brings it to the host.
    at::Tensor readout;
};

// What a step reports, read from the device in one transfer together with the NaN check of the
// latent after the step: one host round-trip per step, not one per number.
struct StepReadout {
    double moveEnergy = 0;
    double appearanceEnergy = 0;
    std::vector<PointF> centroids;
    bool latentFinite = true;
};
StepReadout readStep(const StepPrediction& step, const at::Tensor& latentAfter);

// ε̂ = ε + w √(1 − ᾱ_t) ∂E/∂z_t, E = w_move L_move + w_app L_app (+ the object terms), against the
// original branch's latent `original` at the same step. Throws Cancelled between iterations.
StepPrediction guidedPrediction(const EditContext& c, const at::Tensor& z, int64_t t, double alphaT,
                                const at::Tensor& original, const DragGeometry& geometry,
                                const models::SelfAttentionKVHook& hook, const std::atomic<bool>* cancel);

// One UNet pass without autograd; the centroids (for progress only) are taken against the
// identification step's `queries` and their map's mean feature.
StepPrediction plainPrediction(const EditContext& c, const at::Tensor& z, int64_t t, const DragGeometry& geometry,
                               const std::vector<at::Tensor>& queries, const at::Tensor& queryMean,
                               const models::SelfAttentionKVHook& hook);

}  // namespace dragdiff::drag
