#include "scenes/object_transform.h"

#include <algorithm>
#include <cmath>

namespace dragdiff::scenes {

Affine2 Affine2::inverse() const {
    const cv::Matx22f inv = a.inv();
    Affine2 r;
    r.a = inv;
    r.b = -cv::Point2f(inv(0, 0) * b.x + inv(0, 1) * b.y, inv(1, 0) * b.x + inv(1, 1) * b.y);
    return r;
}

Affine2 Affine2::then(const Affine2& next) const {
    Affine2 r;
    r.a = next.a * a;
    r.b = next(b);
    return r;
}

Affine2 translation(cv::Point2f by) {
    Affine2 r;
    r.b = by;
    return r;
}

Affine2 rotationAbout(cv::Point2f pivot, float radians) {
    const float c = std::cos(radians), s = std::sin(radians);
    Affine2 r;
    r.a = cv::Matx22f(c, -s, s, c);
    r.b = pivot - cv::Point2f(c * pivot.x - s * pivot.y, s * pivot.x + c * pivot.y);
    return r;
}

Affine2 scalingAbout(cv::Point2f pivot, float factor) {
    Affine2 r;
    r.a = cv::Matx22f(factor, 0, 0, factor);
    r.b = pivot * (1 - factor);
    return r;
}

Affine2 stretchAlong(cv::Point2f pivot, cv::Point2f axis, float factor) {
    // I + (f - 1) a aᵀ, fixing the pivot.
    const float k = factor - 1;
    Affine2 r;
    r.a = cv::Matx22f(1 + k * axis.x * axis.x, k * axis.x * axis.y, k * axis.x * axis.y, 1 + k * axis.y * axis.y);
    r.b = pivot - cv::Point2f(r.a(0, 0) * pivot.x + r.a(0, 1) * pivot.y, r.a(1, 0) * pivot.x + r.a(1, 1) * pivot.y);
    return r;
}

ObjectLayout transformedObject(const ObjectLayout& object, const Affine2& map) {
    // In the object's frame (offsets from its centre) the map is p -> A p + (map(c) - c).
    Affine2 local;
    local.a = map.a;
    local.b = map(object.centre) - object.centre;
    ObjectLayout out = object;
    for (cv::Point2f& p : out.outline) p = local(p);
    for (cv::Point2f& p : out.limb) p = local(p);
    // Paint is looked up where the drawn point came from: the old frame after the inverse map.
    const Affine2 back = local.inverse();
    Affine2 frame;
    if (object.hasPaintFrame) {
        const cv::Matx23f& f = object.paintFrame;
        frame.a = cv::Matx22f(f(0, 0), f(0, 1), f(1, 0), f(1, 1));
        frame.b = cv::Point2f(f(0, 2), f(1, 2));
    }
    const Affine2 composed = back.then(frame);
    out.paintFrame = cv::Matx23f(composed.a(0, 0), composed.a(0, 1), composed.b.x, composed.a(1, 0), composed.a(1, 1), composed.b.y);
    out.hasPaintFrame = true;
    return out;
}

ObjectLayout limbRotated(const ObjectLayout& object, cv::Point2f joint, float radians) {
    const Affine2 r = rotationAbout(joint - object.centre, radians);
    ObjectLayout out = object;
    for (cv::Point2f& p : out.limb) p = r(p);
    return out;
}

float enclosingRadius(const ObjectLayout& object) {
    float r = 0;
    for (const auto* part : {&object.outline, &object.limb})
        for (const cv::Point2f& p : *part) r = std::max(r, float(std::hypot(p.x, p.y)));
    return r * 1.001f;
}

}  // namespace dragdiff::scenes
