#pragma once
// A handle on the edge of a structure larger than the view (a ridge's peak, the horizon) pushes
// that edge out or pulls it in near the handle: each line along the drag moves the edge by the
// drag times a Gaussian of its distance across from the handle, as wide as the edge's own bump
// there (a peak's flanks). Behind its edge the structure stretches or compresses over a few drag
// lengths; beyond it nothing moves where the edge advances (it is covered), and what lies beyond
// stretches back over the strip where it retreats. A pixel-level field: clouds above a raised
// peak, the ground below it, the skyline past the bump stay exactly where they were.
#include "dragdiff/engine.h"

#include <ATen/ATen.h>
#include <opencv2/core.hpp>

#include <optional>

namespace dragdiff::drag {

struct BoundaryWarp {
    cv::Mat source;  // CV_32FC2 at the picture's size: where each output pixel reads (pixel units, centres at +0.5)
    cv::Mat zone;    // CV_8UC1: the pixels the field moves (non-zero inside)
};

// A handle is on a structure's edge when the edge is within this many pixels of it along the drag.
constexpr double kEdgeSearch = 4.0;

// `region` (CV_8UC1, non-zero inside) is the structure; `picture` (CV_32FC3 in [0, 1], the same
// size, or empty) the picture it was found in, whose anti-aliasing places the edge to a fraction of
// a pixel where the bump's width is measured; `handle` and `target` in its pixels; `reach`: how
// far behind its edge the structure deforms, in drag lengths. Nothing when the handle is not
// within kEdgeSearch pixels of the structure's edge or the drag has no length.
std::optional<BoundaryWarp> boundaryWarp(const cv::Mat& region, const cv::Mat& picture, PointF handle, PointF target,
                                         double reach);

// The colour of the pixel at (x, y) of `picture` (CV_32FC3), the nearest pixel for a point outside it.
cv::Vec3f pixelAt(const cv::Mat& picture, double x, double y);
// Whether the pixel at (x, y) (pixel units, a pixel spans [i, i + 1)) is in `region` (CV_8UC1);
// false outside the picture.
bool inside(const cv::Mat& region, double x, double y);
// The centre of the pixel `p` is in: a handle given in whole pixels sits on that pixel's corner.
PointF pixelCentreOf(PointF p);
// Whole steps of the unit direction (ux, uy) from `from` to the first pixel whose insideness in
// `region` differs from `from`'s (where a walk along a line leaves the region, or enters it);
// `limit` + 1 when none is within `limit` steps.
int crossingAlong(const cv::Mat& region, PointF from, double ux, double uy, int limit);

// The pixel of `region`'s edge nearest to `handle` on the line from `handle` to `target` (either
// way along it), just inside the region, within `limit` pixels; (-1, -1) when there is none. A
// handle deep inside a band pushes that edge.
PointF nearestEdgeAlong(const cv::Mat& region, PointF handle, PointF target, double limit);

// Whether `region` (CV_8UC1) is a band across the drag from `handle` to `target`: at least
// `kBandWidth` of the picture's short side wide across it and `kBandRatio` times wider than deep
// along it. A ridge half hidden by nearer ones touches no border but is such a band; pushing its
// edge is a reshape of the band, never a move of it.
bool bandAcross(const cv::Mat& region, PointF handle, PointF target);

// The field at the latent's resolution (`latentScale` pixels per latent pixel): a grid for
// grid_sampler [1, h, w, 2] (align_corners=false), each latent pixel moved by its pixels' mean.
at::Tensor latentGridOf(const BoundaryWarp& warp, int latentScale, const at::TensorOptions& options);
// The field as a grid for grid_sampler at the picture's size [1, H, W, 2].
at::Tensor pixelGridOf(const BoundaryWarp& warp);

}  // namespace dragdiff::drag
