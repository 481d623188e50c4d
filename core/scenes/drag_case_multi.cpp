// Multi cases: two pairs on one object that together ask for a similarity or an affine change —
// scale (both ends of an axis pulled apart or pushed together), rotate (both ends of the object's
// long axis turned about its centre), or move + stretch (the middle dragged, and one edge dragged
// further). The ideal applies that transform to the outline and the paint frame and re-renders;
// each pair's target is where the transform takes its handle.
#include "scenes/drag_case_builders.h"
#include "scenes/object_transform.h"
#include "scenes/scene_rng.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace dragdiff::scenes {
namespace {

constexpr uint64_t kStreamMulti = 0x3a17;
constexpr double kPi = 3.14159265358979323846;
constexpr int kAttempts = 24;
constexpr float kEdgeInset = 2.0f;
// Rotating a round object changes nothing a person sees: rotate only elongated ones.
constexpr double kMinElongation = 1.3;

// The mask's long axis (unit vector) and the ratio of its principal second moments' roots.
cv::Point2f longAxis(const cv::Mat& mask, double& elongation) {
    const cv::Moments m = cv::moments(mask, true);
    const double a = m.mu20 / m.m00, b = m.mu11 / m.m00, c = m.mu02 / m.m00;
    const double root = std::sqrt(std::max(0.0, (a - c) * (a - c) / 4 + b * b));
    const double l1 = (a + c) / 2 + root, l2 = std::max(1e-9, (a + c) / 2 - root);
    elongation = std::sqrt(l1 / l2);
    const double theta = 0.5 * std::atan2(2 * b, a - c);
    return {float(std::cos(theta)), float(std::sin(theta))};
}

Landmark extreme(cv::Point2f direction, double drag) {
    Landmark l;
    l.kind = LandmarkKind::Extreme;
    l.direction = direction / float(cv::norm(direction));
    l.dragLength = drag;
    return l;
}

}  // namespace

std::optional<DragCase> makeMultiCase(uint64_t sceneSeed, int size) {
    const SceneLayout layout = layoutScene(sceneSeed);
    Rng rng(mixSeed(sceneSeed, kStreamMulti));
    const float s = float(size);
    for (int attempt = 0; attempt < kAttempts; ++attempt) {
        const int subject = rng.uniformInt(0, int(layout.objects.size()) - 1);
        const int variant = rng.uniformInt(0, 2);  // 0 scale, 1 rotate, 2 move + stretch
        const double angle = rng.uniform(0, 2 * kPi), amount = rng.uniform(), turnDraw = rng.uniform();
        const bool grow = rng.chance(0.6), clockwise = rng.chance(0.5);
        const double moveAngle = rng.uniform(0, 2 * kPi), moveLength = rng.uniform(0.08, 0.16);
        const ObjectLayout& obj = layout.objects[size_t(subject)];
        const cv::Point2f axis(float(std::cos(angle)), float(std::sin(angle)));

        // The source's mask, for the handles and the long axis (rendered once per attempt that gets this far).
        Affine2 map;
        const char* name = "";
        if (variant == 0) {
            name = "scale";
            const float factor = float(grow ? 1.35 + 0.3 * amount : 0.6 + 0.12 * amount);
            map = scalingAbout(obj.centre, factor);
        } else if (variant == 1) {
            name = "rotate";
            const float turn = float(0.6 + 0.4 * turnDraw) * (clockwise ? 1.f : -1.f);
            map = rotationAbout(obj.centre, turn);
        } else {
            name = "move+stretch";
            const cv::Point2f by(float(moveLength * std::cos(moveAngle)), float(moveLength * std::sin(moveAngle)));
            float lo = 1e9f;
            for (const cv::Point2f& p : obj.outline) lo = std::min(lo, p.dot(axis));
            const Affine2 move = translation(by);
            map = move.then(stretchAlong(obj.centre + by + axis * lo, axis, float(1.3 + 0.3 * amount)));
        }
        SceneLayout ideal = layout;
        ideal.objects[size_t(subject)] = transformedObject(obj, map);
        if (!deformedFits(layout, ideal.objects[size_t(subject)], subject)) continue;

        DragCase c = objectCase(DragKind::Multi, name, sceneSeed, size, layout, ideal, subject, {CasePair{}});
        auto mapped = [&](cv::Point2f handle) { return toPixels(map(toNormalised(handle, size)), size); };
        std::vector<CasePair> pairs;
        std::vector<Landmark> landmarks;
        if (variant == 2) {
            const cv::Moments m = cv::moments(c.subjectMask, true);
            cv::Point2f middle(float(m.m10 / m.m00), float(m.m01 / m.m00));
            middle = cv::Point2f(std::round(middle.x), std::round(middle.y));
            if (!c.subjectMask.at<uchar>(int(middle.y), int(middle.x))) continue;  // a hollow middle (a star's arms)
            pairs.push_back({middle, mapped(middle)});
            Landmark centroid;
            centroid.dragLength = cv::norm(pairs.back().target - middle);
            landmarks.push_back(centroid);
            const cv::Point2f edge = pointInsideEdge(c.subjectMask, axis, kEdgeInset);
            pairs.push_back({edge, mapped(edge)});
            landmarks.push_back(extreme(axis, cv::norm(pairs.back().target - edge)));
        } else {
            double elongation = 1;
            cv::Point2f u = variant == 1 ? longAxis(c.subjectMask, elongation) : axis;
            if (variant == 1 && elongation < kMinElongation) continue;
            for (const cv::Point2f d : {u, -u}) {
                const cv::Point2f h = pointInsideEdge(c.subjectMask, d, kEdgeInset);
                pairs.push_back({h, mapped(h)});
                // Where the transformed end points: the map's linear part applied to the direction.
                const cv::Point2f dd(map.a(0, 0) * d.x + map.a(0, 1) * d.y, map.a(1, 0) * d.x + map.a(1, 1) * d.y);
                landmarks.push_back(extreme(dd, cv::norm(pairs.back().target - h)));
            }
        }
        bool longEnough = true;
        for (const CasePair& p : pairs) longEnough = longEnough && cv::norm(p.target - p.handle) >= 0.04 * s;
        if (!longEnough) continue;
        c.pairs = pairs;
        c.handle = pairs[0].handle;
        c.target = pairs[0].target;
        c.offset = cv::Point(int(std::lround(c.target.x - c.handle.x)), int(std::lround(c.target.y - c.handle.y)));
        c.landmarks = landmarks;
        return c;
    }
    return std::nullopt;
}

}  // namespace dragdiff::scenes
