#pragma once
// Deformed copies of a laid-out object, for the ideal results of the benchmark's reshape cases:
// the outline (and limb) is transformed as geometry and re-rendered, and the paint frame makes
// the shading and texture follow, so the ideal is what the object would look like had it been
// drawn that way — not warped pixels.
#include "scenes/scene_layout.h"

#include <opencv2/core.hpp>

namespace dragdiff::scenes {

// An affine map of normalised image coordinates: p' = A p + b.
struct Affine2 {
    cv::Matx22f a = cv::Matx22f(1, 0, 0, 1);
    cv::Point2f b;
    cv::Point2f operator()(cv::Point2f p) const { return {a(0, 0) * p.x + a(0, 1) * p.y + b.x, a(1, 0) * p.x + a(1, 1) * p.y + b.y}; }
    Affine2 inverse() const;
    Affine2 then(const Affine2& next) const;  // next ∘ this
};

Affine2 translation(cv::Point2f by);
Affine2 rotationAbout(cv::Point2f pivot, float radians);
Affine2 scalingAbout(cv::Point2f pivot, float factor);
// Scales by `factor` along the unit vector `axis` only, with the line through `pivot`
// perpendicular to the axis fixed (a stretch with its opposite edge held).
Affine2 stretchAlong(cv::Point2f pivot, cv::Point2f axis, float factor);

// `object` with `map` (image coordinates) applied to its outline and limb. The centre stays where
// it is (the outline moves relative to it), so the paint frame composes with any earlier one. The
// radius stays too: it is the paint's scale; placement checks use enclosingRadius().
ObjectLayout transformedObject(const ObjectLayout& object, const Affine2& map);
// Only the limb rotated by `radians` about `joint` (image coordinates); the body and its paint stay.
ObjectLayout limbRotated(const ObjectLayout& object, cv::Point2f joint, float radians);

// The radius about `centre` that encloses the outline and the limb (placementFits' radius).
float enclosingRadius(const ObjectLayout& object);

// Pixel (integer centres) <-> normalised coordinates at `size`.
inline cv::Point2f toPixels(cv::Point2f p, int size) { return {p.x * float(size) - 0.5f, p.y * float(size) - 0.5f}; }
inline cv::Point2f toNormalised(cv::Point2f p, int size) { return {(p.x + 0.5f) / float(size), (p.y + 0.5f) / float(size)}; }

}  // namespace dragdiff::scenes
