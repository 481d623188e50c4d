// The objects of a scene: their outlines, where they go, and which colour each one gets.
#include "dragdiff/error.h"
#include "scenes/scene_layout.h"
#include "scenes/scene_render.h"
#include "scenes/scene_rng.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <string>

namespace dragdiff::scenes {
namespace {

constexpr uint64_t kStreamObjects = 16;
constexpr float kPi = 3.14159265358979f;
// Colours are checked against the background rendered this small: cheap, and the same for
// every output size, so a seed keeps its colours at 64 and at 128 px.
constexpr int kColourCheckSize = 32;
// How far around an object's box the background is sampled for the colour check.
constexpr float kColourCheckRing = 0.08f;
constexpr int kHues = 12;
// A background pixel at least this saturated counts as coloured, and an object's hue must then be
// this many degrees away from it.
constexpr float kColouredBackground = 0.3f;
constexpr float kMinBackgroundHueDistance = 35.f;

// OpenCV 4.6 has no boundingRect2f.
cv::Rect2f pointsBox(const std::vector<cv::Point2f>& points) {
    float x0 = points[0].x, y0 = points[0].y, x1 = x0, y1 = y0;
    for (const cv::Point2f& p : points) x0 = std::min(x0, p.x), y0 = std::min(y0, p.y), x1 = std::max(x1, p.x), y1 = std::max(y1, p.y);
    return {x0, y0, x1 - x0, y1 - y0};
}

std::vector<cv::Point2f> rotated(std::vector<cv::Point2f> points, float angle) {
    const float c = std::cos(angle), s = std::sin(angle);
    for (cv::Point2f& p : points) p = {c * p.x - s * p.y, s * p.x + c * p.y};
    return points;
}

std::vector<cv::Point2f> circleOutline() {
    constexpr int kSegments = 96;
    std::vector<cv::Point2f> pts;
    for (int i = 0; i < kSegments; ++i) {
        const float a = 2 * kPi * float(i) / kSegments;
        pts.push_back({std::cos(a), std::sin(a)});
    }
    return pts;
}

std::vector<cv::Point2f> roundedRectOutline(Rng& rng) {
    constexpr int kCornerSegments = 10;
    float w = 1.f, h = float(rng.uniform(0.55, 1.0));
    if (rng.chance(0.5)) std::swap(w, h);
    const float r = std::min(w, h) * float(rng.uniform(0.12, 0.3));
    const std::array<cv::Point2f, 4> corners = {{{w / 2 - r, -h / 2 + r}, {w / 2 - r, h / 2 - r}, {-w / 2 + r, h / 2 - r}, {-w / 2 + r, -h / 2 + r}}};
    std::vector<cv::Point2f> pts;
    for (int c = 0; c < 4; ++c) {
        for (int i = 0; i <= kCornerSegments; ++i) {
            const float a = -kPi / 2 + kPi / 2 * (float(c) + float(i) / kCornerSegments);
            pts.push_back(corners[c] + cv::Point2f(r * std::cos(a), r * std::sin(a)));
        }
    }
    return rotated(pts, float(rng.uniform(-0.45, 0.45)));
}

std::vector<cv::Point2f> triangleOutline(Rng& rng) {
    std::vector<cv::Point2f> pts;
    for (int i = 0; i < 3; ++i) {
        const float a = -kPi / 2 + 2 * kPi / 3 * float(i) + float(rng.uniform(-0.15, 0.15));
        const float r = float(rng.uniform(0.9, 1.1));
        pts.push_back({r * std::cos(a), r * std::sin(a)});
    }
    return rotated(pts, float(rng.uniform(-0.35, 0.35)));
}

std::vector<cv::Point2f> starOutline(Rng& rng) {
    const int points = rng.chance(0.75) ? 5 : 6;
    const float inner = float(rng.uniform(0.45, 0.56));
    const float start = -kPi / 2 + float(rng.uniform(-0.3, 0.3));
    std::vector<cv::Point2f> pts;
    for (int i = 0; i < 2 * points; ++i) {
        const float a = start + kPi * float(i) / float(points);
        const float r = i % 2 ? inner : 1.f;
        pts.push_back({r * std::cos(a), r * std::sin(a)});
    }
    return pts;
}

std::vector<cv::Point2f> blobOutline(Rng& rng) {
    constexpr int kSegments = 96;
    std::array<float, 3> amp, phase;
    for (int k = 0; k < 3; ++k) {
        amp[k] = float(rng.uniform(0.04, 0.14)) / float(k + 1);
        phase[k] = float(rng.uniform(0, 2 * kPi));
    }
    const float stretch = float(rng.uniform(0.75, 1.0)), tilt = float(rng.uniform(0, kPi));
    std::vector<cv::Point2f> pts;
    for (int i = 0; i < kSegments; ++i) {
        const float a = 2 * kPi * float(i) / kSegments;
        float r = 1;
        for (int k = 0; k < 3; ++k) r += amp[k] * std::cos(float(k + 2) * a + phase[k]);
        pts.push_back({r * std::cos(a), stretch * r * std::sin(a)});
    }
    return rotated(pts, tilt);
}

// An object of `kind` whose box's longer side is `extent`, centred on its enclosing circle.
ObjectLayout makeObject(Rng& rng, ObjectKind kind, float extent) {
    ObjectLayout obj;
    obj.kind = kind;
    switch (kind) {
        case ObjectKind::Circle: obj.outline = circleOutline(); break;
        case ObjectKind::RoundedRect: obj.outline = roundedRectOutline(rng); break;
        case ObjectKind::Triangle: obj.outline = triangleOutline(rng); break;
        case ObjectKind::Star: obj.outline = starOutline(rng); break;
        case ObjectKind::Blob: obj.outline = blobOutline(rng); break;
        case ObjectKind::Limbed: throw Error("limbed objects are made by the bend drag cases, not drawn at random");
    }
    const cv::Rect2f box = pointsBox(obj.outline);
    const float scale = extent / std::max(box.width, box.height);
    for (cv::Point2f& p : obj.outline) p *= scale;
    cv::Point2f centre;
    cv::minEnclosingCircle(obj.outline, centre, obj.radius);
    for (cv::Point2f& p : obj.outline) p -= centre;
    obj.radius *= 1.001f;  // minEnclosingCircle can sit a hair inside the farthest vertex
    obj.extent = extent;

    const bool roomForPattern = extent >= 0.2f;
    const double t = rng.uniform();
    if (roomForPattern)
        obj.texture = t < 0.25 ? ObjectTexture::Plain : t < 0.6 ? ObjectTexture::Glossy : t < 0.8 ? ObjectTexture::Stripes : ObjectTexture::Dots;
    else
        obj.texture = t < 0.45 ? ObjectTexture::Plain : ObjectTexture::Glossy;
    obj.textureAngle = float(rng.uniform(0, kPi));
    obj.texturePeriod = extent / float(rng.uniform(3.0, 4.0));
    return obj;
}

cv::Vec3b hsvToRgb(float hueDegrees, float s, float v) {
    const float h = std::fmod(hueDegrees + 360.f, 360.f) / 60.f;
    const float c = v * s, x = c * (1 - std::abs(std::fmod(h, 2.f) - 1)), m = v - c;
    float r = 0, g = 0, b = 0;
    switch (int(h)) {
        case 0: r = c, g = x; break;
        case 1: r = x, g = c; break;
        case 2: g = c, b = x; break;
        case 3: g = x, b = c; break;
        case 4: r = x, b = c; break;
        default: r = c, b = x; break;
    }
    auto q = [m](float u) { return cv::saturate_cast<uchar>((u + m) * 255.f); };
    return {q(r), q(g), q(b)};
}

// Hue in degrees and saturation of an RGB colour.
void hueSaturation(const cv::Vec3b& c, float& hue, float& saturation) {
    const float r = c[0] / 255.f, g = c[1] / 255.f, b = c[2] / 255.f;
    const float hi = std::max({r, g, b}), lo = std::min({r, g, b}), d = hi - lo;
    saturation = hi > 0 ? d / hi : 0;
    if (d <= 0) {
        hue = 0;
        return;
    }
    hue = hi == r ? 60 * std::fmod((g - b) / d + 6, 6.f) : hi == g ? 60 * ((b - r) / d + 2) : 60 * ((r - g) / d + 4);
}

float hueDistance(float a, float b) {
    const float d = std::fmod(std::abs(a - b), 360.f);
    return std::min(d, 360 - d);
}

double colourDistance(const cv::Vec3b& a, const cv::Vec3b& b) {
    const double dr = double(a[0]) - b[0], dg = double(a[1]) - b[1], db = double(a[2]) - b[2];
    return std::sqrt(dr * dr + dg * dg + db * db);
}

// Background pixels of the small reference render around the object: its box grown by
// kColourCheckRing, minus the outline grown by a pixel (edge pixels are part object).
std::vector<cv::Vec3b> backgroundAround(const cv::Mat& reference, const ObjectLayout& obj, cv::Point2f centre) {
    const float n = float(reference.cols);
    const cv::Rect2f box = outlineBox(obj, centre);
    const int x0 = std::max(0, int(std::floor((box.x - kColourCheckRing) * n)));
    const int y0 = std::max(0, int(std::floor((box.y - kColourCheckRing) * n)));
    const int x1 = std::min(reference.cols - 1, int(std::ceil((box.br().x + kColourCheckRing) * n)));
    const int y1 = std::min(reference.rows - 1, int(std::ceil((box.br().y + kColourCheckRing) * n)));
    cv::Mat inside = cv::Mat::zeros(y1 - y0 + 1, x1 - x0 + 1, CV_8UC1);
    std::vector<cv::Point> outline;
    for (const cv::Point2f& p : obj.outline) {
        const cv::Point2f q = (p + centre) * n - cv::Point2f(float(x0) + 0.5f, float(y0) + 0.5f);
        outline.emplace_back(int(std::lround(q.x * 16)), int(std::lround(q.y * 16)));
    }
    cv::fillPoly(inside, std::vector<std::vector<cv::Point>>{outline}, cv::Scalar(255), cv::LINE_8, 4);
    cv::dilate(inside, inside, cv::Mat());
    std::vector<cv::Vec3b> samples;
    for (int y = y0; y <= y1; ++y)
        for (int x = x0; x <= x1; ++x)
            if (!inside.at<uchar>(y - y0, x - x0)) samples.push_back(reference.at<cv::Vec3b>(y, x));
    return samples;
}

// A saturated colour far from the other objects' and from the background around; false if none of
// the hues works here.
bool chooseColour(Rng& rng, const SceneLayout& layout, const std::vector<cv::Vec3b>& around, cv::Vec3b& out) {
    std::array<int, kHues> hues;
    for (int i = 0; i < kHues; ++i) hues[i] = i;
    for (int i = kHues - 1; i > 0; --i) std::swap(hues[i], hues[rng.uniformInt(0, i)]);
    for (int hue : hues) {
        const float h = float(hue) * 360.f / kHues + float(rng.uniform(-8, 8));
        const cv::Vec3b c = hsvToRgb(h, float(rng.uniform(0.75, 1.0)), float(rng.uniform(0.85, 1.0)));
        bool ok = true;
        for (const ObjectLayout& other : layout.objects) ok = ok && colourDistance(c, other.colour) >= kMinObjectColourDistance;
        for (const cv::Vec3b& b : around) {
            // RGB distance alone lets a bright green star sit on a green field or a blue one on a
            // navy night sky; a coloured background also needs a different hue.
            float bh = 0, bs = 0;
            hueSaturation(b, bh, bs);
            ok = ok && colourDistance(c, b) >= kMinBackgroundColourDistance &&
                 (bs < kColouredBackground || hueDistance(h, bh) >= kMinBackgroundHueDistance);
        }
        if (ok) {
            out = c;
            return true;
        }
    }
    return false;
}

void placeObjects(Rng& rng, SceneLayout& layout, const cv::Mat& reference) {
    const double r = rng.uniform();
    const int wanted = r < 0.3 ? 1 : r < 0.7 ? 2 : 3;
    for (int n = 0; n < wanted; ++n) {
        const auto kind = ObjectKind(rng.uniformInt(0, kObjectKindCount - 1));
        float extent = float(rng.uniform(kMinObjectExtent, kMaxObjectExtent));
        bool placed = false;
        for (int shape = 0; shape < 4 && !placed; ++shape, extent = std::max(kMinObjectExtent, extent * 0.85f)) {
            ObjectLayout obj = makeObject(rng, kind, extent);
            const cv::Rect2f box = outlineBox(obj, {0, 0});
            for (int attempt = 0; attempt < 30 && !placed; ++attempt) {
                const cv::Point2f centre(float(rng.uniform(kBorderGap - box.x, 1 - kBorderGap - box.br().x)),
                                         float(rng.uniform(kBorderGap - box.y, 1 - kBorderGap - box.br().y)));
                if (!placementFits(layout, obj, centre, -1)) continue;
                if (!chooseColour(rng, layout, backgroundAround(reference, obj, centre), obj.colour)) continue;
                obj.centre = centre;
                layout.objects.push_back(std::move(obj));
                placed = true;
            }
        }
    }
}

}  // namespace

const char* objectKindName(ObjectKind kind) {
    switch (kind) {
        case ObjectKind::Circle: return "circle";
        case ObjectKind::RoundedRect: return "rounded_rect";
        case ObjectKind::Triangle: return "triangle";
        case ObjectKind::Star: return "star";
        case ObjectKind::Blob: return "blob";
        case ObjectKind::Limbed: return "limbed";
    }
    return "?";
}

cv::Rect2f outlineBox(const ObjectLayout& object, cv::Point2f centre) {
    cv::Rect2f box = pointsBox(object.outline);
    if (!object.limb.empty()) box |= pointsBox(object.limb);
    box.x += centre.x;
    box.y += centre.y;
    return box;
}

bool placementFits(const SceneLayout& layout, const ObjectLayout& object, cv::Point2f centre, int skip) {
    const cv::Rect2f box = outlineBox(object, centre);
    if (box.x < kBorderGap || box.y < kBorderGap || box.br().x > 1 - kBorderGap || box.br().y > 1 - kBorderGap) return false;
    for (size_t i = 0; i < layout.objects.size(); ++i) {
        if (int(i) == skip) continue;
        const ObjectLayout& other = layout.objects[i];
        if (cv::norm(centre - other.centre) < double(object.radius + other.radius + kObjectGap)) return false;
    }
    return true;
}

SceneLayout layoutScene(uint64_t seed) {
    SceneLayout layout;
    layout.seed = seed;
    layout.background = layoutBackground(seed);
    // 2x supersampling is plenty for a colour reference and a quarter of the usual cost.
    cv::Mat reference;
    cv::resize(renderBackgroundCanvas(layout.background, kColourCheckSize * 2), reference,
               cv::Size(kColourCheckSize, kColourCheckSize), 0, 0, cv::INTER_AREA);
    reference.convertTo(reference, CV_8UC3);
    // An empty scene is possible in principle (every hue clashing everywhere); draw again from a
    // derived object stream rather than hand out a scene without a subject.
    for (uint64_t round = 0; round < 16 && layout.objects.empty(); ++round) {
        Rng rng(mixSeed(seed, kStreamObjects + round));
        placeObjects(rng, layout, reference);
    }
    if (layout.objects.empty()) throw Error("scene seed " + std::to_string(seed) + ": no object could be placed");
    return layout;
}

}  // namespace dragdiff::scenes
