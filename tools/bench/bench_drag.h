#pragma once
// `dragdiff-bench drag`: drag edits on generated scenes measured against their ground truth.
#include <atomic>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace dragdiff::bench {

struct DragBenchOptions {
    std::string model = "embedded";
    int cases = 10;             // per kind
    std::string kinds = "move";  // comma-separated kinds (move, peak, stretch, bend, multi) or "all"
    uint64_t seed = 0;
    std::string mask = "none";  // "none", "box" or "both" (box, plus the method without a mask as ablation "no-mask")
    int size = 0;               // 0 = the model's native size
    std::vector<std::pair<std::string, std::string>> set;  // --set key=value, in order
    std::string jsonPath;
    std::string sheetPath;
    std::vector<std::string> baselines = {"identity", "reconstruction"};
    std::vector<std::string> ablations;
    std::string command;  // the command line, for the report
};

// The named ablations: each a set of key=value overrides on top of the method's parameters.
const std::vector<std::pair<std::string, std::vector<std::pair<std::string, std::string>>>>& ablationTable();

// Runs the benchmark: progress on stderr, the Markdown table on stdout, the JSON and the sheet
// when asked. Throws dragdiff::Error (a model that does not load, a bad parameter). When `cancel`
// is set, the running case stops within an edit step and the finished cases are reported
// (returns false); Cancelled when none had finished.
bool runDragBenchmark(const DragBenchOptions& options, const std::atomic<bool>* cancel = nullptr);

}  // namespace dragdiff::bench
