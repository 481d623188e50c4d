#pragma once
// A limb: a thin part sticking out of a larger body (a tail, a branch, an arm, a handle). Dragging
// its tip bends it: the limb turns (and lengthens or shortens) about the joint where it meets the
// body, and the body stays.
#include "dragdiff/engine.h"

#include <opencv2/core.hpp>

#include <optional>

namespace dragdiff::drag {

struct Limb {
    cv::Mat pixels;  // CV_8UC1, 1 on the limb (the region's size)
    PointF joint;    // where it meets the body, in the region's pixels
};

// The limb of `region` (CV_8UC1, non-zero inside) that `handle` (in its pixels) is on, if the
// handle is on one: the thinnest opening of the region that cuts the handle's protrusion off a body
// at least as large as the rest, and the protrusion is longer than it is thick.
std::optional<Limb> findLimb(const cv::Mat& region, PointF handle);

}  // namespace dragdiff::drag
