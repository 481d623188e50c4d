#include "drag/energies.h"

namespace dragdiff::drag {

at::Tensor moveEnergy(const at::Tensor& centroid, const at::Tensor& target, bool distanceScaled) {
    at::Tensor l1 = (centroid - target).abs().sum();
    if (!distanceScaled) return l1;
    // Scale by the remaining distance (detached, floored) so far parts are pushed hard and near
    // ones gently: gradient magnitude ~ distance, no overshoot at the end.
    return l1 * l1.detach().clamp_min(1e-3) / 0.1;
}

at::Tensor appearanceEnergyMse(const at::Tensor& current, const at::Tensor& original) {
    return (current.mean({2, 3}) - original.mean({2, 3})).pow(2).mean();
}

at::Tensor appearanceEnergyL1(const at::Tensor& current, const at::Tensor& original) {
    return (current.mean({2, 3}) - original.mean({2, 3})).abs().mean();
}

namespace {
at::Tensor weightedMean(const at::Tensor& features, const at::Tensor& heat) {
    at::Tensor w = heat / (heat.sum() + 1e-8);
    return (features[0] * w.unsqueeze(0)).sum({1, 2});
}
}  // namespace

at::Tensor objectAppearanceEnergy(const at::Tensor& current, const at::Tensor& currentHeat,
                                  const at::Tensor& original, const at::Tensor& originalHeat) {
    return (weightedMean(current, currentHeat) - weightedMean(original, originalHeat)).pow(2).mean();
}

at::Tensor objectSizeEnergy(const at::Tensor& currentHeat, const at::Tensor& originalHeat) {
    return (currentHeat.mean() - originalHeat.mean()).pow(2);
}

}  // namespace dragdiff::drag
