// What the object drag-case kinds share: the fit check of a deformed object, rendering source and
// ideal, and handles just inside an edge.
#include "scenes/drag_case_builders.h"
#include "scenes/object_transform.h"
#include "scenes/scene_render.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace dragdiff::scenes {

cv::Mat othersMask(const Scene& scene, int subject) {
    cv::Mat out = cv::Mat::zeros(scene.rgb.size(), CV_8UC1);
    for (size_t k = 0; k < scene.objects.size(); ++k)
        if (int(k) != subject) out |= scene.objects[k].mask;
    return out;
}

bool deformedFits(const SceneLayout& layout, const ObjectLayout& object, int skip) {
    const cv::Rect2f box = outlineBox(object, object.centre);
    if (box.x < kBorderGap || box.y < kBorderGap || box.br().x > 1 - kBorderGap || box.br().y > 1 - kBorderGap) return false;
    const float radius = enclosingRadius(object);
    for (size_t i = 0; i < layout.objects.size(); ++i) {
        if (int(i) == skip) continue;
        const ObjectLayout& other = layout.objects[i];
        if (cv::norm(object.centre - other.centre) < double(radius + enclosingRadius(other) + kObjectGap)) return false;
    }
    return true;
}

DragCase objectCase(DragKind kind, const char* variant, uint64_t sceneSeed, int size, const SceneLayout& layout,
                    const SceneLayout& ideal, int subject, std::vector<CasePair> pairs) {
    DragCase c;
    c.kind = kind;
    c.variant = variant;
    c.caseSeed = sceneSeed;
    c.sceneSeed = sceneSeed;
    c.size = size;
    c.subject = subject;
    c.source = renderScene(layout, size);
    c.expected = renderScene(ideal, size);
    c.pairs = std::move(pairs);
    c.handle = c.pairs.at(0).handle;
    c.target = c.pairs.at(0).target;
    const cv::Point2f d = c.target - c.handle;
    c.offset = cv::Point(int(std::lround(d.x)), int(std::lround(d.y)));
    c.subjectMask = c.source.objects[size_t(subject)].mask;
    c.idealMask = c.expected.objects[size_t(subject)].mask;
    c.othersMask = othersMask(c.source, subject);
    const int margin = std::max(2, int(std::lround(kMaskBoxMarginFraction * size)));
    cv::Rect box = c.source.objects[size_t(subject)].box | c.expected.objects[size_t(subject)].box;
    box = cv::Rect(box.x - margin, box.y - margin, box.width + 2 * margin, box.height + 2 * margin);
    c.maskBox = box & cv::Rect(0, 0, size, size);
    return c;
}

cv::Point2f pointInsideEdge(const cv::Mat& mask, cv::Point2f direction, float inset) {
    const cv::Moments m = cv::moments(mask, true);
    const cv::Point2f centroid(float(m.m10 / std::max(m.m00, 1.0)), float(m.m01 / std::max(m.m00, 1.0)));
    const cv::Point2f normal(-direction.y, direction.x);
    std::vector<cv::Point> pixels;
    cv::findNonZero(mask, pixels);
    float best = -1e9f;
    for (const cv::Point& p : pixels) best = std::max(best, (cv::Point2f(p) - centroid).dot(direction));
    // Within half a pixel of the farthest counts as the edge; there, the most central pixel.
    float bestOff = 1e9f;
    cv::Point2f at = centroid;
    for (const cv::Point& p : pixels) {
        const cv::Point2f q(p);
        const float off = std::abs((q - centroid).dot(normal));
        if ((q - centroid).dot(direction) >= best - 0.5f && off < bestOff) bestOff = off, at = q;
    }
    return at - direction * inset;
}

}  // namespace dragdiff::scenes
