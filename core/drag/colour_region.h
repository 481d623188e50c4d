#pragma once
// The picture's own evidence of what a handle grabbed: GrabCut's segmentation (colour models of
// the object and of its surroundings, and a graph cut between them) started from the handle's
// heatmap part, the component holding the handle, holes (dots, highlights) filled. The heatmap
// says what the part is; this says where the object it belongs to ends. A handle on a boundary
// (a ridge line) gets almost nothing: no object of its own.
#include "dragdiff/engine.h"

#include <ATen/ATen.h>
#include <opencv2/core.hpp>

#include <optional>

namespace dragdiff::drag {

// `picture` CV_32FC3 RGB in [0, 1] (the working image); `handle` in its pixels; `heatPart` [h, w]
// latent, any resolution (scaled to the picture). CV_8UC1 at the picture's size, 1 inside.
cv::Mat colourRegion(const cv::Mat& picture, PointF handle, const at::Tensor& heatPart);

// GrabCut kept within `frame` ([h, w] latent, like `heatPart`: everything outside it is surely
// not the object). For a region that leaked into what lies around an object (a star in front of
// a mountain of a colour its heatmap part also covers: the star and the mountain came out as one
// structure past the view, and the star's edge was pushed as a ridge's), and for a limb's body
// looked for around its tip (the background model then holds the surroundings, not the body's
// shading).
cv::Mat confinedRegion(const cv::Mat& picture, PointF handle, const at::Tensor& heatPart, const at::Tensor& frame);

// The share of `region`'s outline (CV_8UC1 at the picture's size) within two pixels of `frame`'s
// edge (1 for an empty region): small where a cut ends on its own inside the frame, large where
// it fills the frame (a structure larger than it: a ridge, a body).
double shareOnFrame(const cv::Mat& region, const at::Tensor& frame);

// The layer `handle` is on, as a flood fill: the pixels connected to it through neighbours whose
// colours differ by a few levels at most (a flat or smoothly shaded layer: a mountain range, the
// ground), CV_8UC1 0/1 at the picture's size. Where such a layer is a few pixels thick or low in
// contrast, GrabCut (colourRegion) returns a sliver of it around the handle, or the layer in front.
// Empty when the handle is on a blended pixel (its four neighbours not all in the fill): from a
// limb's anti-aliased tip the fill runs into whatever lies behind it.
cv::Mat layerRegion(const cv::Mat& picture, PointF handle);

// The object of one colour `handle` is on, as a flood fill like layerRegion's with a wider
// tolerance (an object's shading), from any pixel, a blended one too. Where GrabCut took a small
// object together with the grey layer it lies on (a limb's tip over a ridge came out as the
// ridge), this finds the object; the fill may run on into its surroundings, which the caller
// must check.
cv::Mat sameColourRegion(const cv::Mat& picture, PointF handle);

// The strongest colour step within `search` pixels of `handle` along the line to `target`: a
// point two pixels from it on the handle's side and one two pixels past it, with their colours.
// None when no step there reaches `minContrast` (RGB distance, channels in [0, 1]) or the handle
// sits on it.
struct ColourStep {
    PointF within, past;
    cv::Vec3f withinColour, pastColour;
};
std::optional<ColourStep> stepAlong(const cv::Mat& picture, PointF handle, PointF target, double search, double minContrast);

// The pixels on the `within` side of `step`: connected to it (4-neighbours) and nearer its colour
// than halfway to the colour past the step, CV_8UC1 0/1 at the picture's size (empty when the
// `within` pixel itself is not). For a layer too low in contrast for a flood fill or GrabCut (a
// dark ridge on a night sky): all it needs is a step.
cv::Mat sideOfStep(const cv::Mat& picture, const ColourStep& step);

// `region` (working size) as a latent map [h, w] in {0, 1}: a latent pixel is inside when at
// least `coverage` of its pixels are.
at::Tensor regionToLatent(const cv::Mat& region, int latentScale, const at::TensorOptions& options, double coverage = 0.5);

}  // namespace dragdiff::drag
