#include "train/adamw.h"

#include "dragdiff/error.h"

#include <ATen/core/grad_mode.h>

#include <cmath>

namespace dragdiff::train {

AdamW::AdamW(NamedTensors params, AdamWOptions options) : params_(std::move(params)), options_(options) {
    for (const auto& [name, p] : params_) {
        m_.push_back(at::zeros_like(p));
        v_.push_back(at::zeros_like(p));
    }
}

void AdamW::zeroGrad() {
    for (auto& [name, p] : params_)
        if (p.grad().defined()) p.mutable_grad() = at::Tensor();
}

double AdamW::step(double lr, double maxNorm) {
    at::NoGradGuard noGrad;
    std::vector<at::Tensor> norms;
    for (const auto& [name, p] : params_)
        if (p.grad().defined()) norms.push_back(p.grad().norm().pow(2));
    const double total = norms.empty() ? 0.0 : std::sqrt(at::stack(norms).sum().item<double>());
    // A non-finite gradient would poison every moment for good: skip the update instead.
    if (!std::isfinite(total)) return total;
    const double clip = (maxNorm > 0 && total > maxNorm) ? maxNorm / (total + 1e-6) : 1.0;

    ++steps_;
    const double bc1 = 1.0 - std::pow(options_.beta1, static_cast<double>(steps_));
    const double bc2 = 1.0 - std::pow(options_.beta2, static_cast<double>(steps_));
    const double stepSize = lr / bc1;
    for (size_t i = 0; i < params_.size(); ++i) {
        at::Tensor& p = params_[i].second;
        if (!p.grad().defined()) continue;
        at::Tensor g = clip != 1.0 ? p.grad() * clip : p.grad();
        m_[i].mul_(options_.beta1).add_(g, 1.0 - options_.beta1);
        v_[i].mul_(options_.beta2).addcmul_(g, g, 1.0 - options_.beta2);
        if (options_.weightDecay > 0 && p.dim() > 1) p.mul_(1.0 - lr * options_.weightDecay);  // no decay on norms/biases
        at::Tensor denom = (v_[i] / bc2).sqrt_().add_(options_.eps);
        p.addcdiv_(m_[i], denom, -stepSize);
    }
    return total;
}

void AdamW::saveState(std::map<std::string, at::Tensor>& out) const {
    for (size_t i = 0; i < params_.size(); ++i) {
        out["adam.m." + params_[i].first] = m_[i];
        out["adam.v." + params_[i].first] = v_[i];
    }
}

void AdamW::loadState(const std::map<std::string, at::Tensor>& in, int64_t steps) {
    at::NoGradGuard noGrad;
    for (size_t i = 0; i < params_.size(); ++i) {
        for (auto [prefix, target] : {std::pair{"adam.m.", &m_[i]}, std::pair{"adam.v.", &v_[i]}}) {
            auto it = in.find(prefix + params_[i].first);
            if (it == in.end()) throw LoadError("checkpoint lacks optimizer state '" + std::string(prefix) + params_[i].first + "'");
            if (it->second.sizes() != target->sizes())
                throw LoadError("checkpoint optimizer state '" + it->first + "' has the wrong shape");
            target->copy_(it->second);
        }
    }
    steps_ = steps;
}

Ema::Ema(const NamedTensors& params, double decay) : decay_(decay) {
    at::NoGradGuard noGrad;
    for (const auto& [name, p] : params) weights_[name] = p.detach().clone();
}

void Ema::update(const NamedTensors& params, int64_t step) {
    at::NoGradGuard noGrad;
    const double d = std::min(decay_, (1.0 + static_cast<double>(step)) / (10.0 + static_cast<double>(step)));
    for (const auto& [name, p] : params)
        if (p.requires_grad()) weights_.at(name).mul_(d).add_(p.detach(), 1.0 - d);  // frozen ones stay exact
}

void loadEma(Ema& ema, const std::map<std::string, at::Tensor>& checkpoint, const std::string& what) {
    at::NoGradGuard noGrad;
    for (auto& [name, t] : ema.weights()) {
        auto it = checkpoint.find("ema." + name);
        if (it == checkpoint.end()) throw LoadError(what + " lacks 'ema." + name + "'");
        if (it->second.sizes() != t.sizes()) throw LoadError(what + ": 'ema." + name + "' has the wrong shape");
        t.copy_(it->second);
    }
}

void copyInto(const NamedTensors& params, const std::map<std::string, at::Tensor>& weights, const std::string& what) {
    at::NoGradGuard noGrad;
    for (const auto& [name, p] : params) {
        auto it = weights.find(name);
        if (it == weights.end()) throw LoadError(what + " lacks '" + name + "'");
        if (it->second.sizes() != p.sizes())
            throw LoadError(what + ": '" + name + "' has shape " + std::string(c10::str(it->second.sizes())) +
                            ", the model expects " + std::string(c10::str(p.sizes())));
        p.copy_(it->second);
    }
}

}  // namespace dragdiff::train
