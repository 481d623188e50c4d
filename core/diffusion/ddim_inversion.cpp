// DDIM inversion loop; see ddim_inversion.h.
#include "diffusion/ddim_inversion.h"

#include "dragdiff/error.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <sstream>

namespace dragdiff::diffusion {
namespace {

std::string shapeText(const at::Tensor& t) {
    std::ostringstream s;
    s << t.sizes();
    return s.str();
}

}  // namespace

const at::Tensor& InversionResult::latentAt(int64_t t) const {
    for (size_t k = 0; k < timesteps.size(); ++k)
        if (timesteps[k] == t) return latents[k];
    throw InvalidRequest("DDIM inversion: no latent at timestep " + std::to_string(t) + " (the inversion reached " +
                         (timesteps.empty() ? std::string("nothing") : std::to_string(timesteps.back())) + ")");
}

InversionResult invertDDIM(const DDIMScheduler& scheduler, const at::Tensor& z0, int startIndex,
                           const ModelPrediction& model, const InversionCallback& callback) {
    const int n = scheduler.numInferenceSteps();
    if (n <= 0) throw InvalidRequest("DDIM inversion: call setTimesteps on the scheduler first");
    if (startIndex < 0 || startIndex >= n)
        throw InvalidRequest("DDIM inversion: start index " + std::to_string(startIndex) + " is outside [0, " +
                             std::to_string(n) + ")");
    if (!model) throw InvalidRequest("DDIM inversion: no model function given");
    if (!z0.defined()) throw InvalidRequest("DDIM inversion: no latent given");

    at::NoGradGuard noGrad;
    const std::vector<int64_t> schedule = scheduler.timestepList();  // descending
    const int total = n - startIndex;

    InversionResult result;
    result.latents.reserve(total + 1);
    result.timesteps.reserve(total + 1);
    result.latents.push_back(z0);
    result.timesteps.push_back(kCleanTimestep);
    auto report = [&](int done) {
        if (!callback) return;
        InversionProgress p;
        p.stepsDone = done;
        p.totalSteps = total;
        p.timestep = result.timesteps.back();
        p.latent = &result.latents.back();
        if (!callback(p)) throw Cancelled();
    };

    report(0);
    at::Tensor latent = z0;
    for (int k = 0; k < total; ++k) {
        const int64_t t = schedule[n - 1 - k];  // ascending: the inverse scheduler's order
        at::Tensor prediction = model(latent, t);
        if (!prediction.defined() || prediction.sizes() != latent.sizes())
            throw InvalidRequest("DDIM inversion: the model returned shape " +
                                 (prediction.defined() ? shapeText(prediction) : std::string("(none)")) +
                                 " at timestep " + std::to_string(t) + ", expected the latent's " + shapeText(latent));
        latent = scheduler.inverseStep(prediction, t, latent).prevSample;
        result.latents.push_back(latent);
        result.timesteps.push_back(t);
        report(k + 1);
    }
    return result;
}

}  // namespace dragdiff::diffusion
