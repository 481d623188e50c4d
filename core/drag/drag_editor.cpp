#include "drag/drag_editor.h"

#include "diffusion/ddim_inversion.h"
#include "diffusion/ddim_scheduler.h"
#include "drag/correspondence.h"
#include "drag/energies.h"
#include "drag/latent_ops.h"
#include "drag/working_image.h"

#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <opencv2/imgproc.hpp>

#include <chrono>
#include <cmath>
#include <map>
#include <tuple>

namespace dragdiff::drag {
namespace {

using Clock = std::chrono::steady_clock;

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

void checkFinite(const at::Tensor& z, int step) {
    if (!at::isfinite(z).all().item<bool>())
        throw Error("the edit diverged: the latent became NaN or infinite at denoising step " + std::to_string(step) +
                    "; lower the guidance weight or set a guidance cap, then run again");
}

// Everything the denoising loop reads, fixed for one edit.
struct EditState {
    Pipeline& p;
    const EditParameters& params;
    diffusion::DDIMScheduler scheduler;
    at::Tensor context;
    int featureBlock = 0;
    int64_t h = 0, w = 0;  // latent size
    HeatmapSettings heatSettings;

    EditState(Pipeline& pipeline, const EditParameters& prm)
        : p(pipeline), params(prm), scheduler(pipeline.scheduler), heatSettings(HeatmapSettings::from(prm)) {}

    // Up-block k's features of `z` at `t`, resized to latent resolution: [1, C, h, w].
    at::Tensor features(const at::Tensor& z, int64_t t) {
        at::NoGradGuard noGrad;
        models::UNetForwardOptions o;
        o.stopAfterUpBlock = featureBlock;
        auto out = p.unet->forward(z, at::scalar_tensor(t, at::kLong), context, o);
        return resizeFeatures(out.upBlockOutputs[featureBlock], h, w);
    }

