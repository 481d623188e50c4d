// DDIM inversion loop; see ddim_inversion.h.
#include "diffusion/ddim_inversion.h"

#include "dragdiff/error.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <algorithm>
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
    if (!z0.defined()) throw InvalidRequest("DDIM inversion: no latent given");
    InversionResult start;
    start.latents.push_back(z0);
    start.timesteps.push_back(kCleanTimestep);
    return extendInversion(scheduler, std::move(start), startIndex, model, callback);
}

InversionResult extendInversion(const DDIMScheduler& scheduler, InversionResult done, int startIndex,
                                const ModelPrediction& model, const InversionCallback& callback) {
    const int n = scheduler.numInferenceSteps();
    if (n <= 0) throw InvalidRequest("DDIM inversion: call setTimesteps on the scheduler first");
    if (startIndex < 0 || startIndex >= n)
        throw InvalidRequest("DDIM inversion: start index " + std::to_string(startIndex) + " is outside [0, " +
                             std::to_string(n) + ")");
    if (!model) throw InvalidRequest("DDIM inversion: no model function given");
    if (done.latents.empty() || !done.latents.front().defined() || done.timesteps.size() != done.latents.size())
        throw InvalidRequest("DDIM inversion: no latent given");

    at::NoGradGuard noGrad;
    const std::vector<int64_t> schedule = scheduler.timestepList();  // descending
    const int already = int(done.latents.size()) - 1;
    // The steps it has must be this schedule's, or carrying on would mix two schedules.
    if (already > n) throw InvalidRequest("DDIM inversion: the trajectory to extend is longer than the schedule");
    for (int k = 1; k <= already; ++k)
        if (done.timesteps[size_t(k)] != schedule[size_t(n - k)])
            throw InvalidRequest("DDIM inversion: the trajectory to extend was made with another schedule");
    const int total = std::max(0, n - startIndex - already);

    InversionResult result = std::move(done);
    result.latents.reserve(result.latents.size() + total);
    result.timesteps.reserve(result.timesteps.size() + total);
    auto report = [&](int stepsDone) {
        if (!callback) return;
        InversionProgress p;
        p.stepsDone = stepsDone;
        p.totalSteps = total;
        p.timestep = result.timesteps.back();
        p.latent = &result.latents.back();
        if (!callback(p)) throw Cancelled();
    };

    report(0);
    at::Tensor latent = result.latents.back();
    for (int k = 0; k < total; ++k) {
        const int64_t t = schedule[size_t(n - 1 - already - k)];  // ascending: the inverse scheduler's order
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
