#include "scenes/scene_generator.h"

#include "dragdiff/error.h"
#include "scenes/scene_layout.h"
#include "scenes/scene_render.h"
#include "scenes/scene_rng.h"

#include <string>

namespace dragdiff::scenes {
namespace {

constexpr uint64_t kStreamDerived = 0x5eed;

void checkSize(int size) {
    if (size < kMinSceneSize || size > kMaxSceneSize)
        throw InvalidRequest("scene size " + std::to_string(size) + " is outside " + std::to_string(kMinSceneSize) + ".." +
                             std::to_string(kMaxSceneSize) + " px");
}

}  // namespace

Scene generateScene(uint64_t seed, int size) {
    checkSize(size);
    return renderScene(layoutScene(seed), size);
}

Scene renderSceneWithObjectMoved(uint64_t seed, int size, int objectIndex, cv::Point2f offset) {
    checkSize(size);
    const SceneLayout layout = layoutScene(seed);
    if (objectIndex < 0 || objectIndex >= int(layout.objects.size()))
        throw InvalidRequest("scene seed " + std::to_string(seed) + " has " + std::to_string(layout.objects.size()) +
                             " objects; cannot move object " + std::to_string(objectIndex));
    return renderScene(layout, size, objectIndex, offset);
}

SeedRange seedRange(uint64_t seed) {
    if (seed < kTrainingSeedLimit) return SeedRange::Training;
    if (seed < kBenchmarkSeedBase) return SeedRange::Reserved;
    return SeedRange::Benchmark;
}

uint64_t deriveSeed(uint64_t seed, uint64_t index) {
    if (index == 0) return seed;
    const uint64_t h = mixSeed(seed, kStreamDerived + index);
    switch (seedRange(seed)) {
        case SeedRange::Training: return h % kTrainingSeedLimit;
        case SeedRange::Reserved: return kTrainingSeedLimit + h % (kBenchmarkSeedBase - kTrainingSeedLimit);
        case SeedRange::Benchmark: break;
    }
    return kBenchmarkSeedBase + (h >> 2);  // < 2^62 + 1e12, no overflow
}

}  // namespace dragdiff::scenes