    at::Tensor epsilon(const at::Tensor& modelOutput, const at::Tensor& z, int64_t t) const {
        return scheduler.predictEpsilon(modelOutput, z, t);
    }
};

struct DragGeometry {
    std::vector<PointF> handles;  // latent pixels
    std::vector<PointF> targets;
    at::Tensor targetsNormalized;  // [n, 2] in [0, 1] of the latent map
};

}  // namespace

void validateEditRequest(const EditRequest& r) {
    if (r.image.empty()) throw InvalidRequest("no image to edit");
    if (r.image.pixels.size() != size_t(r.image.width) * r.image.height * 4)
        throw InvalidRequest("the image buffer does not match its size");
    if (r.drags.empty()) throw InvalidRequest("add at least one handle/target pair to drag");
    auto inside = [&](PointF p) { return p.x >= 0 && p.y >= 0 && p.x <= r.image.width && p.y <= r.image.height; };
    for (size_t i = 0; i < r.drags.size(); ++i) {
        const auto& d = r.drags[i];
        const std::string which = "pair " + std::to_string(i + 1);
        if (!std::isfinite(d.handle.x) || !std::isfinite(d.handle.y) || !std::isfinite(d.target.x) ||
            !std::isfinite(d.target.y))
            throw InvalidRequest(which + " has a point that is not a number");
        if (!inside(d.handle))
            throw InvalidRequest(which + ": the handle (" + std::to_string(d.handle.x) + ", " + std::to_string(d.handle.y) +
                                 ") is outside the " + std::to_string(r.image.width) + "x" + std::to_string(r.image.height) +
                                 " image");
        if (!inside(d.target))
            throw InvalidRequest(which + ": the target (" + std::to_string(d.target.x) + ", " + std::to_string(d.target.y) +
                                 ") is outside the " + std::to_string(r.image.width) + "x" + std::to_string(r.image.height) +
                                 " image");
        if (std::hypot(d.target.x - d.handle.x, d.target.y - d.handle.y) < 0.5)
            throw InvalidRequest(which + ": the handle and its target are the same point; place the target where the part should go");
    }
    if (!r.mask.empty()) {
        if (r.mask.width != r.image.width || r.mask.height != r.image.height)
            throw InvalidRequest("the mask is " + std::to_string(r.mask.width) + "x" + std::to_string(r.mask.height) +
                                 " but the image is " + std::to_string(r.image.width) + "x" +
                                 std::to_string(r.image.height) + "; resize it to the image");
        if (r.mask.values.size() != size_t(r.mask.width) * r.mask.height)
            throw InvalidRequest("the mask buffer does not match its size");
        if (maskIsBlank(r.mask))
            throw InvalidRequest("the mask is empty, so nothing may change; paint where the edit may happen or clear the mask");
    }
    validateParameters(r.parameters);
}

EditResult runDragEdit(Pipeline& p, const EditRequest& request, const ProgressCallback& progress,
                       const std::atomic<bool>* cancel) {
    validateEditRequest(request);
    const auto start = Clock::now();
    const EditParameters& prm = request.parameters;
    EditResult result;
    result.parameters = prm;
    at::NoGradGuard noGrad;

    EditState st(p, prm);
    const int numUp = static_cast<int>(p.unet->numUpBlocks());
    st.featureBlock = prm.featureBlock >= 0 ? prm.featureBlock : p.defaultFeatureBlock();
    if (st.featureBlock >= numUp)
        throw InvalidRequest("feature_block " + std::to_string(st.featureBlock) + " does not exist: this UNet has " +
                             std::to_string(numUp) + " up-blocks (0.." + std::to_string(numUp - 1) + ")");
    st.context = p.encodePrompt(prm.prompt);

    // 1-2. Working image, VAE encoding, inversion.
    WorkingImage work = makeWorkingImage(request.image, p.nativeImageSize(), p.sizeMultiple());
    const int ls = p.latentScale();
    auto emit = [&](EditProgress e) {
        e.elapsedSeconds = secondsSince(start);
        if (progress) progress(e);
    };
    emit(progressOf("encoding", 0, 1));
    checkCancel(cancel);
    const double sf = p.vae->scalingFactor();
    at::Tensor z0 = p.vae->encode(work.tensor(p.device)).mean * sf;  // [1, c, h, w]
    st.h = z0.size(2);
    st.w = z0.size(3);
    result.timings["encode"] = secondsSince(start);

    const int N = prm.steps;
    st.scheduler.setTimesteps(N);
    const int startIdx = st.scheduler.startIndex(prm.strength);
    const std::vector<int64_t> ts = st.scheduler.timestepList();
    const auto invStart = Clock::now();
    diffusion::InversionResult inv = diffusion::invertDDIM(
        st.scheduler, z0, startIdx,
        [&](const at::Tensor& z, int64_t t) {
            checkCancel(cancel);
            return p.unet->forward(z, at::scalar_tensor(t, at::kLong), st.context).sample;
        },
        [&](const diffusion::InversionProgress& ip) {
            EditProgress e = progressOf("inversion", ip.stepsDone, ip.totalSteps);
            const double per = ip.stepsDone ? secondsSince(invStart) / ip.stepsDone : 0;
            e.etaSeconds = per * (ip.totalSteps - ip.stepsDone) * 2.0;
            emit(e);
            return !(cancel && cancel->load());
        });
    result.timings["inversion"] = secondsSince(invStart);
    // The original branch's latent at the level of timesteps[j] (j == N: the clean latent).
    auto origAt = [&](int j) -> const at::Tensor& { return inv.latents.at(static_cast<size_t>(N - j)); };
    auto alphaAt = [&](int j) { return j >= N ? st.scheduler.finalAlphaCumprod().item<double>() : st.scheduler.alphaProduct(ts[j]); };

    // 3-5. Geometry and the handles' heatmaps at the start step.
    DragGeometry geo;
    std::vector<float> targetsFlat;
    for (const auto& d : request.drags) {
        PointF hw = work.toWorking(d.handle), tw = work.toWorking(d.target);
        geo.handles.push_back({hw.x / ls, hw.y / ls});
        geo.targets.push_back({tw.x / ls, tw.y / ls});
        targetsFlat.push_back(float(tw.x / ls / st.w));
        targetsFlat.push_back(float(tw.y / ls / st.h));
    }
    geo.targetsNormalized = at::tensor(targetsFlat, at::kFloat).view({-1, 2}).to(p.device);
    const size_t nDrags = geo.handles.size();

    at::Tensor userMask;  // [h, w] latent, 1 = editable
    if (!request.mask.empty())
        userMask = maskToLatent(request.mask, work.content, work.rgb.size(), ls, p.device);
    // The part is identified where features are most semantic (DIFT's t ≈ 261), on the original
    // branch's own trajectory: at the start step's noise level small models' features are too
    // noisy to delimit a part.
    int jFeat = startIdx;
    for (int j = startIdx; j < N; ++j)
        if (std::abs(ts[j] - kPartTimestep) < std::abs(ts[jFeat] - kPartTimestep)) jFeat = j;
    at::Tensor featStart = st.features(origAt(jFeat), ts[jFeat]);
    std::vector<at::Tensor> queryStart, heatStart;
    const at::Tensor meanStart = featStart[0].mean({1, 2});
    for (size_t i = 0; i < nDrags; ++i) {
        queryStart.push_back(sampleFeature(featStart, geo.handles[i]));
        heatStart.push_back(sharpen(cosineMap(featStart, queryStart[i], meanStart, st.heatSettings.centered),
                                    st.heatSettings, userMask));
    }

    // 8a. The latent move: the part under each handle's heatmap, re-pasted at its target.
    at::Tensor srcMask = at::zeros({st.h, st.w}, z0.options());
    at::Tensor dstMask = at::zeros({st.h, st.w}, z0.options());
    std::vector<at::Tensor> partMasks;
    std::vector<PointF> offsets;
    for (size_t i = 0; i < nDrags; ++i) {
        at::Tensor part = dilate((heatStart[i] >= prm.moveMaskThreshold).to(at::kFloat), 1);
        // The handle's own pixel always belongs to its part, however the threshold falls.
        const int64_t hx = std::clamp<int64_t>(int64_t(geo.handles[i].x), 0, st.w - 1);
        const int64_t hy = std::clamp<int64_t>(int64_t(geo.handles[i].y), 0, st.h - 1);
        part[hy][hx] = 1.0;
        PointF off{geo.targets[i].x - geo.handles[i].x, geo.targets[i].y - geo.handles[i].y};
        partMasks.push_back(part);
        offsets.push_back(off);
        srcMask = at::maximum(srcMask, part);
        dstMask = at::maximum(dstMask, translate(part.view({1, 1, st.h, st.w}), off).view({st.h, st.w}));
    }
    dstMask = (dstMask > 0.5).to(at::kFloat);

    // 10. Where change is allowed: the user's mask, else the moved part's source and destination.
    at::Tensor editable;
    // Feathered outward only: inside the region the edit owns the latent completely. (Feathering
    // inward blended a fraction of the original back every step, which on small latents restored
    // the part at its source.)
    auto soften = [&](const at::Tensor& region) { return at::maximum(feather(region, prm.maskFeather), region).clamp(0, 1); };
    if (userMask.defined()) editable = soften(userMask);
    else if (prm.latentMove) editable = soften(dilate(at::maximum(srcMask, dstMask), 2));
    // Without a mask and without a move (the pure reference method), everything may change.

    const int denoiseSteps = N - startIdx;
    const int moveEnd = prm.latentMove ? startIdx + int(std::lround(prm.moveSteps * denoiseSteps)) : startIdx;
    const int guideStart = (prm.latentMove && prm.guidanceAfterMove) ? moveEnd : startIdx;
    const int guideEnd = std::min(N, guideStart + int(std::lround(prm.guidanceWindow * denoiseSteps)));
    const bool guidanceOn = prm.guidanceWeight > 0 &&
                            (prm.moveWeight > 0 || prm.appearanceWeight > 0 || prm.objectAppearanceWeight > 0 ||
                             prm.objectSizeWeight > 0);

    auto paste = [&](at::Tensor z, int j) {
        for (size_t i = 0; i < nDrags; ++i) {
            at::Tensor moved = translate(origAt(j), offsets[i]);
            at::Tensor m = translate(partMasks[i].view({1, 1, st.h, st.w}), offsets[i]);
            if (userMask.defined()) m = m * userMask;
            z = z * (1 - m) + moved * m;
        }
        return z;
    };

    at::Tensor z = origAt(startIdx).clone();
    if (prm.latentMove) {
        // The vacated area gets a background estimate, not the part itself (that left duplicates).
        at::Tensor vacated = (srcMask * (1 - dstMask)).clamp(0, 1);
        if (userMask.defined()) vacated = vacated * userMask;
        at::Tensor bg = backgroundEstimate(z, 1 - srcMask, 2.0);
        z = z * (1 - vacated) + bg * vacated;
    }

    // 7. Denoising with move steps, guided steps and blending.
    std::map<int, at::Tensor> origFeatCache;
    const auto loopStart = Clock::now();
    for (int j = startIdx; j < N; ++j) {
        checkCancel(cancel);
        const int64_t t = ts[j];
        const double aT = alphaAt(j), aNext = alphaAt(j + 1);
        if (prm.latentMove && j < moveEnd) z = paste(z, j);
        // 9. Identity (MasaCtrl-style): the edited branch attends with the original branch's
        // self-attention keys/values in up_blocks[1..], taken from a pass on the original latent.
        models::SelfAttentionKVHook shareHook;
        std::map<std::tuple<int, int, int>, std::pair<at::Tensor, at::Tensor>> sharedKV;
        if (prm.shareAttention) {
            models::UNetForwardOptions capture;
            capture.stopAfterUpBlock = numUp - 1;
            capture.selfAttentionHook = [&](const models::AttentionSite& s, const at::Tensor& k, const at::Tensor& v) {
                if (s.upBlock >= 1) sharedKV[{s.upBlock, s.attention, s.transformerBlock}] = {k, v};
                return std::make_pair(k, v);
            };
            p.unet->forward(origAt(j), at::scalar_tensor(t, at::kLong), st.context, capture);
            shareHook = [&](const models::AttentionSite& s, const at::Tensor& k, const at::Tensor& v) {
                auto it = sharedKV.find({s.upBlock, s.attention, s.transformerBlock});
                return it != sharedKV.end() ? it->second : std::make_pair(k, v);
            };
        }
        const bool guided = guidanceOn && j >= guideStart && j < guideEnd;

        at::Tensor eps;
        double eMove = 0, eApp = 0;
        std::vector<PointF> centroids;
        if (guided) {
            at::Tensor origFeat = st.features(origAt(j), t);
            const at::Tensor origMean = origFeat[0].mean({1, 2});
            std::vector<at::Tensor> queries, origHeats;
            for (size_t i = 0; i < nDrags; ++i) {
                queries.push_back(sampleFeature(origFeat, geo.handles[i]));
                origHeats.push_back(sharpen(cosineMap(origFeat, queries[i], origMean, st.heatSettings.centered),
                                            st.heatSettings, userMask));
            }
            for (int it = 0; it < prm.gradientIterations; ++it) {
                checkCancel(cancel);
                at::AutoGradMode enable(true);
                at::Tensor zg = z.detach().requires_grad_(true);
                models::UNetForwardOptions o;
                o.returnUpBlockOutputs = true;
                o.selfAttentionHook = shareHook;
                // The energies read up_blocks[k] (and k + 1 for the L1 appearance); ε is used
                // detached, so nothing after them needs a graph.
                o.gradientUpToUpBlock = std::min(numUp - 1, st.featureBlock + (prm.appearanceLoss == "l1" ? 1 : 0));
                o.checkpointUpBlocks = prm.checkpointUpBlocks;
                auto out = p.unet->forward(zg, at::scalar_tensor(t, at::kLong), st.context, o);
                at::Tensor epsG = st.epsilon(out.sample, zg, t);
                at::Tensor feat = resizeFeatures(out.upBlockOutputs[st.featureBlock], st.h, st.w);
                at::Tensor energy = at::zeros({}, z.options());
                at::Tensor moveSum = at::zeros({}, z.options());
                centroids.clear();
                for (size_t i = 0; i < nDrags; ++i) {
                    at::Tensor heat = sharpen(cosineMap(feat, queries[i], origMean, st.heatSettings.centered),
                                              st.heatSettings, userMask);
                    at::Tensor c = softCentroid(heat);
                    centroids.push_back({c[0].item<double>() * st.w * ls / work.scale,
                                         c[1].item<double>() * st.h * ls / work.scale});
                    moveSum = moveSum + moveEnergy(c, geo.targetsNormalized[int64_t(i)], prm.distanceScaledMove);
                    if (prm.objectAppearanceWeight > 0)
                        energy = energy + prm.objectAppearanceWeight * objectAppearanceEnergy(feat, heat, origFeat, origHeats[i]);
                    if (prm.objectSizeWeight > 0)
                        energy = energy + prm.objectSizeWeight * objectSizeEnergy(heat, origHeats[i]);
                }
                at::Tensor app;
                if (prm.appearanceLoss == "l1") {
                    app = appearanceEnergyL1(feat, origFeat);
                    if (st.featureBlock + 1 < numUp) {
                        // The reference compares two consecutive up-blocks' means.
                        at::Tensor next = resizeFeatures(out.upBlockOutputs[st.featureBlock + 1], st.h, st.w);
                        models::UNetForwardOptions o2;
                        o2.stopAfterUpBlock = st.featureBlock + 1;
                        at::Tensor origNext;
                        {
                            at::NoGradGuard ng;
                            origNext = resizeFeatures(
                                p.unet->forward(origAt(j), at::scalar_tensor(t, at::kLong), st.context, o2)
                                    .upBlockOutputs[st.featureBlock + 1],
                                st.h, st.w);
                        }
                        app = app + appearanceEnergyL1(next, origNext);
                    }
                } else {
                    app = appearanceEnergyMse(feat, origFeat);
                }
                energy = energy + prm.moveWeight * moveSum + prm.appearanceWeight * app;
                eMove = moveSum.item<double>();
                eApp = app.item<double>();
                at::Tensor g = torch::autograd::grad({energy}, {zg}, {}, /*retain_graph=*/false)[0];
                at::Tensor shift = prm.guidanceWeight * std::sqrt(1.0 - aT) * g;
                if (prm.guidanceCap > 0) shift = shift.clamp(-prm.guidanceCap, prm.guidanceCap);
                eps = epsG.detach() + shift;
                if (it + 1 < prm.gradientIterations) {
                    // Another iteration: move z_t along the same direction the guided ε implies
                    // for x0, then evaluate the gradient again there.
                    z = z - std::sqrt(1.0 - aT) * shift.detach();
                }
            }
        } else {
            models::UNetForwardOptions o;
            o.returnUpBlockOutputs = true;
            o.selfAttentionHook = shareHook;
            auto out = p.unet->forward(z, at::scalar_tensor(t, at::kLong), st.context, o);
            eps = st.epsilon(out.sample, z, t);
            const at::Tensor featNow = resizeFeatures(out.upBlockOutputs[st.featureBlock], st.h, st.w);
            // Progress only: centroids against the start step's queries (no extra UNet pass).
            for (size_t i = 0; i < nDrags; ++i) {
                at::Tensor heat = sharpen(cosineMap(featNow, queryStart[i], meanStart, st.heatSettings.centered),
                                          st.heatSettings, userMask);
                at::Tensor c = softCentroid(heat);
                centroids.push_back({c[0].item<double>() * st.w * ls / work.scale, c[1].item<double>() * st.h * ls / work.scale});
                eMove += moveEnergy(c, geo.targetsNormalized[int64_t(i)], false).item<double>();
            }
        }
        at::Tensor x0 = predictX0(z, eps, aT);
        z = ddimUpdate(z, eps, aT, aNext);
        if (editable.defined()) z = z * editable + origAt(j + 1) * (1 - editable);
        checkFinite(z, j - startIdx + 1);

        EditStepRecord rec{j - startIdx + 1, t, guided, eMove, eApp, centroids};
        result.steps.push_back(rec);
        EditProgress e = progressOf("editing", j - startIdx + 1, denoiseSteps);
        e.moveEnergy = eMove;
        e.appearanceEnergy = eApp;
        e.centroids = centroids;
        const double per = secondsSince(loopStart) / (j - startIdx + 1);
        e.etaSeconds = per * (N - j - 1);
        if (prm.previewEvery > 0 && ((j - startIdx + 1) % prm.previewEvery == 0 || j == N - 1) && progress) {
            at::Tensor x0b = editable.defined() ? x0 * editable + origAt(N) * (1 - editable) : x0;
            at::Tensor rgb = (work.rgb.cols * work.rgb.rows <= 256 * 256 || p.vae->config().latentChannels != 4)
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
    cv::Mat edited = tensorToRgb(p.vae->decode(z / sf));
    cv::Mat alpha;
    if (!request.mask.empty() || prm.latentMove) {
        // Pixel alpha from the latent region that was allowed to change, grown by one latent pixel
        // so the decoder's seam falls inside it.
        at::Tensor region = userMask.defined() ? userMask : at::maximum(srcMask, dstMask);
        region = feather(dilate(region, 1), 0.75).clamp(0, 1);
        alpha = latentMapToWorking(region, work.rgb.size());
    } else {
        cv::Mat recon = tensorToRgb(p.vae->decode(z0 / sf)), diff, gray;
        cv::absdiff(edited, recon, diff);
        cv::cvtColor(diff, gray, cv::COLOR_RGB2GRAY);
        cv::threshold(gray, alpha, prm.compositeThreshold, 1.0, cv::THRESH_BINARY);
        cv::dilate(alpha, alpha, cv::Mat(), cv::Point(-1, -1), ls);
        cv::GaussianBlur(alpha, alpha, cv::Size(0, 0), ls / 2.0 + 0.5);
    }
    // Exactly zero far from the change, so those pixels stay bit-identical.
    cv::threshold(alpha, alpha, 1e-3, 0, cv::THRESH_TOZERO);
    result.image = compositeBack(request.image, work, edited, alpha, request.mask.empty() ? nullptr : &request.mask);
    result.timings["decode"] = secondsSince(decStart);
    result.timings["total"] = secondsSince(start);
    emit(progressOf("decoding", 1, 1));
    return result;
}

}  // namespace dragdiff::drag
