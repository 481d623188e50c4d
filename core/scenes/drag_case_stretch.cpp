// Stretch cases: one edge of an object is pulled outward or pushed inward along an axis. The
// ideal scales the outline along that axis with the opposite edge's line fixed (the paint frame
// stretches the shading and texture with it) and re-renders the scene.
#include "scenes/drag_case_builders.h"
#include "scenes/object_transform.h"
#include "scenes/scene_rng.h"

#include <algorithm>
#include <cmath>

namespace dragdiff::scenes {
namespace {

constexpr uint64_t kStreamStretch = 0x57e7;
constexpr double kPi = 3.14159265358979323846;
constexpr int kAttempts = 24;
// The handle this many pixels inside the dragged edge.
constexpr float kEdgeInset = 2.0f;

}  // namespace

std::optional<DragCase> makeStretchCase(uint64_t sceneSeed, int size) {
    const SceneLayout layout = layoutScene(sceneSeed);
    Rng rng(mixSeed(sceneSeed, kStreamStretch));
    for (int attempt = 0; attempt < kAttempts; ++attempt) {
        const int subject = rng.uniformInt(0, int(layout.objects.size()) - 1);
        const double angle = rng.uniform(0, 2 * kPi);
        const bool outward = rng.chance(0.65);
        const double amount = outward ? rng.uniform(0.3, 0.7) : rng.uniform(0.2, 0.35);
        const ObjectLayout& obj = layout.objects[size_t(subject)];
        const cv::Point2f axis(float(std::cos(angle)), float(std::sin(angle)));
        float lo = 1e9f, hi = -1e9f;
        for (const cv::Point2f& p : obj.outline) lo = std::min(lo, p.dot(axis)), hi = std::max(hi, p.dot(axis));
        const float width = hi - lo, factor = float(outward ? 1 + amount : 1 - amount);
        const double drag = std::abs(double(factor) - 1) * double(width) * size;
        if (drag < kMinDragFraction * size || drag > kMaxDragFraction * size) continue;
        const cv::Point2f pivot = obj.centre + axis * lo;  // on the opposite edge's line
        const Affine2 map = stretchAlong(pivot, axis, factor);
        SceneLayout ideal = layout;
        ideal.objects[size_t(subject)] = transformedObject(obj, map);
        if (!deformedFits(layout, ideal.objects[size_t(subject)], subject)) continue;

        DragCase c = objectCase(DragKind::Stretch, outward ? "outward" : "inward", sceneSeed, size, layout, ideal, subject,
                                {CasePair{}});
        const cv::Point2f handle = pointInsideEdge(c.subjectMask, axis, kEdgeInset);
        const cv::Point2f target = toPixels(map(toNormalised(handle, size)), size);
        c.pairs = {CasePair{handle, target}};
        c.handle = handle;
        c.target = target;
        c.offset = cv::Point(int(std::lround(target.x - handle.x)), int(std::lround(target.y - handle.y)));
        Landmark edge;
        edge.kind = LandmarkKind::Extreme;
        edge.direction = axis;
        edge.dragLength = cv::norm(target - handle);
        Landmark opposite = edge;
        opposite.direction = -axis;
        c.landmarks = {edge};
        c.anchors = {opposite};
        return c;
    }
    return std::nullopt;
}

}  // namespace dragdiff::scenes
