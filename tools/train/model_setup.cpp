#include "train/model_setup.h"

#include "train/train_configs.h"

#include <algorithm>

namespace dragdiff::train {

models::VAEConfig vaeConfigFor(const TrainOptions& o) {
    models::VAEConfig c = embeddedVAEConfig();
    if (o.vaeWidth > 0) {
        c.blockOutChannels = {o.vaeWidth, 2 * o.vaeWidth, 4 * o.vaeWidth};
        c.normNumGroups = std::min(16, o.vaeWidth);
        c.layersPerBlock = 1;
    }
    return c;
}

models::UNetConfig unetConfigFor(const TrainOptions& o) {
    models::UNetConfig c = embeddedUNetConfig();
    if (o.unetWidth > 0) {
        c.blockOutChannels = {o.unetWidth, 2 * o.unetWidth, 2 * o.unetWidth};
        c.normNumGroups = std::min(32, o.unetWidth);
    }
    return c;
}

NamedTensors trainableParameters(torch::nn::Module& module) {
    NamedTensors out;
    for (auto& item : module.named_parameters(/*recurse=*/true)) {
        item.value().set_requires_grad(true);
        out.emplace_back(item.key(), item.value());
    }
    return out;
}

void toChannelsLast(const NamedTensors& params) {
    at::NoGradGuard noGrad;
    for (const auto& [name, p] : params)
        if (p.dim() == 4) p.set_data(p.contiguous(at::MemoryFormat::ChannelsLast));
}

std::map<std::string, at::Tensor> parameterMap(const NamedTensors& params) {
    std::map<std::string, at::Tensor> out;
    for (const auto& [name, p] : params) out[name] = p.detach().contiguous();
    return out;
}

void addPrefixed(std::map<std::string, at::Tensor>& out, const std::string& prefix,
                 const std::map<std::string, at::Tensor>& tensors) {
    for (const auto& [name, t] : tensors) out[prefix + name] = t;
}

int64_t parameterCount(const NamedTensors& params) {
    int64_t n = 0;
    for (const auto& [name, p] : params) n += p.numel();
    return n;
}

at::Tensor samplePosterior(const models::LatentDistribution& d, at::Generator& gen) {
    at::Tensor eps = at::randn(d.mean.sizes(), gen, d.mean.options());
    return d.mean + (0.5 * d.logvar).exp() * eps;
}

}  // namespace dragdiff::train
