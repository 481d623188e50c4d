#include "drag/original_branch.h"

#include "dragdiff/error.h"

#include <torch/csrc/autograd/grad_mode.h>

#include <chrono>
#include <cmath>
#include <cstring>

namespace dragdiff::drag {
namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

void checkCancel(const std::atomic<bool>* cancel) {
    if (cancel && cancel->load()) throw Cancelled();
}

EditProgress progressOf(const char* phase, int step, int total) {
    EditProgress e;
    e.phase = phase;
    e.step = step;
    e.totalSteps = total;
    return e;
}

}  // namespace

InversionKey inversionKeyOf(const EditContext& c, const WorkingImage& work) {
    InversionKey k;
    k.unet = c.p.unet.get();
    k.vae = c.p.vae.get();
    k.prompt = c.params.prompt;
    if (c.p.imageEncoder) k.imageTransform = c.params.imageTransform;
    k.steps = c.params.steps;
    const cv::Mat rgb = work.rgb.isContinuous() ? work.rgb : work.rgb.clone();
    k.width = rgb.cols;
    k.height = rgb.rows;
    k.rgb.resize(rgb.total() * rgb.elemSize());
    std::memcpy(k.rgb.data(), rgb.data, k.rgb.size());
    return k;
}

int partFeatureStep(const diffusion::DDIMScheduler& scheduler, int startIndex) {
    constexpr int64_t kPartTimestep = 261;
    const std::vector<int64_t> ts = scheduler.timestepList();
    int best = startIndex;
    for (int j = startIndex; j < int(ts.size()); ++j)
        if (std::abs(ts[size_t(j)] - kPartTimestep) < std::abs(ts[size_t(best)] - kPartTimestep)) best = j;
    return best;
}

at::Tensor partFeatures(const EditContext& c, const InvertedImage& original, int step) {
    const int steps = c.scheduler.numInferenceSteps();
    return c.features(original.inversion.latents.at(size_t(steps - step)), c.scheduler.timestepList().at(size_t(step)),
                      phase::kPartFeatures);
}

std::shared_ptr<const InvertedImage> originalBranch(const EditContext& c, const WorkingImage& work, int startIndex,
                                                    const std::function<void(EditProgress)>& emit,
                                                    const std::atomic<bool>* cancel, InversionCache* cache,
                                                    std::map<std::string, double>& timings) {
    auto report = [&](const EditProgress& e) {
        if (emit) emit(e);
    };
    InversionKey key;
    std::shared_ptr<const InvertedImage> known;
    const int steps = c.scheduler.numInferenceSteps() - startIndex;
    if (cache) {
        key = inversionKeyOf(c, work);
        known = cache->find(key);
        if (known && known->reaches(steps)) return known;
    }
    at::NoGradGuard noGrad;
    Pipeline& p = c.p;
    const auto start = Clock::now();
    auto out = std::make_shared<InvertedImage>();
    diffusion::InversionResult done;
    if (known) {  // inverted part of the way already (a prepared picture): carried on from there
        out->z0 = known->z0;
        done = known->inversion;
    } else {
        report(progressOf("encoding", 0, 1));
        checkCancel(cancel);
        c.passes.vaeEncode(phase::kEncode);
        out->z0 = p.vae->encode(work.tensor(p.device)).mean * p.vae->scalingFactor();  // [1, c, h, w]
        timings["encode"] = secondsSince(start);
        done.latents.push_back(out->z0);
        done.timesteps.push_back(diffusion::kCleanTimestep);
    }

    const auto invStart = Clock::now();
    out->inversion = diffusion::extendInversion(
        c.scheduler, std::move(done), startIndex,
        [&](const at::Tensor& z, int64_t t) {
            checkCancel(cancel);
            c.passes.forward(phase::kInversion);
            return p.unet->forward(z, c.timestep(t), c.context).sample;
        },
        [&](const diffusion::InversionProgress& ip) {
            EditProgress e = progressOf("inversion", ip.stepsDone, ip.totalSteps);
            const double per = ip.stepsDone ? secondsSince(invStart) / ip.stepsDone : 0;
            e.etaSeconds = per * (ip.totalSteps - ip.stepsDone) * 2.0;
            report(e);
            return !(cancel && cancel->load());
        });
    timings["inversion"] = secondsSince(invStart);
    // Damaged weights show here first: the guidance cannot be blamed yet.
    for (const at::Tensor& z : out->inversion.latents)
        if (!at::isfinite(z).all().item<bool>())
            throw Error("the model produced NaN or infinite values while encoding and inverting the image: its "
                        "weights are damaged or do not fit its config; check or re-download the model, or use another");
    if (cache) cache->store(std::move(key), out);
    return out;
}

}  // namespace dragdiff::drag
