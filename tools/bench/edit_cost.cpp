#include "bench/edit_cost.h"

namespace dragdiff::bench {
namespace {

void add(PhaseCost& c, const std::string& what, double n) {
    if (what == "unet_forwards") c.forwards += n;
    else if (what == "unet_partial_forwards") c.partialForwards += n;
    else if (what == "unet_backwards") c.backwards += n;
    else if (what == "vae_encodes") c.vaeEncodes += n;
    else if (what == "vae_decodes") c.vaeDecodes += n;
}

}  // namespace

std::map<std::string, PhaseCost> editCost(const std::map<std::string, double>& counts, const PassCostRatios& r) {
    std::map<std::string, PhaseCost> out;
    for (const auto& [key, n] : counts) {
        const size_t dot = key.find('.');
        if (dot == std::string::npos) {
            if (key != "inversion_cached") add(out["total"], key, n);
        } else {
            add(out[key.substr(0, dot)], key.substr(dot + 1), n);
        }
    }
    for (auto& [name, c] : out)
        c.forwardEquivalents = c.forwards + c.partialForwards * r.partialForward + c.backwards * r.backward +
                               c.vaeEncodes * r.vaeEncode + c.vaeDecodes * r.vaeDecode;
    return out;
}

}  // namespace dragdiff::bench
