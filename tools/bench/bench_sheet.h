#pragma once
// The drag benchmark's contact sheet: one row per case — the input with the drag arrows (every
// pair), the first handle's correspondence heatmap, the method's result (where each landmark
// should be: green cross; what the finder took for the subject: red outline, and red circles at
// its landmarks), and the ideal — under a caption with the case's numbers. A fifth column (the
// engine's part mask or displacement field, `extra`) appears when any row has one.
#include "bench/bench_metrics.h"

#include <opencv2/core.hpp>

#include <string>
#include <vector>

namespace dragdiff::bench {

struct SheetRow {
    cv::Mat input;     // CV_8UC3 RGB, all four images the same size
    cv::Mat heatmap;   // CV_8UC3 RGB (may be empty: drawn grey)
    cv::Mat result;    // CV_8UC3 RGB
    cv::Mat expected;  // CV_8UC3 RGB
    cv::Point2d handle;
    cv::Point2d target;
    cv::Rect maskBox;  // drawn when non-empty
    DragMetrics metrics;
    std::string caption;
    // Several pairs and landmarks (strict measurements): when `pairs` is non-empty it replaces
    // handle/target, and the landmarks replace the metrics' centroids.
    std::vector<std::pair<cv::Point2d, cv::Point2d>> pairs;
    std::vector<cv::Point2d> idealLandmarks, foundLandmarks;  // found (-1, -1): missing
    cv::Mat foundMask;                                         // CV_8UC1, may be empty
    bool landmarks = false;
    // Hook for the engine's part mask or displacement field (CV_8UC3 RGB, the input's size).
    cv::Mat extra;
    std::string extraHeader = "part / displacement";
};

// Each panel is scaled (nearest neighbour) to at least `minPanel` pixels a side. RGB out.
cv::Mat renderSheet(const std::vector<SheetRow>& rows, int minPanel = 160);

}  // namespace dragdiff::bench
