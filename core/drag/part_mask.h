#pragma once
// The part a handle picks out: the region of its heatmap that the latent move carries along.
#include "dragdiff/engine.h"

#include <ATen/ATen.h>

namespace dragdiff::drag {

// [h, w] in {0, 1}: the connected region (8-neighbourhood) of `heat >= threshold` that holds the
// handle pixel, grown by `grow` pixels. Only the handle's own region: a second object with
// similar features elsewhere in the picture is not carried along (or duplicated). The handle's
// pixel belongs to its part however the threshold falls. A region larger than `maxFraction` of
// the map is taken as the background leaking in: the threshold rises until it is not.
at::Tensor partMask(const at::Tensor& heat, PointF handle, double threshold, int grow, double maxFraction = 0.5);

}  // namespace dragdiff::drag
