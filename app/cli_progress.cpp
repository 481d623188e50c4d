#include "cli_progress.h"

#include <cstdio>
#include <unistd.h>

namespace dragdiff::cli {

ProgressPrinter::ProgressPrinter() : terminal_(::isatty(STDERR_FILENO) == 1) {}

void ProgressPrinter::update(const EditProgress& p) {
    const int total = p.totalSteps > 0 ? p.totalSteps : 1;
    if (terminal_) {
        if (dirty_ && p.phase != lastPhase_) std::fputc('\n', stderr);
        constexpr int kWidth = 30;
        const int filled = p.step * kWidth / total;
        std::string bar(static_cast<size_t>(filled), '#');
        bar.resize(kWidth, '.');
        std::fprintf(stderr, "\r%-9s [%s] %3d/%-3d  E_move %.4f  %5.1fs  ETA %5.1fs ", p.phase.c_str(), bar.c_str(),
                     p.step, total, p.moveEnergy, p.elapsedSeconds, p.etaSeconds);
        dirty_ = true;
    } else {
        std::fprintf(stderr, "%s %d/%d move_energy=%.5f elapsed=%.2fs eta=%.2fs\n", p.phase.c_str(), p.step, total,
                     p.moveEnergy, p.elapsedSeconds, p.etaSeconds);
    }
    std::fflush(stderr);
    lastPhase_ = p.phase;
}

void ProgressPrinter::finish() {
    if (terminal_ && dirty_) std::fputc('\n', stderr);
    dirty_ = false;
}

}  // namespace dragdiff::cli
