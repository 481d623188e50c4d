// Bend cases: a body with a limb (an ellipse and a capsule, drawn as one shape) replaces one object
// of the scene, in its place and colour; the limb's tip is dragged along the arc of a rotation
// about the joint. The ideal rotates the limb's polygon about the joint and re-renders; the body
// stays. Only plain or glossy paint (the highlight sits on the body), so the rotated limb's
// shading is exactly what drawing it there gives.
#include "scenes/drag_case_builders.h"
#include "scenes/object_transform.h"
#include "scenes/scene_rng.h"

#include <algorithm>
#include <cmath>

namespace dragdiff::scenes {
namespace {

constexpr uint64_t kStreamBend = 0xbe4d;
constexpr float kPi = 3.14159265358979f;
constexpr int kAttempts = 24;
constexpr int kSegments = 48;
// The limb's half-thickness: a fraction of the object's extent, but wide enough to be seen at
// 128 px (the embedded model's size).
constexpr float kMinHalfThickness = 0.022f, kMaxHalfThickness = 0.032f;

std::vector<cv::Point2f> ellipse(float a, float b, float tilt) {
    std::vector<cv::Point2f> pts;
    const float c = std::cos(tilt), s = std::sin(tilt);
    for (int i = 0; i < 2 * kSegments; ++i) {
        const float t = 2 * kPi * float(i) / float(2 * kSegments);
        const float x = a * std::cos(t), y = b * std::sin(t);
        pts.push_back({c * x - s * y, s * x + c * y});
    }
    return pts;
}

// A stadium from `from` to `to` with half-thickness r.
std::vector<cv::Point2f> capsule(cv::Point2f from, cv::Point2f to, float r) {
    const cv::Point2f d = (to - from) / float(cv::norm(to - from));
    const float base = std::atan2(d.y, d.x);
    std::vector<cv::Point2f> pts;
    for (int i = 0; i <= kSegments / 2; ++i) {  // round end at `to`: from -90° to +90° about d
        const float a = base - kPi / 2 + kPi * float(i) / float(kSegments / 2);
        pts.push_back(to + r * cv::Point2f(std::cos(a), std::sin(a)));
    }
    for (int i = 0; i <= kSegments / 2; ++i) {  // round end at `from`
        const float a = base + kPi / 2 + kPi * float(i) / float(kSegments / 2);
        pts.push_back(from + r * cv::Point2f(std::cos(a), std::sin(a)));
    }
    return pts;
}

}  // namespace

std::optional<DragCase> makeBendCase(uint64_t sceneSeed, int size) {
    const SceneLayout layout = layoutScene(sceneSeed);
    Rng rng(mixSeed(sceneSeed, kStreamBend));
    for (int attempt = 0; attempt < kAttempts; ++attempt) {
        const int subject = rng.uniformInt(0, int(layout.objects.size()) - 1);
        const ObjectLayout& orig = layout.objects[size_t(subject)];
        const float extent = std::max(orig.extent, 0.2f);
        const float a = extent * float(rng.uniform(0.28, 0.34)), b = a * float(rng.uniform(0.6, 0.85));
        const float tilt = float(rng.uniform(0, kPi)), at = float(rng.uniform(0, 2 * kPi));
        const float length = extent * float(rng.uniform(0.5, 0.65));
        const float half = std::clamp(extent * 0.1f, kMinHalfThickness, kMaxHalfThickness);
        const float turn = float(rng.uniform(0.55, 1.0)) * (rng.chance(0.5) ? 1.f : -1.f);

        // The joint on the body's outline, the limb along the outline's normal there.
        const float c = std::cos(tilt), s = std::sin(tilt);
        const cv::Point2f local(a * std::cos(at), b * std::sin(at)), normalLocal(std::cos(at) / a, std::sin(at) / b);
        const cv::Point2f joint(c * local.x - s * local.y, s * local.x + c * local.y);
        cv::Point2f dir(c * normalLocal.x - s * normalLocal.y, s * normalLocal.x + c * normalLocal.y);
        dir /= float(cv::norm(dir));

        ObjectLayout limbed = orig;
        limbed.kind = ObjectKind::Limbed;
        limbed.outline = ellipse(a, b, tilt);
        limbed.limb = capsule(joint - dir * half, joint + dir * length, half);
        if (limbed.texture != ObjectTexture::Plain && limbed.texture != ObjectTexture::Glossy) limbed.texture = ObjectTexture::Plain;
        limbed.radius = enclosingRadius(limbed);
        limbed.extent = extent;
        limbed.hasPaintFrame = false;
        SceneLayout source = layout;
        source.objects[size_t(subject)] = limbed;
        if (!deformedFits(layout, limbed, subject)) continue;
        const cv::Point2f jointAt = orig.centre + joint;
        SceneLayout ideal = source;
        ideal.objects[size_t(subject)] = limbRotated(limbed, jointAt, turn);
        if (!deformedFits(layout, ideal.objects[size_t(subject)], subject)) continue;

        // The handle on the limb's axis where its round end begins (half a thickness inside the tip).
        const cv::Point2f tip = jointAt + dir * length;
        const cv::Point2f handle = toPixels(tip, size);
        const cv::Point2f target = toPixels(rotationAbout(jointAt, turn)(tip), size);
        const double drag = cv::norm(target - handle);
        if (drag < kMinDragFraction * size || drag > kMaxDragFraction * size) continue;

        DragCase out = objectCase(DragKind::Bend, "bend", sceneSeed, size, source, ideal, subject, {CasePair{handle, target}});
        Landmark limbTip;
        limbTip.kind = LandmarkKind::Extreme;
        const float cr = std::cos(turn), sr = std::sin(turn);
        limbTip.direction = cv::Point2f(cr * dir.x - sr * dir.y, sr * dir.x + cr * dir.y);
        limbTip.dragLength = drag;
        Landmark body = limbTip;
        body.direction = -dir;  // the body's far side, away from the limb
        out.landmarks = {limbTip};
        out.anchors = {body};
        return out;
    }
    return std::nullopt;
}

}  // namespace dragdiff::scenes
