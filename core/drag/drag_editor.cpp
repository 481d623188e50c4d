#include "drag/drag_editor.h"

#include "drag/edit_context.h"
#include "drag/full_size_carry.h"
#include "drag/guided_step.h"
#include "drag/latent_ops.h"
#include "drag/original_branch.h"
#include "drag/part_move.h"
#include "drag/shared_attention.h"
#include "drag/warp_preview.h"
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

}  // namespace

Error divergenceError(int step, bool guided) {
    return Error("the edit diverged: the latent became NaN or infinite at denoising step " + std::to_string(step) +
                 (guided ? "; lower the guidance weight or set a guidance cap, then run again"
                         : " without guidance, so the model could not follow these parameters: go back to the "
                           "defaults (Reset to Defaults in the app) and change one at a time"));
}

namespace {

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
        // seam falls inside it. Objects whose own pixels the result shows change only where they
        // were and where they land; a user's mask then only bounds that (the decoder's drift over
        // the rest of the mask was a tinted patch around the moved object).
        const bool carried = move && c.params.carryPixels;
        at::Tensor region;
        if (carried || !c.userMask.defined()) {
            region = at::zeros_like(move->source);
            for (const PartWarp& warp : move->warps)
                if (!carried || warp.pixels.empty()) region = at::maximum(region, at::maximum(warp.part, warp.destination));
            if (c.userMask.defined()) region = region * c.userMask;
        } else {
            region = c.userMask;
        }
        region = feather(dilate(region, 1), 0.75).clamp(0, 1);
        alpha = latentMapToWorking(region, work.rgb.size());
        if (carried) alpha = cv::max(alpha, carriedFootprint(*move, work.rgb.size(), seamMargin(latentScale)));
    } else {
        c.passes.vaeDecode(phase::kDecode);
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

// Where the soft centroid of `heat` [h, w] goes when its part follows `warp`: [2] in [0, 1].
at::Tensor reshapedCentroid(const at::Tensor& heat, const PartWarp& warp) {
    const int64_t h = heat.size(0), w = heat.size(1);
    const at::Tensor carried = warpThrough((heat * warp.part).view({1, 1, h, w}), warp.grid).view({h, w});
    return softCentroid(heat * (1 - warp.part) + carried);
}

}  // namespace

