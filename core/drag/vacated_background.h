#pragma once
// Where a carried object moved whole leaves its old place, the original branch's latent still holds it, and
// the model paints it back there from that latent: a ghost. The picture with the pixels the object
// leaves filled from around them (drag/hole_fill.h) is encoded once; while the parts are pasted,
// the vacated latent follows the original's trajectory shifted by the encoded difference, so the
// model denoises background there and only has to blend it.
#include "drag/part_move.h"
#include "drag/pass_counter.h"
#include "drag/pipeline.h"
#include "drag/working_image.h"

#include <ATen/ATen.h>

#include <optional>

namespace dragdiff::drag {

struct VacatedBackground {
    at::Tensor where;  // [1, 1, h, w] in [0, 1]: the latent pixels the carried objects leave
    at::Tensor shift;  // [1, c, h, w]: the filled picture's latent minus the original's (scaled)

    // `z` (at the level whose ᾱ is `alphaCumprod`) with the vacated latent set to `original` (the
    // original branch at that level) moved by the shift, as the noised filled picture would be.
    at::Tensor apply(const at::Tensor& z, const at::Tensor& original, double alphaCumprod) const;
};

// Nothing when no carried object with known pixels leaves anything behind. One VAE encode, counted
// under `phase::kVacated`.
std::optional<VacatedBackground> vacatedBackground(Pipeline& p, PassCounter& passes, const WorkingImage& work,
                                                   const PartMove& move, const at::Tensor& z0, int latentScale);

}  // namespace dragdiff::drag
