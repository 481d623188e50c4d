#pragma once
// The explicit latent move (beyond the reference method): the part each handle's heatmap
// identified is carried to its target, translated whole or reshaped (drag/displacement.h), by
// re-pasting the original branch's latent pulled through the part's field during the first
// denoising steps, after the area it leaves was filled with a background estimate.
#include "drag/displacement.h"
#include "drag/edit_context.h"

#include <ATen/ATen.h>

#include <vector>

namespace dragdiff::drag {

struct PartMove {
    std::vector<PartWarp> warps;  // one per group of pairs on the same part
    std::vector<DragMode> modes;  // one per pair: what each resolved to
    at::Tensor source;            // [h, w] union of the parts where they are
    at::Tensor destination;       // [h, w] union of the parts where they go
    at::Tensor userMask;          // [h, w] optional: nothing is pasted outside it

    // `z` with each part of `original` (the original branch at the same level) pulled through its
    // field and pasted where it lands.
    at::Tensor paste(at::Tensor z, const at::Tensor& original) const;
    // `z` with the area the parts leave (and do not land on again) filled from a background
    // estimate: the part itself left there gave duplicates.
    at::Tensor vacate(const at::Tensor& z) const;
};

// The parts from the handles' heatmaps ([h, w] each, at the identification step) and their
// fields. `requested` holds each pair's mode (Auto is resolved here).
PartMove identifyParts(const std::vector<at::Tensor>& heats, const DragGeometry& geometry, const EditParameters& params,
                       const at::Tensor& userMask, const std::vector<DragMode>& requested);

}  // namespace dragdiff::drag
