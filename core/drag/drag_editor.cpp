#include "drag/drag_editor.h"

#include "diffusion/ddim_inversion.h"
#include "drag/edit_context.h"
#include "drag/guided_step.h"
#include "drag/latent_ops.h"
#include "drag/part_move.h"
#include "drag/shared_attention.h"
#include "drag/working_image.h"
#include "dragdiff/error.h"

#include <torch/csrc/autograd/grad_mode.h>

#include <opencv2/imgproc.hpp>

#include <chrono>
#include <cmath>
#include <optional>

namespace dragdiff::drag {
namespace {

using Clock = std::chrono::steady_clock;

// The part is identified where features are most semantic (DIFT's t ≈ 261).
constexpr int64_t kPartTimestep = 261;

double secondsSince(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

EditProgress progressOf(const char* phase, int step, int total) {
    EditProgress e;
    e.phase = phase;
    e.step = step;
    e.totalSteps = total;
    return e;
}

void checkCancel(const std::atomic<bool>* cancel) {
    if (cancel && cancel->load()) throw Cancelled();
}

Error divergedAt(int step) {
    return Error("the edit diverged: the latent became NaN or infinite at denoising step " + std::to_string(step) +
                 "; lower the guidance weight or set a guidance cap, then run again");
}

DragGeometry geometryOf(const EditRequest& request, const WorkingImage& work, int latentScale, int64_t h, int64_t w,
                        const at::Device& device) {
    DragGeometry geo;
    std::vector<float> targetsFlat;
    for (const auto& d : request.drags) {
        const PointF hw = work.toWorking(d.handle), tw = work.toWorking(d.target);
        geo.handles.push_back({hw.x / latentScale, hw.y / latentScale});
        geo.targets.push_back({tw.x / latentScale, tw.y / latentScale});
        targetsFlat.push_back(float(tw.x / latentScale / w));
        targetsFlat.push_back(float(tw.y / latentScale / h));
    }
    geo.targetsNormalized = at::tensor(targetsFlat, at::kFloat).view({-1, 2}).to(device);
    return geo;
}

// Where the edit may change the latent: the user's mask, else the moved parts' source and
// destination; undefined (everywhere) without either. Feathered outward only: inside the region
// the edit owns the latent completely (feathering inward blended a fraction of the original back
// every step, which on small latents restored the part at its source).
at::Tensor editableRegion(const EditContext& c, const std::optional<PartMove>& move) {
    auto soften = [&](const at::Tensor& r) { return at::maximum(feather(r, c.params.maskFeather), r).clamp(0, 1); };
    if (c.userMask.defined()) return soften(c.userMask);
    if (move) return soften(dilate(at::maximum(move->source, move->destination), 2));
    return at::Tensor();
}

// Pixel alpha [0, 1] at working size of what the edit may replace in the picture.
cv::Mat compositeAlpha(const EditContext& c, const std::optional<PartMove>& move, const cv::Mat& edited,
                       const at::Tensor& z0, const WorkingImage& work, int latentScale) {
    cv::Mat alpha;
    if (c.userMask.defined() || move) {
        // The latent region that was allowed to change, grown by one latent pixel so the decoder's
        // seam falls inside it.
        at::Tensor region = c.userMask.defined() ? c.userMask : at::maximum(move->source, move->destination);
        region = feather(dilate(region, 1), 0.75).clamp(0, 1);
        alpha = latentMapToWorking(region, work.rgb.size());
    } else {
        cv::Mat recon = tensorToRgb(c.p.vae->decode(z0 / c.p.vae->scalingFactor())), diff, gray;
        cv::absdiff(edited, recon, diff);
        cv::cvtColor(diff, gray, cv::COLOR_RGB2GRAY);
        cv::threshold(gray, alpha, c.params.compositeThreshold, 1.0, cv::THRESH_BINARY);
        cv::dilate(alpha, alpha, cv::Mat(), cv::Point(-1, -1), latentScale);
        cv::GaussianBlur(alpha, alpha, cv::Size(0, 0), latentScale / 2.0 + 0.5);
    }
    // Exactly zero far from the change, so those pixels stay bit-identical.
    cv::threshold(alpha, alpha, 1e-3, 0, cv::THRESH_TOZERO);
    return alpha;
}

}  // namespace

EditResult runDragEdit(Pipeline& p, const EditRequest& request, const ProgressCallback& progress,
                       const std::atomic<bool>* cancel) {
    validateEditRequest(request);
    const auto start = Clock::now();
    const EditParameters& prm = request.parameters;
    EditResult result;
    result.parameters = prm;
    at::NoGradGuard noGrad;

    EditContext c(p, prm);
    const int numUp = static_cast<int>(p.unet->numUpBlocks());
    c.featureBlock = prm.featureBlock >= 0 ? prm.featureBlock : p.defaultFeatureBlock();
    if (c.featureBlock >= numUp)
        throw InvalidRequest("feature_block " + std::to_string(c.featureBlock) + " does not exist: this UNet has " +
                             std::to_string(numUp) + " up-blocks (0.." + std::to_string(numUp - 1) + ")");
    c.context = p.encodePrompt(prm.prompt);
    auto emit = [&](EditProgress e) {
        e.elapsedSeconds = secondsSince(start);
        if (progress) progress(e);
    };

    // 1-2. Working image, VAE encoding, inversion (the original branch's trajectory).
    const WorkingImage work = makeWorkingImage(request.image, p.nativeImageSize(), p.sizeMultiple());
    const int ls = p.latentScale();
    emit(progressOf("encoding", 0, 1));
    checkCancel(cancel);
    const double sf = p.vae->scalingFactor();
    const at::Tensor z0 = p.vae->encode(work.tensor(p.device)).mean * sf;  // [1, c, h, w]
    c.h = z0.size(2);
    c.w = z0.size(3);
    result.timings["encode"] = secondsSince(start);

    const int N = prm.steps;
    c.scheduler.setTimesteps(N);
    const int startIdx = c.scheduler.startIndex(prm.strength);
    const std::vector<int64_t> ts = c.scheduler.timestepList();
    const auto invStart = Clock::now();
    const diffusion::InversionResult inv = diffusion::invertDDIM(
        c.scheduler, z0, startIdx,
        [&](const at::Tensor& z, int64_t t) {
            checkCancel(cancel);
            return p.unet->forward(z, c.timestep(t), c.context).sample;
        },
        [&](const diffusion::InversionProgress& ip) {
            EditProgress e = progressOf("inversion", ip.stepsDone, ip.totalSteps);
            const double per = ip.stepsDone ? secondsSince(invStart) / ip.stepsDone : 0;
            e.etaSeconds = per * (ip.totalSteps - ip.stepsDone) * 2.0;
            emit(e);
            return !(cancel && cancel->load());
        });
    result.timings["inversion"] = secondsSince(invStart);
    // Damaged weights show here first: the guidance cannot be blamed yet.
    for (const at::Tensor& z : inv.latents)
        if (!at::isfinite(z).all().item<bool>())
            throw Error("the model produced NaN or infinite values while encoding and inverting the image: its "
                        "weights are damaged or do not fit its config; check or re-download the model, or use another");
    // The original branch's latent at the level of timesteps[j] (j == N: the clean latent).
    auto origAt = [&](int j) -> const at::Tensor& { return inv.latents.at(static_cast<size_t>(N - j)); };
    auto alphaAt = [&](int j) { return j >= N ? c.scheduler.finalAlphaCumprod().item<double>() : c.scheduler.alphaProduct(ts[j]); };

    // 3-5. Geometry and the handles' heatmaps on the original branch's own trajectory (at the
    // start step's noise level small models' features are too noisy to delimit a part).
    const DragGeometry geo = geometryOf(request, work, ls, c.h, c.w, p.device);
    if (!request.mask.empty()) c.userMask = maskToLatent(request.mask, work.content, work.rgb.size(), ls, p.device);
    int jFeat = startIdx;
    for (int j = startIdx; j < N; ++j)
        if (std::abs(ts[j] - kPartTimestep) < std::abs(ts[jFeat] - kPartTimestep)) jFeat = j;
    const at::Tensor featPart = c.features(origAt(jFeat), ts[jFeat]);
    const at::Tensor meanPart = featPart[0].mean({1, 2});
    std::vector<at::Tensor> queriesPart, heatsPart;
    for (size_t i = 0; i < geo.size(); ++i) {
        queriesPart.push_back(sampleFeature(featPart, geo.handles[i]));
        heatsPart.push_back(c.heatmap(featPart, queriesPart[i], meanPart));
    }

    // 8a, 10. The latent move and the region the edit may change.
    std::optional<PartMove> move;
    if (prm.latentMove) {
        std::vector<DragMode> requested;
        for (const DragPair& d : request.drags) requested.push_back(d.mode);
        move = identifyParts(heatsPart, geo, prm, c.userMask, requested);
    }
    const at::Tensor editable = editableRegion(c, move);

    const int denoiseSteps = N - startIdx;
    const int moveEnd = move ? startIdx + int(std::lround(prm.moveSteps * denoiseSteps)) : startIdx;
    const int guideStart = (move && prm.guidanceAfterMove) ? moveEnd : startIdx;
    const int guideEnd = std::min(N, guideStart + int(std::lround(prm.guidanceWindow * denoiseSteps)));
    const bool guidanceOn = prm.guidanceWeight > 0 && (prm.moveWeight > 0 || prm.appearanceWeight > 0 ||
                                                      prm.objectAppearanceWeight > 0 || prm.objectSizeWeight > 0);

    at::Tensor z = origAt(startIdx).clone();
    if (move) z = move->vacate(z);

    // 7. Denoising: move steps, guided steps, plain steps; each followed by the mask blend.
    const auto loopStart = Clock::now();
    for (int j = startIdx; j < N; ++j) {
        checkCancel(cancel);
        const int64_t t = ts[j];
        const double aT = alphaAt(j), aNext = alphaAt(j + 1);
        if (move && j < moveEnd) z = move->paste(z, origAt(j));
        std::optional<SharedAttention> shared;  // 9. identity
        if (prm.shareAttention) shared.emplace(c, origAt(j), t);
        const models::SelfAttentionKVHook hook = shared ? shared->hook() : models::SelfAttentionKVHook();
        const bool guided = guidanceOn && j >= guideStart && j < guideEnd;
        StepPrediction step = guided ? guidedPrediction(c, z, t, aT, origAt(j), geo, hook, cancel)
                                     : plainPrediction(c, z, t, geo, queriesPart, meanPart, hook);
        z = step.z;
        const at::Tensor x0 = predictX0(z, step.eps, aT);
        z = ddimUpdate(z, step.eps, aT, aNext);
        if (editable.defined()) z = z * editable + origAt(j + 1) * (1 - editable);
        const StepReadout read = readStep(step, z);
        if (!read.latentFinite) throw divergedAt(j - startIdx + 1);

        std::vector<PointF> centroids;  // image pixels
        for (const PointF& n : read.centroids) centroids.push_back(work.toOriginal({n.x * c.w * ls, n.y * c.h * ls}));
        result.steps.push_back({j - startIdx + 1, t, guided, read.moveEnergy, read.appearanceEnergy, centroids});
        EditProgress e = progressOf("editing", j - startIdx + 1, denoiseSteps);
        e.moveEnergy = read.moveEnergy;
        e.appearanceEnergy = read.appearanceEnergy;
        e.centroids = centroids;
        e.etaSeconds = secondsSince(loopStart) / (j - startIdx + 1) * (N - j - 1);
        if (prm.previewEvery > 0 && ((j - startIdx + 1) % prm.previewEvery == 0 || j == N - 1) && progress) {
            const at::Tensor x0b = editable.defined() ? x0 * editable + origAt(N) * (1 - editable) : x0;
            const at::Tensor rgb = p.previewDecoder ? p.previewDecoder->decode(x0b / p.previewDecoder->scalingFactor())
                                   : (work.rgb.cols * work.rgb.rows <= 256 * 256 || p.vae->config().latentChannels != 4)
                                       ? p.vae->decode(x0b / sf)
                                       : at::upsample_bilinear2d(approximateRgb(x0b), {work.rgb.rows, work.rgb.cols}, false);
            e.preview = workingPreview(work, tensorToRgb(rgb));
        }
        emit(e);
    }
    result.timings["denoise"] = secondsSince(loopStart);

    // 11. Decode and composite back at full resolution.
    checkCancel(cancel);
    const auto decStart = Clock::now();
    emit(progressOf("decoding", 0, 1));
    const cv::Mat edited = tensorToRgb(p.vae->decode(z / sf));
    const cv::Mat alpha = compositeAlpha(c, move, edited, z0, work, ls);
    result.image = compositeBack(request.image, work, edited, alpha, request.mask.empty() ? nullptr : &request.mask);
    result.timings["decode"] = secondsSince(decStart);
    result.timings["total"] = secondsSince(start);
    emit(progressOf("decoding", 1, 1));
    return result;
}

}  // namespace dragdiff::drag
