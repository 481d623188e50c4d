#pragma once
// The explicit latent move (beyond the reference method): the part each handle's heatmap
// identified is carried to its target by re-pasting the original branch's latent there during
// the first denoising steps, after its old place was filled with a background estimate.
#include "drag/edit_context.h"

#include <ATen/ATen.h>

#include <vector>

namespace dragdiff::drag {

struct PartMove {
    std::vector<at::Tensor> parts;  // [h, w] per drag, in {0, 1}, at the handle
    std::vector<PointF> offsets;    // target - handle, latent pixels
    at::Tensor source;              // [h, w] union of the parts where they are
    at::Tensor destination;         // [h, w] union of the parts where they go
    at::Tensor userMask;            // [h, w] optional: nothing is pasted outside it

    // `z` with each part of `original` (the original branch at the same level) pasted at its target.
    at::Tensor paste(at::Tensor z, const at::Tensor& original) const;
    // `z` with the area the parts leave (and do not land on again) filled from a background
    // estimate: the part itself left there gave duplicates.
    at::Tensor vacate(const at::Tensor& z) const;
};

// The parts from the handles' heatmaps ([h, w] each, at the identification step).
PartMove identifyParts(const std::vector<at::Tensor>& heats, const DragGeometry& geometry, const EditParameters& params,
                       const at::Tensor& userMask);

}  // namespace dragdiff::drag
