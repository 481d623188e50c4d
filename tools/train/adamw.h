#pragma once
// AdamW (Loshchilov & Hutter) over named parameters, with global-norm gradient clipping and an
// EMA copy of the weights. Our own rather than torch::optim::AdamW because the checkpoint must hold
// every moment under the parameter's name (torch keys its state by TensorImpl address) and the
// update is a handful of fused in-place ops either way.
#include <ATen/ATen.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace dragdiff::train {

using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;

struct AdamWOptions {
    double lr = 1e-4;
    double beta1 = 0.9;
    double beta2 = 0.999;
    double eps = 1e-8;
    double weightDecay = 1e-2;
};

class AdamW {
public:
    AdamW(NamedTensors params, AdamWOptions options);

    // Clips the gradients to `maxNorm` (if > 0), then one update at learning rate `lr`.
    // Returns the gradient norm before clipping.
    double step(double lr, double maxNorm);
    void zeroGrad();
    int64_t steps() const { return steps_; }

    // "adam.m.<name>", "adam.v.<name>"; the step count travels in the sidecar.
    void saveState(std::map<std::string, at::Tensor>& out) const;
    void loadState(const std::map<std::string, at::Tensor>& in, int64_t steps);

private:
    NamedTensors params_;
    std::vector<at::Tensor> m_;
    std::vector<at::Tensor> v_;
    AdamWOptions options_;
    int64_t steps_ = 0;
};

// Exponential moving average of the weights; the decay ramps up as (1 + n) / (10 + n) so early
// averages do not drag in the random initialisation.
class Ema {
public:
    Ema(const NamedTensors& params, double decay);
    void update(const NamedTensors& params, int64_t step);
    const std::map<std::string, at::Tensor>& weights() const { return weights_; }
    std::map<std::string, at::Tensor>& weights() { return weights_; }

private:
    std::map<std::string, at::Tensor> weights_;
    double decay_;
};

// Copies the checkpoint's "ema.*" tensors into `ema`.
void loadEma(Ema& ema, const std::map<std::string, at::Tensor>& checkpoint, const std::string& what);

// Copies `weights` (by name) into the tensors of `params` (without tracking gradients).
void copyInto(const NamedTensors& params, const std::map<std::string, at::Tensor>& weights, const std::string& what);

}  // namespace dragdiff::train
