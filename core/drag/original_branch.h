#pragma once
// Steps 1-2 of a drag edit: the working image's VAE latent and its DDIM inversion up to the
// edit's start step (the original branch's trajectory), or the same taken from the cache.
#include "drag/edit_context.h"
#include "drag/inversion_cache.h"
#include "drag/working_image.h"

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace dragdiff::drag {

InversionKey inversionKeyOf(const EditContext& c, const WorkingImage& work);

// The step (index into the scheduler's timesteps, from `startIndex` on) whose latent of the
// original branch the handles' parts are identified at: the one nearest DIFT's t = 261, where
// features are most semantic (at the start step's noise level small models' features are too
// noisy to delimit a part). The edit and the prepared picture's heatmaps both use it, so what
// the heatmap and the warp preview show is what the edit will do.
int partFeatureStep(const diffusion::DDIMScheduler& scheduler, int startIndex);
// The features the parts are identified by: up-block c.featureBlock at step `step` of `original`
// (inverted at least that far), [1, C, h, w]; a partial forward of phase part_features. `c` needs
// its latent size (h, w) set.
at::Tensor partFeatures(const EditContext& c, const InvertedImage& original, int step);

// `c` must have its prompt's context and its scheduler's timesteps (c.params.steps) set. With a
// cache, an entry for this picture, model, prompt and steps that reaches startIndex is returned
// without a pass (it may go further: the caller indexes from z0); one that stops short is carried
// on; otherwise the latent and the inversion are computed (counted in c.passes), and stored.
// `emit` (may be empty) receives "encoding" and "inversion" progress, for the passes made;
// `timings` gets "encode" and "inversion" seconds when they ran. Throws Cancelled when `cancel` is set (checked before every
// pass; nothing is stored then), Error when the model produces NaN or infinite values.
std::shared_ptr<const InvertedImage> originalBranch(const EditContext& c, const WorkingImage& work, int startIndex,
                                                    const std::function<void(EditProgress)>& emit,
                                                    const std::atomic<bool>* cancel, InversionCache* cache,
                                                    std::map<std::string, double>& timings);

}  // namespace dragdiff::drag
