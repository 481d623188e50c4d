// Peak cases: raise or lower the highest visible point of one mountain ridge. The ideal moves the
// ridge's samples by a smooth bump (a Gaussian as wide as the peak), so the peak's flanks follow
// and the skyline further away, the base and everything else stay; then the scene is re-rendered.
#include "scenes/drag_case_builders.h"
#include "scenes/object_transform.h"
#include "scenes/scene_render.h"
#include "scenes/scene_rng.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace dragdiff::scenes {
namespace {

constexpr uint64_t kStreamPeak = 0x9eab;
// A peak counts as visible when this far (normalised) above the nearer ridges and the ground.
constexpr float kVisibleMargin = 0.04f;
// Peaks are looked for away from the image's sides, so the bump fits.
constexpr float kPeakMinX = 0.18f, kPeakMaxX = 0.82f;
// The peak's half-width: how far the ridge goes before it has fallen this much.
constexpr float kWidthDrop = 0.03f;
constexpr float kMinSigma = 0.035f, kMaxSigma = 0.11f;
// The bump is measured out to this many sigmas (exp(-2.5^2) < 0.2% of the height).
constexpr float kRegionSigmas = 2.5f;
// A pixel belongs to the layer only where its two references differ by at least this (RGB).
constexpr double kObservableContrast = 20.0;
// Pixels between the ridge's drawn top and the top the colour finder sees, at most.
constexpr float kPeakTolerance = 1.5f;

float profileAt(const std::vector<float>& profile, float x) {
    const float at = std::clamp(x, 0.f, 1.f) * float(kRidgeSamples - 1);
    const int i = std::min(int(at), kRidgeSamples - 2);
    const float t = at - float(i);
    return profile[size_t(i)] + (profile[size_t(i) + 1] - profile[size_t(i)]) * t;
}

// The smallest y a nearer layer or the ground has at sample i (what hides layer `l` there).
float coverAt(const BackgroundLayout& bg, size_t l, int i) {
    float cover = bg.groundEdge[size_t(i)];
    for (size_t k = l + 1; k < bg.mountains.size(); ++k) cover = std::min(cover, bg.mountains[k].ridge[size_t(i)]);
    return cover;
}

SceneLayout withRidge(const SceneLayout& layout, size_t l, float value, bool snow = true) {
    SceneLayout out = layout;
    std::fill(out.background.mountains[l].ridge.begin(), out.background.mountains[l].ridge.end(), value);
    if (!snow) out.background.mountains[l].snowLine = -1;
    return out;
}

// Each layer reference's colour at (x, y) (snow where it is, and bare rock) that can be told from
// what lies behind there, passed to `use` with that colour behind.
template <class Use>
void forObservableReferences(const DragCase& c, int x, int y, Use use) {
    const cv::Vec3d b(c.behindReference.at<cv::Vec3b>(y, x));
    for (const cv::Mat* reference : {&c.layerReference, &c.bareLayerReference}) {
        if (reference->empty()) continue;
        const cv::Vec3d a(reference->at<cv::Vec3b>(y, x));
        if (cv::norm(a - b) >= kObservableContrast) use(a, b);
    }
}

}  // namespace

cv::Mat layerPixels(const cv::Mat& rgb, const DragCase& c) {
    CV_Assert(rgb.type() == CV_8UC3 && rgb.size() == c.layerReference.size() &&
              (c.bareLayerReference.empty() || rgb.size() == c.bareLayerReference.size()) && rgb.size() == c.behindReference.size());
    cv::Mat out = cv::Mat::zeros(rgb.size(), CV_8UC1);
    const cv::Rect r = c.layerRegion & cv::Rect(0, 0, rgb.cols, rgb.rows);
    for (int y = r.y; y < r.br().y; ++y)
        for (int x = r.x; x < r.br().x; ++x) {
            const cv::Vec3d p(rgb.at<cv::Vec3b>(y, x));
            forObservableReferences(c, x, y, [&](const cv::Vec3d& a, const cv::Vec3d& b) {
                if (cv::norm(p - a) < cv::norm(p - b)) out.at<uchar>(y, x) = 255;
            });
        }
    return out;
}

cv::Mat layerObservable(const DragCase& c) {
    cv::Mat out = cv::Mat::zeros(c.behindReference.size(), CV_8UC1);
    const cv::Rect r = c.layerRegion & cv::Rect(0, 0, out.cols, out.rows);
    for (int y = r.y; y < r.br().y; ++y)
        for (int x = r.x; x < r.br().x; ++x)
            forObservableReferences(c, x, y, [&](const cv::Vec3d&, const cv::Vec3d&) { out.at<uchar>(y, x) = 255; });
    return out;
}

