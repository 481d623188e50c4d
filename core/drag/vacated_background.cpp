#include "drag/vacated_background.h"

#include "drag/colour_region.h"
#include "drag/hole_fill.h"
#include "drag/warp_preview.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace dragdiff::drag {
namespace {

// A latent pixel is vacated when this share of its pixels is: the decoder draws an object's
// colour from a latent pixel it only partly covered.
constexpr double kVacatedCoverage = 0.1;

}  // namespace

at::Tensor VacatedBackground::apply(const at::Tensor& z, const at::Tensor& original, double alphaCumprod) const {
    const at::Tensor background = original + std::sqrt(alphaCumprod) * shift;
    return z * (1 - where) + background * where;
}

std::optional<VacatedBackground> vacatedBackground(Pipeline& p, PassCounter& passes, const WorkingImage& work,
                                                   const PartMove& move, const at::Tensor& z0, int latentScale) {
    // Only objects moved whole leave their old place; a reshape's strips are thin and filled after
    // the decode (drag/hole_fill.h). (Pinning them too was tried once, in a run whose stretch
    // cases were spoiled by another fault, so its effect on reshapes is not known.)
    PartMove moved = move;
    moved.warps.erase(std::remove_if(moved.warps.begin(), moved.warps.end(),
                                     [](const PartWarp& w) { return w.mode != DragMode::Move; }),
                      moved.warps.end());
    const cv::Mat holes = leftBehind(moved, work.rgb.rows, work.rgb.cols);
    if (cv::countNonZero(holes) == 0) return std::nullopt;
    WorkingImage filled = work;
    filled.rgb = fillHoles(work.rgb, holes, 2.0 * latentScale);
    passes.vaeEncode(phase::kVacated);
    VacatedBackground v;
    v.shift = p.vae->encode(filled.tensor(p.device)).mean * p.vae->scalingFactor() - z0;
    cv::Mat rim;
    cv::dilate(holes, rim, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(3, 3)));
    at::Tensor where = regionToLatent(rim, latentScale, z0.options(), kVacatedCoverage);
    if (move.userMask.defined()) where = where * move.userMask.view_as(where);
    v.where = where.view({1, 1, where.size(0), where.size(1)});
    return v;
}

}  // namespace dragdiff::drag
