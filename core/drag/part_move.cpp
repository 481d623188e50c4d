#include "drag/part_move.h"

#include "drag/latent_ops.h"
#include "drag/part_mask.h"

#include <algorithm>

namespace dragdiff::drag {

PartMove identifyParts(const std::vector<at::Tensor>& heats, const DragGeometry& geo, const EditParameters& prm,
                       const at::Tensor& userMask) {
    PartMove move;
    move.userMask = userMask;
    const int64_t h = heats.at(0).size(0), w = heats.at(0).size(1);
    move.source = at::zeros({h, w}, heats[0].options());
    move.destination = at::zeros({h, w}, heats[0].options());
    for (size_t i = 0; i < geo.size(); ++i) {
        at::Tensor part;
        if (prm.partConnected) {
            part = partMask(heats[i], geo.handles[i], prm.moveMaskThreshold, /*grow=*/1);
        } else {
            part = dilate((heats[i] >= prm.moveMaskThreshold).to(at::kFloat), 1);
            // The handle's own pixel always belongs to its part, however the threshold falls.
            const int64_t hx = std::clamp<int64_t>(int64_t(geo.handles[i].x), 0, w - 1);
            const int64_t hy = std::clamp<int64_t>(int64_t(geo.handles[i].y), 0, h - 1);
            part[hy][hx] = 1.0;
        }
        const PointF offset{geo.targets[i].x - geo.handles[i].x, geo.targets[i].y - geo.handles[i].y};
        move.parts.push_back(part);
        move.offsets.push_back(offset);
        move.source = at::maximum(move.source, part);
        move.destination = at::maximum(move.destination, translate(part.view({1, 1, h, w}), offset).view({h, w}));
    }
    move.destination = (move.destination > 0.5).to(at::kFloat);
    return move;
}

at::Tensor PartMove::paste(at::Tensor z, const at::Tensor& original) const {
    for (size_t i = 0; i < parts.size(); ++i) {
        const at::Tensor& part = parts[i];
        at::Tensor moved = translate(original, offsets[i]);
        at::Tensor m = translate(part.view({1, 1, part.size(0), part.size(1)}), offsets[i]);
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