int ridgeTop(const cv::Mat& layerMask, int column) {
    if (column < 0 || column >= layerMask.cols) return -1;
    for (int y = 0; y + kRidgeRun <= layerMask.rows; ++y) {
        bool run = true;
        for (int k = 0; k < kRidgeRun && run; ++k) run = layerMask.at<uchar>(y + k, column) != 0;
        if (run) return y;
    }
    return -1;
}

int layerBodyTop(const cv::Mat& layerMask, int column, const cv::Mat& observable, bool* floating) {
    if (floating) *floating = false;
    if (column < 0 || column >= layerMask.cols) return -1;
    // Runs of set pixels going down: one ends at two observable unset pixels in a row; pixels
    // where the layer cannot be seen bridge a run. Runs shorter than kRidgeRun are speckle.
    int top = -1, pieces = 0, start = -1, run = 0, gap = 0;
    auto close = [&] {
        if (start >= 0 && run >= kRidgeRun) top = start, ++pieces;
        start = -1, run = 0, gap = 0;
    };
    for (int y = 0; y < layerMask.rows; ++y) {
        if (layerMask.at<uchar>(y, column) != 0) {
            if (start < 0) start = y;
            ++run;
            gap = 0;
        } else if (start >= 0 && (observable.empty() || observable.at<uchar>(y, column) != 0) && ++gap > 1) {
            close();
        }
    }
    close();
    if (floating) *floating = pieces > 1;
    return pieces == 1 ? top : -1;
}

