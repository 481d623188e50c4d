#pragma once
// The drag edit: a real image in through VAE encoding and DDIM inversion, the handle's part
// identified by its correspondence heatmap, moved in latent space and harmonised by
// centroid-guided denoising, then decoded and composited back at full resolution.
#include "drag/inversion_cache.h"
#include "drag/pipeline.h"
#include "dragdiff/engine.h"

#include <atomic>

namespace dragdiff::drag {

// Throws InvalidRequest for bad input (points outside the image, handle equal to its target,
// a mask of the wrong size or blank), Cancelled when `cancel` is set (checked before every UNet
// pass), Error if the latent stops being finite. With `cache`, the original branch (VAE latent and
// inversion) of a picture edited before with the same model, prompt, steps and strength is reused
// (original_branch.h); the result's bytes are the same either way. EditResult::counts has the
// passes made (pass_counter.h) and "inversion_cached" (1 when the cache answered).
EditResult runDragEdit(Pipeline& pipeline, const EditRequest& request, const ProgressCallback& progress,
                       const std::atomic<bool>* cancel, InversionCache* cache = nullptr);

void validateEditRequest(const EditRequest& request);

// The error of an edit whose latent stopped being finite at denoising `step`; its advice depends
// on whether guidance was on (the usual cause) or off.
Error divergenceError(int step, bool guided);

}  // namespace dragdiff::drag
