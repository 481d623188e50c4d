#include "scenes/drag_case.h"

#include "dragdiff/error.h"
#include "scenes/drag_case_builders.h"
#include "scenes/scene_layout.h"
#include "scenes/scene_render.h"
#include "scenes/scene_rng.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <string>

namespace dragdiff::scenes {
namespace {

constexpr uint64_t kStreamDrag = 0xd7a6;
constexpr uint64_t kStreamHandle = 0x4a4d;
constexpr uint64_t kStreamBenchmark = 0xbe7c;
constexpr double kPi = 3.14159265358979323846;
constexpr int kMoveAttempts = 48;
constexpr int kSceneAttempts = 64;
// A handle this many pixels inside the mask (Euclidean distance to the nearest outside pixel),
// or as deep as the object allows when it is thinner.
constexpr float kHandleInset = 2.0f;

cv::Point2f pickHandle(Rng& rng, const cv::Mat& mask) {
    cv::Mat padded, distance;
    // Pad so the image border counts as outside.
    cv::copyMakeBorder(mask, padded, 1, 1, 1, 1, cv::BORDER_CONSTANT, cv::Scalar(0));
    cv::distanceTransform(padded, distance, cv::DIST_L2, cv::DIST_MASK_PRECISE);
    distance = distance(cv::Rect(1, 1, mask.cols, mask.rows));
    double deepest = 0;
    cv::minMaxLoc(distance, nullptr, &deepest);
    const float inset = float(std::min(deepest, std::max(double(kHandleInset), 0.35 * deepest)));
    std::vector<cv::Point> candidates;
    for (int y = 0; y < distance.rows; ++y)
        for (int x = 0; x < distance.cols; ++x)
            if (distance.at<float>(y, x) >= inset) candidates.emplace_back(x, y);
    const cv::Point p = candidates[size_t(rng.uniformInt(0, int(candidates.size()) - 1))];
    return {float(p.x), float(p.y)};
}

}  // namespace

uint64_t benchmarkCaseSeed(uint64_t benchmarkSeed, uint64_t caseIndex) {
    return kBenchmarkSeedBase + (mixSeed(mixSeed(benchmarkSeed, kStreamBenchmark), caseIndex) >> 2);
}

std::optional<DragMove> findDragMove(const SceneLayout& layout, int size, uint64_t sceneSeed) {
    const double minLength = kMinDragFraction * size, maxLength = kMaxDragFraction * size;
    Rng rng(mixSeed(sceneSeed, kStreamDrag));
    for (int attempt = 0; attempt < kMoveAttempts; ++attempt) {
        const int subject = rng.uniformInt(0, int(layout.objects.size()) - 1);
        const double angle = rng.uniform(0, 2 * kPi), length = rng.uniform(minLength, maxLength);
        const cv::Point offset(int(std::lround(length * std::cos(angle))), int(std::lround(length * std::sin(angle))));
        const double rounded = cv::norm(offset);
        if (rounded < minLength || rounded > maxLength) continue;
        const ObjectLayout& obj = layout.objects[size_t(subject)];
        const cv::Point2f moved = obj.centre + cv::Point2f(float(offset.x) / float(size), float(offset.y) / float(size));
        if (placementFits(layout, obj, moved, subject)) return DragMove{subject, offset};
    }
    return std::nullopt;
}

DragCase makeDragCase(uint64_t caseSeed, int size) {
    if (size < kMinSceneSize || size > kMaxSceneSize)
        throw InvalidRequest("drag case size " + std::to_string(size) + " is outside " + std::to_string(kMinSceneSize) + ".." +
                             std::to_string(kMaxSceneSize) + " px");
    for (int n = 0; n < kSceneAttempts; ++n) {
        const uint64_t sceneSeed = deriveSeed(caseSeed, uint64_t(n));
        const SceneLayout layout = layoutScene(sceneSeed);
        const std::optional<DragMove> move = findDragMove(layout, size, sceneSeed);
        if (!move) continue;
        DragCase c;
        c.caseSeed = caseSeed;
        c.sceneSeed = sceneSeed;
        c.size = size;
        c.subject = move->subject;
        c.offset = move->offset;
        c.source = renderScene(layout, size);
        c.expected = renderScene(layout, size, c.subject, cv::Point2f(c.offset));
        Rng handles(mixSeed(sceneSeed, kStreamHandle));
        c.handle = pickHandle(handles, c.source.objects[size_t(c.subject)].mask);
        c.target = c.handle + cv::Point2f(c.offset);
        const int margin = std::max(2, int(std::lround(kMaskBoxMarginFraction * size)));
        cv::Rect box = c.source.objects[size_t(c.subject)].box | c.expected.objects[size_t(c.subject)].box;
        box = cv::Rect(box.x - margin, box.y - margin, box.width + 2 * margin, box.height + 2 * margin);
        c.maskBox = box & cv::Rect(0, 0, size, size);
        c.kind = DragKind::Move;
        c.variant = "translate";
        c.pairs = {CasePair{c.handle, c.target}};
        c.subjectMask = c.source.objects[size_t(c.subject)].mask;
        c.idealMask = c.expected.objects[size_t(c.subject)].mask;
        c.othersMask = othersMask(c.source, c.subject);
        Landmark centroid;
        centroid.dragLength = cv::norm(c.target - c.handle);
        c.landmarks = {centroid};
        return c;
    }
    throw Error("drag case seed " + std::to_string(caseSeed) + ": no valid move in " + std::to_string(kSceneAttempts) + " scenes");
}

}  // namespace dragdiff::scenes