std::optional<DragCase> makePeakCase(uint64_t sceneSeed, int size) {
    const SceneLayout layout = layoutScene(sceneSeed);
    const BackgroundLayout& bg = layout.background;
    if (bg.mountains.empty()) return std::nullopt;
    Rng rng(mixSeed(sceneSeed, kStreamPeak));
    const size_t l = size_t(rng.uniformInt(0, int(bg.mountains.size()) - 1));
    const bool raise = rng.chance(0.65);
    const double heightDraw = rng.uniform(), columnJitter = rng.uniform(-0.5, 0.5);
    const std::vector<float>& ridge = bg.mountains[l].ridge;

    // The layer's highest visible sample.
    int peak = -1;
    for (int i = 0; i < kRidgeSamples; ++i) {
        const float x = float(i) / float(kRidgeSamples - 1);
        if (x < kPeakMinX || x > kPeakMaxX || ridge[size_t(i)] > coverAt(bg, l, i) - kVisibleMargin) continue;
        if (peak < 0 || ridge[size_t(i)] < ridge[size_t(peak)]) peak = i;
    }
    if (peak < 0) return std::nullopt;
    const float top = ridge[size_t(peak)];
    // The peak's width: walk down each flank until the ridge has fallen kWidthDrop.
    auto flank = [&](int step) {
        int i = peak;
        while (i + step >= 0 && i + step < kRidgeSamples && ridge[size_t(i)] - top < kWidthDrop) i += step;
        return std::abs(float(i - peak)) / float(kRidgeSamples - 1);
    };
    const float sigma = std::clamp(0.5f * (flank(-1) + flank(1)), kMinSigma, kMaxSigma);

    // Whole column, so the landmark sits on the pixel grid; the bump is centred on it.
    const int column = int(std::lround(float(peak) / float(kRidgeSamples - 1) * float(size) - 0.5f + float(columnJitter)));
    const float xp = (float(column) + 0.5f) / float(size);
    const float yTop = profileAt(ridge, xp);
    const float cover = coverAt(bg, l, peak);
    float height = raise ? float(kMinDragFraction + heightDraw * (0.18 - kMinDragFraction))
                         : float(0.06 + heightDraw * 0.06);
    // Raised: stays inside the image. Lowered: stays above what hides the layer, so it is still seen.
    if (raise) height = std::min(height, yTop - 0.05f);
    else height = std::min(height, cover - kVisibleMargin - yTop);
    if (height * float(size) < 0.06f * float(size) || height * float(size) < 4) return std::nullopt;
    const float sign = raise ? -1.f : 1.f;

    SceneLayout ideal = layout;
    std::vector<float>& moved = ideal.background.mountains[l].ridge;
    float lowest = yTop;
    for (int i = 0; i < kRidgeSamples; ++i) {
        const float x = float(i) / float(kRidgeSamples - 1), u = (x - xp) / sigma;
        moved[size_t(i)] += sign * height * std::exp(-u * u);
        if (std::abs(u) <= kRegionSigmas) lowest = std::max({lowest, ridge[size_t(i)], moved[size_t(i)]});
    }
    const float highest = std::min(yTop, yTop + sign * height);
    // Nothing may stand in the changed band.
    const cv::Rect2f band(xp - kRegionSigmas * sigma, highest - 0.03f, 2 * kRegionSigmas * sigma, lowest - highest + 0.06f);
    for (const ObjectLayout& obj : layout.objects)
        if ((outlineBox(obj, obj.centre) & band).area() > 0) return std::nullopt;

    DragCase c;
    c.kind = DragKind::Peak;
    c.variant = raise ? "raise" : "lower";
    c.caseSeed = c.sceneSeed = sceneSeed;
    c.size = size;
    c.subject = -1;
    c.source = renderScene(layout, size);
    c.expected = renderScene(ideal, size);
    c.layerReference = renderScene(withRidge(layout, l, -0.1f), size).rgb;
    c.behindReference = renderScene(withRidge(layout, l, 2.0f), size).rgb;
    const float s = float(size);
    const int x0 = std::max(0, int(std::floor((xp - kRegionSigmas * sigma) * s)));
    const int x1 = std::min(size, int(std::ceil((xp + kRegionSigmas * sigma) * s)));
    const int y0 = std::max(0, int(std::floor(highest * s)) - 3), y1 = std::min(size, int(std::ceil(lowest * s)) + 4);
    c.layerRegion = cv::Rect(x0, y0, x1 - x0, y1 - y0);
    // Cases are chosen on the layer as drawn, snow where it is, as before the bare rock's reference
    // came (each seed keeps its cases).
    const cv::Mat drawn = layerPixels(c.source.rgb, c), drawnIdeal = layerPixels(c.expected.rgb, c);
    c.bareLayerReference = renderScene(withRidge(layout, l, -0.1f, false), size).rgb;
    c.subjectMask = layerPixels(c.source.rgb, c);
    c.idealMask = layerPixels(c.expected.rgb, c);
    c.layerObservable = layerObservable(c);
    c.othersMask = othersMask(c.source, -1);
    // The peak must be measurable: its top found by colour where the geometry puts it, before and
    // after (a dark ridge on a night sky can be too close to what lies behind it).
    const int before = ridgeTop(drawn, column), after = ridgeTop(drawnIdeal, column);
    if (before < 0 || after < 0) return std::nullopt;
    if (std::abs(float(before) - (yTop * s - 0.5f)) > kPeakTolerance ||
        std::abs(float(after) - ((yTop + sign * height) * s - 0.5f)) > kPeakTolerance)
        return std::nullopt;
    // On the ridge line, a couple of pixels inside the rock; the target by the bump's height.
    c.handle = cv::Point2f(float(column), yTop * s - 0.5f + 2);
    c.target = c.handle + cv::Point2f(0, sign * height * s);
    c.offset = cv::Point(0, int(std::lround(sign * height * s)));
    c.pairs = {CasePair{c.handle, c.target}};
    Landmark peakTop;
    peakTop.kind = LandmarkKind::RidgeTop;
    peakTop.column = column;
    peakTop.dragLength = double(height * s);
    c.landmarks = {peakTop};
    // The skyline beside the bump, where the ideal left it: columns at 2 and 2.4 sigma each side.
    for (float k : {-2.4f, -2.0f, 2.0f, 2.4f}) {
        Landmark side = peakTop;
        side.column = int(std::lround((xp + k * sigma) * s - 0.5f));
        if (side.column >= x0 && side.column < x1 && ridgeTop(drawnIdeal, side.column) >= 0) c.anchors.push_back(side);
    }
    if (c.anchors.empty()) return std::nullopt;  // the skyline beside the peak is hidden: its drift could not be measured
    const int margin = std::max(2, int(std::lround(kMaskBoxMarginFraction * size)));
    c.maskBox = cv::Rect(x0 - margin, y0 - margin, x1 - x0 + 2 * margin, y1 - y0 + 2 * margin) & cv::Rect(0, 0, size, size);
    return c;
}

}  // namespace dragdiff::scenes
