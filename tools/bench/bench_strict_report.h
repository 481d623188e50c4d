#pragma once
// The strict measurements in the benchmark's report: JSON objects and the Markdown table per kind.
#include "bench/bench_strict.h"

#include <nlohmann/json.hpp>

#include <ostream>
#include <string>
#include <vector>

namespace dragdiff::bench {

// {cases, success_rate, median_landmark_ratio, median_anchor_drift, median_psnr_ideal,
//  median_ssim_ideal, median_iou, ghost_rate, median_colour_shift, median_bg_psnr, median_seam, sec_per_edit}
nlohmann::json strictSummaryJson(const StrictSummary& s);
// One case's strict numbers for one configuration.
nlohmann::json strictResultJson(const StrictMetrics& m);

struct StrictTableRow {
    std::string kind;           // a kind's name or "all"
    std::string configuration;  // shown as given
    StrictSummary summary;
};
void printStrictTable(const std::vector<StrictTableRow>& rows, std::ostream& out);

}  // namespace dragdiff::bench
