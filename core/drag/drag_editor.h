#pragma once
// The drag edit: a real image in through VAE encoding and DDIM inversion, the handle's part
// identified by its correspondence heatmap, moved in latent space and harmonised by
// centroid-guided denoising, then decoded and composited back at full resolution.
#include "drag/pipeline.h"
#include "dragdiff/engine.h"

#include <atomic>

namespace dragdiff::drag {

// Throws InvalidRequest for bad input (points outside the image, handle equal to its target,
// a mask of the wrong size or blank), Cancelled when `cancel` is set (checked before every UNet
// pass), Error if the latent stops being finite.
EditResult runDragEdit(Pipeline& pipeline, const EditRequest& request, const ProgressCallback& progress,
                       const std::atomic<bool>* cancel);

void validateEditRequest(const EditRequest& request);

}  // namespace dragdiff::drag
