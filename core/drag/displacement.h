#pragma once
// How a dragged part moves through the latent: a backward sampling field per part, so a part can
// be reshaped as well as translated. Pairs whose parts are the same region are grouped:
// - one pair, mode move: the part translates whole (the cut-and-paste that carried moves before);
// - one pair, mode reshape: the part deforms; its displacement ramps from zero at the part's far
//   end along the drag to the full drag at the handle (one edge of an object stretches while the
//   opposite edge stays); for a structure larger than the view (it touches the picture's border:
//   a ridge, a field) the displacement also falls off across the drag, so only the neighbourhood
//   of the handle (a peak) deforms;
// - two or more pairs on one part: the similarity (two pairs: move, scale, rotate) or affine
//   (three or more) transform that best carries the handles to their targets.
// Auto mode reshapes a part that touches the border or is grabbed near its edge, else moves it.
#include "drag/edit_context.h"

#include <ATen/ATen.h>

#include <vector>

namespace dragdiff::drag {

struct PartWarp {
    at::Tensor part;         // [h, w] in {0, 1}: the region carried, where it is
    at::Tensor grid;         // [1, h, w, 2]: where each output pixel reads (grid_sampler, align_corners=false)
    at::Tensor destination;  // [h, w] in [0, 1]: the part pulled through `grid`, where it lands
    std::vector<size_t> pairs;  // the drags this part carries
    DragMode mode = DragMode::Move;
};

// The mode a pair gets: `requested` unless it is Auto, then from the part's shape around the
// handle (latent pixels) as described above.
DragMode resolveMode(const at::Tensor& part, PointF handle, DragMode requested, const EditParameters& params);

// One warp per group of pairs whose parts overlap. `parts` [h, w] each, one per pair (latent);
// `modes` one per pair, already resolved.
std::vector<PartWarp> buildPartWarps(const std::vector<at::Tensor>& parts, const DragGeometry& geometry,
                                     const std::vector<DragMode>& modes, const EditParameters& params);

// `z` [B, C, h, w] sampled through `grid` (bilinear, zeros outside).
at::Tensor warpThrough(const at::Tensor& z, const at::Tensor& grid);

}  // namespace dragdiff::drag
