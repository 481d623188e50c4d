#include "drag/pass_counter.h"

namespace dragdiff::drag {
namespace {

void addTo(std::map<std::string, double>& out, const std::string& prefix, const PassCounts& c) {
    out[prefix + "unet_forwards"] = c.unetForwards;
    out[prefix + "unet_partial_forwards"] = c.unetPartialForwards;
    out[prefix + "unet_backwards"] = c.unetBackwards;
    out[prefix + "vae_encodes"] = c.vaeEncodes;
    out[prefix + "vae_decodes"] = c.vaeDecodes;
}

}  // namespace

PassCounts PassCounter::total() const {
    PassCounts t;
    for (const auto& [name, c] : phases_) {
        t.unetForwards += c.unetForwards;
        t.unetPartialForwards += c.unetPartialForwards;
        t.unetBackwards += c.unetBackwards;
        t.vaeEncodes += c.vaeEncodes;
        t.vaeDecodes += c.vaeDecodes;
    }
    return t;
}

std::map<std::string, double> PassCounter::flatten() const {
    std::map<std::string, double> out;
    for (const auto& [name, c] : phases_) addTo(out, name + ".", c);
    addTo(out, "", total());
    return out;
}

}  // namespace dragdiff::drag
