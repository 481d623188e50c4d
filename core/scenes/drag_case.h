#pragma once
// Drag benchmark cases with ground truth, built on the scene generator: one object of a scene is
// dragged by a handle point to a target point, and the ideal result is the same scene with that
// object translated (identical background, the other objects untouched).
#include "scenes/scene_generator.h"

#include <opencv2/core.hpp>

#include <cstdint>
#include <optional>

namespace dragdiff::scenes {

// Drag length as a fraction of the image side.
constexpr double kMinDragFraction = 0.08;
constexpr double kMaxDragFraction = 0.25;
// The edit box grows by this fraction of the side around the subject's old and new boxes.
constexpr double kMaskBoxMarginFraction = 0.04;

struct DragCase {
    uint64_t caseSeed = 0;   // as requested
    uint64_t sceneSeed = 0;  // the scene used: caseSeed, or deriveSeed(caseSeed, n) when earlier ones had no valid move
    int size = 0;
    Scene source;            // before the drag
    Scene expected;          // ideal result: subject moved by `offset`, everything else identical
    int subject = 0;         // index into source.objects and expected.objects
    cv::Point2f handle;      // a pixel of the subject's mask, away from its edge (pixel centres are integers)
    cv::Point2f target;      // handle + offset
    cv::Point offset;        // whole pixels, so `expected` holds the subject's exact pixels
    cv::Rect maskBox;        // subject's source box and destination box, grown, clipped to the image
};

// The benchmark's case `caseIndex` of benchmark `benchmarkSeed`; always >= kBenchmarkSeedBase.
uint64_t benchmarkCaseSeed(uint64_t benchmarkSeed, uint64_t caseIndex);

struct SceneLayout;

// One candidate move of a laid-out scene: which object, by how many whole pixels.
struct DragMove {
    int subject = 0;
    cv::Point offset;
};

// The first valid move among a fixed number of deterministic tries drawn from `sceneSeed`'s drag
// stream, or nothing when none of them fits (a crowded scene).
std::optional<DragMove> findDragMove(const SceneLayout& layout, int size, uint64_t sceneSeed);

// A drag case from `caseSeed`: a subject, a handle inside it, a drag of kMinDragFraction to
// kMaxDragFraction of the side in a random direction that keeps the subject inside the image and
// clear of the other objects. Tries moves deterministically, then further derived scenes.
DragCase makeDragCase(uint64_t caseSeed, int size);

}  // namespace dragdiff::scenes