EditResult runDragEdit(Pipeline& p, const EditRequest& request, const ProgressCallback& progress,
                       const std::atomic<bool>* cancel, InversionCache* cache) {
    validateEditRequest(request);
    const auto start = Clock::now();
    const EditParameters& prm = request.parameters;
    EditResult result;
    result.parameters = prm;
    at::NoGradGuard noGrad;

    EditContext c(p, prm);
    c.featureBlock = p.featureBlock(prm.featureBlock);
    auto emit = [&](EditProgress e) {
        e.elapsedSeconds = secondsSince(start);
        if (progress) progress(e);
    };

    // 1-2. Working image, VAE encoding, inversion (the original branch's trajectory), or the
    // same from the cache when this picture was inverted with this model, prompt, steps, strength.
    const WorkingImage work = p.workingImage(request.image, request.parameters.workingSize);
    c.context = p.encodeContext(prm.prompt, work, prm.imageTransform);
    p.addSizeConditioning(c.context, work.rgb.rows, work.rgb.cols);  // SDXL: the working picture's size
    const int ls = p.latentScale();
    const double sf = p.vae->scalingFactor();
    const int N = prm.steps;
    c.scheduler.setTimesteps(N);
    const int startIdx = c.scheduler.startIndex(prm.strength);
    const std::vector<int64_t> ts = c.scheduler.timestepList();
    const std::shared_ptr<const InvertedImage> original =
        originalBranch(c, work, startIdx, emit, cancel, cache, result.timings);
    const diffusion::InversionResult& inv = original->inversion;
    const at::Tensor& z0 = original->z0;  // [1, c, h, w]
    c.h = z0.size(2);
    c.w = z0.size(3);
    // The original branch's latent at the level of timesteps[j] (j == N: the clean latent).
    auto origAt = [&](int j) -> const at::Tensor& { return inv.latents.at(static_cast<size_t>(N - j)); };
    auto alphaAt = [&](int j) { return j >= N ? c.scheduler.finalAlphaCumprod().item<double>() : c.scheduler.alphaProduct(ts[j]); };

    // 3-5. Geometry and the handles' heatmaps on the original branch's own trajectory (at the
    // start step's noise level small models' features are too noisy to delimit a part).
    const auto partsStart = Clock::now();
    DragGeometry geo = geometryOf(request, work, ls, c.h, c.w, p.device);
    if (!request.mask.empty()) c.userMask = maskToLatent(request.mask, work.content, work.rgb.size(), ls, p.device);
    const int jFeat = partFeatureStep(c.scheduler, startIdx);
    const at::Tensor featPart = partFeatures(c, *original, jFeat);
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
        move = identifyParts(heatsPart, geo, prm, c.userMask, requested, work.rgb, ls);
        result.modes = move->modes;
        // A reshaped part's centroid does not travel the whole drag (a stretched edge moves, the
        // far edge stays): the move energy aims at where its heatmap's centroid lands.
        for (const PartWarp& warp : move->warps)
            if (warp.mode == DragMode::Reshape)
                for (size_t i : warp.pairs) geo.targetsNormalized[int64_t(i)] = reshapedCentroid(heatsPart[i], warp);
    }
    const at::Tensor editable = editableRegion(c, move);
    result.timings["parts"] = secondsSince(partsStart);  // features, heatmaps, identification, fields

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
        if (!read.latentFinite) throw divergenceError(j - startIdx + 1, guidanceOn);

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
            const bool decodePreview = !p.previewDecoder &&
                                       (work.rgb.cols * work.rgb.rows <= 256 * 256 || p.vae->config().latentChannels != 4);
            if (decodePreview) c.passes.vaeDecode(phase::kPreviews);
            const at::Tensor rgb = p.previewDecoder ? p.previewDecoder->decode(x0b / p.previewDecoder->scalingFactor())
                                 : decodePreview
                                       ? p.vae->decode(x0b / sf)
                                       : at::upsample_bilinear2d(approximateRgb(x0b, p.isSDXL()), {work.rgb.rows, work.rgb.cols}, false);
            e.preview = workingPreview(work, tensorToRgb(rgb));
        }
        emit(e);
    }
    result.timings["denoise"] = secondsSince(loopStart);

    // 11. Decode and composite back at full resolution.
    checkCancel(cancel);
    const auto decStart = Clock::now();
    emit(progressOf("decoding", 0, 1));
    c.passes.vaeDecode(phase::kDecode);
    cv::Mat edited = tensorToRgb(p.vae->decode(z / sf));
    if (move && prm.carryPixels) {
        edited = removeGhosts(edited, work, *move, seamMargin(ls));
        edited = carryPixels(edited, work, *move, ls);
    }
    const cv::Mat alpha = compositeAlpha(c, move, edited, z0, work, ls);
    const Mask* limit = request.mask.empty() ? nullptr : &request.mask;
    result.image = compositeBack(request.image, work, edited, alpha, limit);
    if (move && prm.carryPixels) {
        const auto carryStart = Clock::now();
        result.image = carryAtOriginalSize(result.image, request.image, work, *move, limit);
        result.timings["full_size_carry"] = secondsSince(carryStart);
    }
    result.timings["decode"] = secondsSince(decStart);
    result.timings["total"] = secondsSince(start);
    result.counts = c.passes.flatten();
    result.counts["inversion_cached"] = result.timings.count("inversion") ? 0 : 1;
    emit(progressOf("decoding", 1, 1));
    return result;
}

}  // namespace dragdiff::drag
