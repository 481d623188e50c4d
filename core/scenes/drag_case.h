#pragma once
// Drag benchmark cases with ground truth, built on the scene generator. Each case has a kind:
//   move     one object is dragged by a handle to a target; the ideal is the same scene with that
//            object translated (identical background, the other objects untouched);
//   peak     a mountain ridge's peak is raised or lowered; the ridge deforms smoothly around it;
//   stretch  one edge of an object is pulled outward or pushed inward; the opposite edge stays;
//   bend     the tip of a body's limb is dragged; the limb rotates about its joint, the body stays;
//   multi    two or three pairs on one object: scale, rotate, or move + stretch.
// Every ideal is re-rendered geometry (the layout changed, then drawn), never warped pixels.
#include "scenes/scene_generator.h"

#include <opencv2/core.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace dragdiff::scenes {

// Drag length as a fraction of the image side.
constexpr double kMinDragFraction = 0.08;
constexpr double kMaxDragFraction = 0.25;
// The edit box grows by this fraction of the side around the subject's old and new boxes.
constexpr double kMaskBoxMarginFraction = 0.04;

enum class DragKind { Move, Peak, Stretch, Bend, Multi };
constexpr int kDragKindCount = 5;
const char* dragKindName(DragKind kind);  // "move", "peak", "stretch", "bend", "multi"
// A comma-separated list of kind names, or "all"; InvalidRequest naming the accepted words.
std::vector<DragKind> parseDragKinds(const std::string& list);

struct CasePair {
    cv::Point2f handle;  // image pixels (pixel centres are integers)
    cv::Point2f target;
};

// Where the benchmark looks for what a pair (or an anchor) should have done.
enum class LandmarkKind {
    Centroid,  // the subject's centroid (move, and a multi pair that moves the whole object)
    Extreme,   // the subject's farthest pixels along `direction` (an edge, a limb's tip)
    RidgeTop,  // the top of the ridge layer in image column `column` (a peak, the skyline beside it)
};
struct Landmark {
    LandmarkKind kind = LandmarkKind::Centroid;
    cv::Point2f direction;  // Extreme: unit vector
    int column = 0;         // RidgeTop
    double dragLength = 0;  // pixels; errors are reported as a fraction of it
};

struct DragCase {
    DragKind kind = DragKind::Move;
    std::string variant;     // how: "translate", "raise"/"lower", "outward"/"inward", "bend", "scale"/"rotate"/"move+stretch"
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

    // Every kind (for move: {handle, target}, the subject's masks and its centroid landmark).
    std::vector<CasePair> pairs;       // all pairs; pairs[0] is {handle, target}
    cv::Mat subjectMask;               // CV_8UC1 255: the subject in `source` (peak: the layer's visible pixels)
    cv::Mat idealMask;                 // CV_8UC1 255: the subject in `expected`
    cv::Mat othersMask;                // CV_8UC1 255: the other objects (they must stay)
    std::vector<Landmark> landmarks;   // one per pair
    std::vector<Landmark> anchors;     // what must stay put: the opposite edge, the body, the skyline beside a peak
    // Peak: the layer's pixels are told from what lies behind them by re-renders of the scene: with
    // the layer's rock filling every column from the top (as drawn, snow above its snow line; and
    // bare rock, for a peak raised past the snow line that stays rock), and without the layer. Only
    // `layerRegion` (the bump's columns, the rows the ridge spans there) is measured.
    cv::Mat layerReference, bareLayerReference, behindReference;  // CV_8UC3 RGB; empty for objects
    cv::Mat layerObservable;  // CV_8UC1 255 in `layerRegion` where a layer reference differs clearly from behind
    cv::Rect layerRegion;
};

// Peak cases: the pixels of `rgb` inside `c.layerRegion` that belong to the ridge layer: nearer
// one of the layer's references (`c.layerReference`, and `c.bareLayerReference` unless empty) than
// what lies behind, where that reference differs clearly from it (the layer is not hidden there).
// CV_8UC1 255, image size. The bench finds the layer in a result the same way.
cv::Mat layerPixels(const cv::Mat& rgb, const DragCase& c);
// Where the layer can be told from what lies behind it (see layerPixels), CV_8UC1 255.
cv::Mat layerObservable(const DragCase& c);
// The top row of a layer mask in `column` (the first of kRidgeRun set pixels in a row, going
// down; speckle above it does not count), or -1 when the column has none. What the generator
// checks its cases' clean renders with, and the bench finds the skyline beside a peak with.
constexpr int kRidgeRun = 3;
int ridgeTop(const cv::Mat& layerMask, int column);
// The top row of the layer in `column` when it is one piece there: a run going down of kRidgeRun
// or more set pixels, where a run ends at two unset pixels in a row that the layer could be seen
// in (`observable`, see layerObservable; where it cannot, a run goes on). -1 when the column has
// no such run, or more than one (`*floating` then true): a piece of rock floating in the sky (a
// snow cap moved up as an object, a lowered peak's top left behind) is neither the ridge's top
// nor to be passed over. What the bench finds a peak's top with.
int layerBodyTop(const cv::Mat& layerMask, int column, const cv::Mat& observable, bool* floating = nullptr);

// The benchmark's case `index` of kind `kind`: move cases are exactly makeDragCase(benchmarkCaseSeed(...))
// (old seeds give the old cases); the other kinds draw from their own seeds, so selecting kinds
// never changes a kind's cases.
DragCase makeKindCase(DragKind kind, uint64_t benchmarkSeed, uint64_t index, int size);
uint64_t kindCaseSeed(DragKind kind, uint64_t benchmarkSeed, uint64_t index);

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
