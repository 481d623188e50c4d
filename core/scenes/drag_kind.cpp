// The drag-case kinds: names, seeds, and trying scenes until one offers a case of the kind.
#include "dragdiff/error.h"
#include "scenes/drag_case.h"
#include "scenes/drag_case_builders.h"
#include "scenes/scene_rng.h"

#include <string>

namespace dragdiff::scenes {
namespace {

constexpr uint64_t kStreamKindCases = 0x6b1d;
constexpr int kSceneAttempts = 64;
constexpr DragKind kAllKinds[kDragKindCount] = {DragKind::Move, DragKind::Peak, DragKind::Stretch, DragKind::Bend, DragKind::Multi};

}  // namespace

const char* dragKindName(DragKind kind) {
    switch (kind) {
        case DragKind::Move: return "move";
        case DragKind::Peak: return "peak";
        case DragKind::Stretch: return "stretch";
        case DragKind::Bend: return "bend";
        case DragKind::Multi: return "multi";
    }
    return "?";
}

std::vector<DragKind> parseDragKinds(const std::string& list) {
    if (list == "all") return std::vector<DragKind>(std::begin(kAllKinds), std::end(kAllKinds));
    std::vector<DragKind> out;
    size_t start = 0;
    while (start <= list.size()) {
        const size_t comma = list.find(',', start);
        const std::string word = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        bool known = false;
        for (DragKind k : kAllKinds)
            if (word == dragKindName(k)) {
                known = true;
                bool seen = false;
                for (DragKind o : out) seen = seen || o == k;
                if (!seen) out.push_back(k);
            }
        if (!known)
            throw InvalidRequest("drag kind '" + word + "' does not exist; expected move, peak, stretch, bend, multi (comma-separated) or all");
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return out;
}

uint64_t kindCaseSeed(DragKind kind, uint64_t benchmarkSeed, uint64_t index) {
    if (kind == DragKind::Move) return benchmarkCaseSeed(benchmarkSeed, index);
    return kBenchmarkSeedBase + (mixSeed(mixSeed(benchmarkSeed, kStreamKindCases + uint64_t(kind)), index) >> 2);
}

DragCase makeKindCase(DragKind kind, uint64_t benchmarkSeed, uint64_t index, int size) {
    const uint64_t caseSeed = kindCaseSeed(kind, benchmarkSeed, index);
    if (kind == DragKind::Move) return makeDragCase(caseSeed, size);
    if (size < kMinSceneSize || size > kMaxSceneSize)
        throw InvalidRequest("drag case size " + std::to_string(size) + " is outside " + std::to_string(kMinSceneSize) + ".." +
                             std::to_string(kMaxSceneSize) + " px");
    for (int n = 0; n < kSceneAttempts; ++n) {
        const uint64_t sceneSeed = deriveSeed(caseSeed, uint64_t(n));
        std::optional<DragCase> c;
        switch (kind) {
            case DragKind::Peak: c = makePeakCase(sceneSeed, size); break;
            case DragKind::Stretch: c = makeStretchCase(sceneSeed, size); break;
            case DragKind::Bend: c = makeBendCase(sceneSeed, size); break;
            case DragKind::Multi: c = makeMultiCase(sceneSeed, size); break;
            case DragKind::Move: break;
        }
        if (!c) continue;
        c->caseSeed = caseSeed;
        return *std::move(c);
    }
    throw Error(std::string(dragKindName(kind)) + " drag case seed " + std::to_string(caseSeed) + ": no valid case in " +
                std::to_string(kSceneAttempts) + " scenes");
}

}  // namespace dragdiff::scenes
