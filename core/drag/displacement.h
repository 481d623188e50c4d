#pragma once
// How a dragged part moves through the latent: a backward sampling field per part, so a part can
// be reshaped as well as translated. Pairs whose parts are the same region are grouped:
// - one pair, mode move: the part translates whole (the cut-and-paste that carried moves before);
// - one pair, mode reshape: the part deforms; its displacement ramps from zero at the part's far
//   end along the drag to the full drag at the handle and on past it (the object scales evenly
//   along the drag: one edge of an object stretches while the opposite edge stays); for a
//   structure larger than the view (it touches the picture's border: a ridge, a field) the
//   displacement also falls off across the drag, so only the neighbourhood of the handle (a peak)
//   deforms; when the picture shows that structure's edge at the handle, the edge itself is
//   pushed or pulled, pixel by pixel (drag/boundary_warp.h);
// - one pair on a limb (drag/limb.h), mode reshape: the limb turns about its joint (and lengthens
//   or shortens with the drag) while the body stays;
// - two or more pairs on one part: the similarity (two pairs: move, scale, rotate) or affine
//   (three or more) transform that best carries the handles to their targets; two pairs, one held
//   deep inside and one at the edge: the object moves with the first and stretches along the line
//   to the second (its width across stays).
// Auto mode reshapes a part that touches the border or is grabbed near its edge, else moves it.
#include "drag/boundary_warp.h"
#include "drag/edit_context.h"

#include <ATen/ATen.h>
#include <opencv2/core.hpp>

#include <optional>
#include <vector>

namespace dragdiff::drag {

struct PartWarp {
    at::Tensor part;         // [h, w] in {0, 1}: the region carried, where it is
    at::Tensor grid;         // [1, h, w, 2]: where each output pixel reads (grid_sampler, align_corners=false)
    at::Tensor destination;  // [h, w] in [0, 1]: the part pulled through `grid`, where it lands
    std::vector<size_t> pairs;  // the drags this part carries
    DragMode mode = DragMode::Move;
    // The object's own pixels (working size, CV_8UC1, 1 inside) when the picture told where it
    // ends; empty: the latent part, upsampled, stands for it (a deformation around a boundary).
    cv::Mat pixels;
    // Pixels of the same object that stay where they are (working size, CV_8UC1): the body a bent
    // limb is attached to; the result shows them as they were too. May be empty.
    cv::Mat stays;
    // The edge of a structure larger than the view pushed or pulled (drag/boundary_warp.h): the
    // field per pixel; `pixels` is then its zone, everything in it resampled (nothing left behind).
    std::optional<BoundaryWarp> boundary;
};

// Whether `region` (CV_8UC1, non-zero inside) is a structure larger than the view: it covers a
// good stretch of one of the picture's sides.
bool touchesBorder(const cv::Mat& region);

// The mode a pair gets: `requested` unless it is Auto, then from the region the handle grabbed
// (`region`, CV_8UC1, non-zero inside, any resolution; `handle`, `target` in its pixels): reshape
// when it continues past the picture's border, or the handle is near its edge and the drag pulls
// or pushes that edge (along the line from the region's centre, or at the region's end along the
// drag), and the drag is no longer than `reshape_max_stretch` of the region's extent along it, nor
// a push into it deeper than `reshape_max_push`, nor (given an edge band) a pull grabbed a latent
// pixel or more behind the region's end ahead by more than 0.3 of its extent; else move. Near the
// edge: shallower than `reshape_edge_depth` of the region's deepest point, or within `edgeBand`
// pixels of the edge (a small object is all edge at the latent's resolution).
DragMode resolveMode(const cv::Mat& region, PointF handle, PointF target, DragMode requested,
                     const EditParameters& params, double edgeBand = 0);
// Whether `handle` is deep inside `region`, not near its edge, in resolveMode's terms.
bool deepInside(const cv::Mat& region, PointF handle, const EditParameters& params, double edgeBand = 0);
// How deep `handle` is in `region`: its distance to the edge over the deepest point's, in [0, 1].
double relativeDepth(const cv::Mat& region, PointF handle);
// How far `handle` is from `region`'s centroid, over the farthest point's distance (0 at the
// middle, about 1 at the far end; 1 for an empty region).
double centrality(const cv::Mat& region, PointF handle);

// What one handle grabbed (latent maps [h, w]).
struct Grab {
    at::Tensor part;       // what a move carries: the heatmap's part
    at::Tensor structure;  // what a reshape deforms: the object the part belongs to
    DragMode mode = DragMode::Move;  // resolved
    // The handle sits on a boundary or on a structure larger than the view (a ridge line, the
    // horizon): a reshape then deforms the picture smoothly around the handle, within a few drag
    // lengths, instead of one object.
    bool local = false;
    cv::Mat region;  // the grabbed object at the working size (CV_8UC1, 1 inside); may be empty
    // On a limb: `part`, `structure` and `region` are the limb, and a reshape turns it about here;
    // `body` is the rest of the object (working size, CV_8UC1).
    std::optional<PointF> joint;
    cv::Mat body;
    // The handle is deep inside its object, not at its edge (see resolveMode): with a second pair
    // at the edge, the object stretches between them.
    bool inside = false;
    double depth = 0;  // relativeDepth() in its object (0 without one)
    double offCentre = 1;  // centrality() in its object (1 without one)
    // On the edge of a structure larger than the view: a reshape pushes or pulls that edge, with
    // this field (and `edgeGrid`, the same at the latent's resolution).
    std::optional<BoundaryWarp> edge;
    at::Tensor edgeGrid;
};

// One warp per group of pairs whose parts overlap.
std::vector<PartWarp> buildPartWarps(const std::vector<Grab>& grabs, const DragGeometry& geometry,
                                     const EditParameters& params);

// `z` [B, C, h, w] sampled through `grid` (bilinear, zeros outside).
at::Tensor warpThrough(const at::Tensor& z, const at::Tensor& grid);

}  // namespace dragdiff::drag
