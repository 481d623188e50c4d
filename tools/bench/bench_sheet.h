#pragma once
// The drag benchmark's contact sheet: one row per case — the input with the drag arrow, the
// handle's correspondence heatmap, the method's result (expected centroid: green cross; what the
// colour finder took for the subject: red outline and circle at its centroid), and the
// ground-truth moved scene — under a caption with the case's numbers.
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
};

// Each panel is scaled (nearest neighbour) to at least `minPanel` pixels a side. RGB out.
cv::Mat renderSheet(const std::vector<SheetRow>& rows, int minPanel = 160);

}  // namespace dragdiff::bench
