#include "bench/bench_strict_report.h"

#include <cmath>
#include <cstdio>

namespace dragdiff::bench {

nlohmann::json strictSummaryJson(const StrictSummary& s) {
    return {{"cases", s.cases},
            {"success_rate", s.successRate},
            {"median_landmark_ratio", s.medianLandmarkRatio},
            {"median_anchor_drift", s.medianAnchorDrift},
            {"median_psnr_ideal", s.medianPsnrIdeal},
            {"median_ssim_ideal", s.medianSsimIdeal},
            {"median_iou", s.medianIou},
            {"ghost_rate", s.ghostRate},
            {"smudge_rate", s.smudgeRate},
            {"median_fill_error", s.medianFillError},
            {"median_colour_shift", s.medianColourShift},
            {"median_bg_psnr", s.medianBackgroundPsnr},
            {"median_seam", s.medianSeam},
            {"sec_per_edit", s.secondsPerEdit}};
}

nlohmann::json strictResultJson(const StrictMetrics& m) {
    return {{"success", m.success},
            {"found", m.found},
            {"landmark_ratio", m.landmarkRatio},
            {"pair_landmark_ratios", m.pairLandmarkRatios},
            {"anchor_drift", m.anchorDrift},
            {"psnr_ideal", m.psnrIdeal},
            {"ssim_ideal", m.ssimIdeal},
            {"iou", m.iou},
            {"ghost", m.ghost},
            {"fill_error", m.fillError},
            {"colour_shift", m.colourShift},
            {"bg_psnr", m.backgroundPsnr},
            {"seam", m.seam}};
}

void printStrictTable(const std::vector<StrictTableRow>& rows, std::ostream& out) {
    out << "| kind | configuration | strict success | landmark ratio | anchor drift | IoU | ghost rate | smudge rate | colour ΔE "
           "| PSNR vs ideal (dB) | SSIM | bg PSNR (dB) | seam | sec/edit |\n"
        << "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n";
    for (const StrictTableRow& r : rows) {
        const StrictSummary& s = r.summary;
        char line[400];
        std::snprintf(line, sizeof(line),
                      "| %s | %s | %.0f%% (%d/%d) | %.3f | %.3f | %.2f | %.0f%% | %.0f%% | %.1f | %.1f | %.3f | %.1f | %.2f | %.2f |\n",
                      r.kind.c_str(), r.configuration.c_str(), 100 * s.successRate, int(std::lround(s.successRate * s.cases)), s.cases,
                      s.medianLandmarkRatio, s.medianAnchorDrift, s.medianIou, 100 * s.ghostRate, 100 * s.smudgeRate, s.medianColourShift,
                      s.medianPsnrIdeal, s.medianSsimIdeal, s.medianBackgroundPsnr, s.medianSeam, s.secondsPerEdit);
        out << line;
    }
}

}  // namespace dragdiff::bench
