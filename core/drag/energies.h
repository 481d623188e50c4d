#pragma once
// The guidance energies of the method (Self-Guidance style): a centroid move term per drag and
// appearance terms that keep the picture (and optionally the moved part) as it was.
#include <ATen/ATen.h>

namespace dragdiff::drag {

// |C_x - t_x| + |C_y - t_y| with C, t as (x, y) in [0, 1]. With `distanceScaled` the energy is
// multiplied by its own detached value, so the push shrinks as the part nears its target.
at::Tensor moveEnergy(const at::Tensor& centroid, const at::Tensor& target, bool distanceScaled);

// mean_c (A_orig,c - A_cur,c)^2 with A the spatial mean feature [C] of a map [1, C, h, w].
at::Tensor appearanceEnergyMse(const at::Tensor& current, const at::Tensor& original);
// mean_c |A_orig,c - A_cur,c| (the reference code's form, summed over the blocks it is given).
at::Tensor appearanceEnergyL1(const at::Tensor& current, const at::Tensor& original);

// Heatmap-weighted mean feature of the part, current vs original (squared distance, mean over C).
at::Tensor objectAppearanceEnergy(const at::Tensor& current, const at::Tensor& currentHeat,
                                  const at::Tensor& original, const at::Tensor& originalHeat);
// The part's size as heatmap mass (mean of H), current vs original, squared.
at::Tensor objectSizeEnergy(const at::Tensor& currentHeat, const at::Tensor& originalHeat);

}  // namespace dragdiff::drag
