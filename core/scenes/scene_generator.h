#pragma once
// Deterministic procedural scenes for DragDiff: the training data of the small embedded model
// and the drag benchmark's cases with their ground truth (see drag_case.h).
//
// A scene is a sky (day, dusk or night gradient) with a sun or a moon, maybe clouds or stars,
// one or two mountain ridges fading into the haze, the ground, and 1-3 objects (circle, rounded
// rectangle, triangle, star, blob) in saturated colours that differ from each other and from the
// background around them, 10-35% of the side, never overlapping. Each object comes with its
// kind, mask, base colour, centroid, box and area.
//
// Seeds. The same seed gives the same bytes on every run and machine with the same libm (all
// randomness is our own SplitMix64; only sin/cos/exp/sqrt come from the platform). A seed's scene
// does not depend on the output size: seed 7 at 64 px and at 128 px is the same picture. Ranges:
//   [0, kTrainingSeedLimit)                   training scenes (the model's data set)
//   [kTrainingSeedLimit, kBenchmarkSeedBase)   reserved (validation, experiments)
//   [kBenchmarkSeedBase, 2^64)                benchmark scenes, made by benchmarkCaseSeed()
// so no benchmark case is ever a training picture. Seeds derived internally (a drag case whose
// scene has no valid move moves on to another scene) stay in the range of the seed they come from.
#include "scenes/scene_types.h"

#include <opencv2/core.hpp>

#include <cstdint>

namespace dragdiff::scenes {

constexpr uint64_t kTrainingSeedLimit = 1'000'000'000ULL;        // 1e9
constexpr uint64_t kBenchmarkSeedBase = 1'000'000'000'000ULL;    // 1e12
// Output sizes supported (the canvas is 4x this, so 512 px already means a 2048^2 canvas).
constexpr int kMinSceneSize = 32;
constexpr int kMaxSceneSize = 512;
// Every object's mask box has its longer side within this fraction of the image side.
constexpr double kMinObjectFraction = 0.10;
constexpr double kMaxObjectFraction = 0.35;

// The scene of `seed` at `size` x `size`. Throws InvalidRequest for a size outside the range.
Scene generateScene(uint64_t seed, int size);

// The same scene with object `objectIndex` translated by `offset` pixels: background and other
// objects untouched, so the images differ only where the object's old or new coverage is > 0.
// An integer offset moves the object's pixels exactly. Nothing stops the moved object from
// leaving the image or covering another one; makeDragCase() chooses offsets that do neither.
Scene renderSceneWithObjectMoved(uint64_t seed, int size, int objectIndex, cv::Point2f offset);

// The range a seed belongs to, and a seed derived from it (index > 0) in the same range.
enum class SeedRange { Training, Reserved, Benchmark };
SeedRange seedRange(uint64_t seed);
uint64_t deriveSeed(uint64_t seed, uint64_t index);

}  // namespace dragdiff::scenes
