#include "drag/part_move.h"

#include "drag/latent_ops.h"
#include "drag/part_mask.h"

#include <algorithm>

namespace dragdiff::drag {
namespace {

// The handle's region of its heatmap: the connected region (or every position above the
// threshold), grown by `grow`. The handle's own pixel always belongs to its part.
at::Tensor partOf(const at::Tensor& heat, PointF handle, const EditParameters& prm, int grow) {
    if (prm.partConnected) return partMask(heat, handle, prm.moveMaskThreshold, grow);
    at::Tensor part = (heat >= prm.moveMaskThreshold).to(at::kFloat);
    const int64_t h = heat.size(0), w = heat.size(1);
    part[std::clamp<int64_t>(int64_t(handle.y), 0, h - 1)][std::clamp<int64_t>(int64_t(handle.x), 0, w - 1)] = 1.0;
    return dilate(part, grow);
}

}  // namespace

PartMove identifyParts(const std::vector<at::Tensor>& heats, const DragGeometry& geo, const EditParameters& prm,
                       const at::Tensor& userMask, const std::vector<DragMode>& requested) {
    PartMove move;
    move.userMask = userMask;
    const int64_t h = heats.at(0).size(0), w = heats.at(0).size(1);
    std::vector<at::Tensor> parts;
    for (size_t i = 0; i < geo.size(); ++i) {
        // The mode is read from the part's own outline; the carried part is grown by a pixel so
        // its anti-aliased edge comes along.
        const DragMode asked = i < requested.size() ? requested[i] : DragMode::Auto;
        move.modes.push_back(resolveMode(partOf(heats[i], geo.handles[i], prm, 0), geo.handles[i], asked, prm));
        parts.push_back(partOf(heats[i], geo.handles[i], prm, 1));
    }
    move.warps = buildPartWarps(parts, geo, move.modes, prm);
    move.source = at::zeros({h, w}, heats[0].options());
    move.destination = at::zeros({h, w}, heats[0].options());
    for (const PartWarp& warp : move.warps) {
        move.source = at::maximum(move.source, warp.part);
        move.destination = at::maximum(move.destination, warp.destination);
    }
    move.destination = (move.destination > 0.5).to(at::kFloat);
    return move;
}

at::Tensor PartMove::paste(at::Tensor z, const at::Tensor& original) const {
    for (const PartWarp& warp : warps) {
        const at::Tensor moved = warpThrough(original, warp.grid);
        at::Tensor m = warp.destination.view({1, 1, warp.destination.size(0), warp.destination.size(1)});
        if (userMask.defined()) m = m * userMask;
        z = z * (1 - m) + moved * m;
    }
    return z;
}

at::Tensor PartMove::vacate(const at::Tensor& z) const {
    at::Tensor vacated = (source * (1 - destination)).clamp(0, 1);
    if (userMask.defined()) vacated = vacated * userMask;
    const at::Tensor background = backgroundEstimate(z, 1 - source, /*sigma=*/2.0);
    return z * (1 - vacated) + background * vacated;
}

}  // namespace dragdiff::drag
