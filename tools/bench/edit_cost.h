#pragma once
// The cost of a drag edit in passes: EditResult::counts (per phase) weighed by the measured cost
// of each kind of pass relative to one UNet forward, so an edit is a number of
// "forward-equivalents" that carries across machines and devices.
#include <map>
#include <string>
#include <vector>

namespace dragdiff::bench {

// Each pass's cost in UNet forwards, measured by dragdiff-bench perf on the same model and size.
struct PassCostRatios {
    double partialForward = 1;  // a forward stopped after the feature block
    double backward = 1;        // a guided step's backward = (guided step - forward) / forward
    double vaeEncode = 0;
    double vaeDecode = 0;
};

struct PhaseCost {
    double forwards = 0;
    double partialForwards = 0;
    double backwards = 0;
    double vaeEncodes = 0;
    double vaeDecodes = 0;
    // forwards + partial × ratio + backwards × ratio + VAE passes × their ratios
    double forwardEquivalents = 0;
};

// The phases of `counts` ("<phase>.<what>" keys; see EditResult::counts) and "total" (the keys
// without a phase), each with its forward-equivalents.
std::map<std::string, PhaseCost> editCost(const std::map<std::string, double>& counts, const PassCostRatios& ratios);

}  // namespace dragdiff::bench
