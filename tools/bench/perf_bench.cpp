#include "bench/perf_bench.h"

#include "bench/edit_cost.h"
#include "diffusion/ddim_scheduler.h"
#include "drag/correspondence.h"
#include "drag/drag_editor.h"
#include "drag/energies.h"
#include "drag/feature_cache.h"
#include "drag/pipeline.h"
#include "drag/latent_ops.h"
#include "drag/working_image.h"
#include "dragdiff/engine.h"
#include "dragdiff/error.h"
#include "models/model_configs.h"
#include "models/vae/autoencoder_tiny.h"

#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>
#include <c10/util/Exception.h>
#include <torch/csrc/autograd/autograd.h>

#include <malloc.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>
#include <sys/utsname.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>
#include <thread>

namespace dragdiff::bench {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

double seconds(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }
// CPU seconds of the whole process, all threads: comparable across runs on a shared machine.
double cpuSeconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

double median(std::vector<double> v) {
    if (v.empty()) return std::nan("");
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

struct Timing {
    std::vector<double> wall, cpu;
    double peakRssMb = 0;  // highest VmHWM over the timed runs (0 = not measured)
    double wallMedian() const { return median(wall); }
    double cpuMedian() const { return median(cpu); }
};

// /proc/self/status field in MiB (VmHWM: peak RSS since the last reset, VmRSS: now).
double procStatusMb(const char* field) {
    std::ifstream f("/proc/self/status");
    std::string line;
    const std::string key = std::string(field) + ":";
    while (std::getline(f, line))
        if (line.rfind(key, 0) == 0) return std::strtod(line.c_str() + key.size(), nullptr) / 1024.0;
    return 0;
}

// Resets the peak RSS to the current RSS (Linux: "5" to clear_refs), after handing freed heap
// back to the system so that earlier phases do not count. False when the kernel refuses.
bool resetPeakRss() {
    malloc_trim(0);
    std::ofstream f("/proc/self/clear_refs");
    if (!f) return false;
    f << "5";
    f.flush();
    return static_cast<bool>(f);
}

// One warm-up run, then `runs` timed runs; with `rss`, the peak RSS of each timed run.
Timing measure(const char* what, int runs, bool rss, const std::function<void()>& f) {
    if (runs == 0) return {};  // skipped: medians are NaN, reported as null
    std::fprintf(stderr, "dragdiff-bench perf: %s (warm-up + %d runs)...\n", what, runs);
    f();
    Timing t;
    for (int r = 0; r < runs; ++r) {
        if (rss) resetPeakRss();
        const auto t0 = Clock::now();
        const double c0 = cpuSeconds();
        f();
        t.wall.push_back(seconds(t0));
        t.cpu.push_back(cpuSeconds() - c0);
        if (rss) t.peakRssMb = std::max(t.peakRssMb, procStatusMb("VmHWM"));
    }
    std::fprintf(stderr, "dragdiff-bench perf:   %s: median %.4f s wall, %.4f s CPU\n", what, t.wallMedian(),
                 t.cpuMedian());
    return t;
}

// A gradient background with a disc: something to drag, at any size. Each `variant` changes one
// pixel: another picture for the engine's caches.
RgbaImage syntheticImage(int size, int variant = 0) {
    cv::Mat rgb(size, size, CV_8UC3);
    for (int y = 0; y < size; ++y)
        for (int x = 0; x < size; ++x)
            rgb.at<cv::Vec3b>(y, x) = cv::Vec3b(uint8_t(60 + 120 * x / size), uint8_t(90 + 100 * y / size), 150);
    cv::circle(rgb, cv::Point(int(0.4 * size), size / 2), std::max(2, int(0.15 * size)), cv::Scalar(220, 60, 40),
               cv::FILLED, cv::LINE_AA);
    rgb.at<cv::Vec3b>(0, 0)[0] = uint8_t(variant % 251);
    return drag::toRgba(rgb);
}

std::vector<DragPair> syntheticDrag(int size) {
    return {DragPair{{0.4 * size, 0.5 * size}, {0.55 * size, 0.5 * size}}};
}

drag::Pipeline buildPipeline(const PerfOptions& o) {
    if (o.arch == "embedded") {
        ModelSpec spec;
        spec.path = "embedded";
        return drag::loadPipeline(spec);
    }
    if (o.arch != "sd15" && o.arch != "sd21" && o.arch != "sdxl")
        throw InvalidRequest("unknown --arch '" + o.arch + "' (embedded, sd15, sd21, sdxl)");
    std::fprintf(stderr, "dragdiff-bench perf: building %s with random weights...\n", o.arch.c_str());
    at::manual_seed(0);
    drag::Pipeline p;
    const models::UNetConfig unet = o.arch == "sd15"   ? models::UNetConfig::sd15()
                                    : o.arch == "sd21" ? models::UNetConfig::sd21()
                                                       : models::UNetConfig::sdxl();
    p.unet = models::UNet2DConditionModel(unet);
    p.vae = models::AutoencoderKL(o.arch == "sdxl" ? models::VAEConfig::sdxl() : models::VAEConfig::sd());
    p.scheduler = models::DDIMConfig::stableDiffusion();
    if (o.arch == "sd21") p.scheduler.predictionType = "v_prediction";
    // A random "prompt" context of the right width (there is no text encoder to run).
    p.constantContext = at::randn({1, 77, unet.crossAttentionDim}) * 0.5;
    p.unet->eval();
    p.vae->eval();
    p.info.family = o.arch == "sd15" ? "sd1" : o.arch == "sd21" ? "sd2" : "sdxl";
    p.info.device = "cpu";
    return p;
}

// Everything one guided step reads, fixed.
struct GuidedInputs {
    at::Tensor z, origFeat, origMean, query, target;
    models::UNetConditioning context;
    int64_t t = 0, h = 0, w = 0;
    int featureBlock = 0;
    double alphaT = 0;
    drag::HeatmapSettings heat;
    EditParameters prm;
};

// One guided step as runDragEdit does it with one drag and the default energies (move + MSE
// appearance): forward with features, heatmap, soft centroid, energies, gradient to the latent,
// guided ε. The original branch's features are an input (computed once outside).
at::Tensor guidedStep(drag::Pipeline& p, const diffusion::DDIMScheduler& scheduler, const GuidedInputs& g,
                      const PerfOptions& o) {
    at::AutoGradMode enable(true);
    at::Tensor zg = g.z.detach().requires_grad_(true);
    models::UNetForwardOptions uo;
    uo.returnUpBlockOutputs = true;
    uo.checkpointUpBlocks = o.checkpointUpBlocks;
    if (o.gradCut) uo.gradientUpToUpBlock = g.featureBlock;
    auto out = p.unet->forward(zg, at::scalar_tensor(g.t, at::kLong), g.context, uo);
    at::Tensor epsG = scheduler.predictEpsilon(out.sample, zg, g.t);
    at::Tensor feat = drag::resizeFeatures(out.upBlockOutputs[g.featureBlock], g.h, g.w);
    at::Tensor heat = drag::sharpen(drag::cosineMap(feat, g.query, g.origMean, g.heat.centered), g.heat);
    at::Tensor c = drag::softCentroid(heat);
    volatile double cx = c[0].item<double>(), cy = c[1].item<double>();  // the editor reports centroids
    (void)cx;
    (void)cy;
    at::Tensor moveSum = drag::moveEnergy(c, g.target, g.prm.distanceScaledMove);
    at::Tensor app = drag::appearanceEnergyMse(feat, g.origFeat);
    at::Tensor energy = g.prm.moveWeight * moveSum + g.prm.appearanceWeight * app;
    volatile double eMove = moveSum.item<double>(), eApp = app.item<double>();
    (void)eMove;
    (void)eApp;
    at::Tensor grad = torch::autograd::grad({energy}, {zg}, {}, /*retain_graph=*/false)[0];
    at::Tensor shift = g.prm.guidanceWeight * std::sqrt(1.0 - g.alphaT) * grad;
    return epsG.detach() + shift;
}

std::string machineText() {
    std::string cpu;
    std::ifstream f("/proc/cpuinfo");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("model name", 0) == 0) {
            cpu = line.substr(line.find(':') + 2);
            break;
        }
    utsname u{};
    uname(&u);
    std::ostringstream s;
    s << cpu << ", " << std::thread::hardware_concurrency() << " CPUs, " << u.sysname << " " << u.release;
    return s.str();
}

std::string loadText() {
    std::ifstream f("/proc/loadavg");
    std::string a, b, c;
    f >> a >> b >> c;
    return a + " " + b + " " + c;
}

std::string utcNow() {
    const std::time_t now = std::time(nullptr);
    char buf[64];
    std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
    return buf;
}

json number(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

// The UNet's conditioning for the measurements. SDXL's random pipeline has no text encoders (their
// cost is once per edit): a random context and pooled embedding of its widths, and the size ids.
models::UNetConditioning benchConditioning(drag::Pipeline& p, const drag::WorkingImage& work) {
    models::UNetConditioning c;
    if (p.isSDXL() && !p.textEncoder) {
        const models::UNetConfig& u = p.unet->config();
        const int pooled = u.projectionClassEmbeddingsInputDim - 6 * u.additionTimeEmbedDim;
        c = models::UNetConditioning(p.constantContext, at::randn({1, pooled}) * 0.5, at::Tensor());
    } else {
        c = p.encodeContext("", work, EditParameters().imageTransform);
    }
    p.addSizeConditioning(c, work.rgb.rows, work.rgb.cols);
    return c;
}

}  // namespace

void runPerfBenchmark(const PerfOptions& o) {
    if (o.runs < 1) throw InvalidRequest("--runs must be at least 1");
    // The facade's first Engine sets the default thread count once per process: create it first
    // so that --threads is not overridden later.
    Engine engine;
    setThreadCount(o.threads);
    const std::string loadBefore = loadText();
    const auto buildStart = Clock::now();
    drag::Pipeline p = buildPipeline(o);
    p.unet->setChannelsLast(o.channelsLast);
    const double buildSeconds = seconds(buildStart);
    const bool sd = o.arch != "embedded";
    if (o.full && p.isSDXL())
        throw InvalidRequest("--full is not available for sdxl: a whole SDXL edit needs its text encoders and "
                             "tokenizers, which the random-weight pipeline lacks; time one with dragdiff-cli on a model");
    const int size = o.size > 0 ? o.size : (sd && !p.isSDXL() ? 512 : p.nativeImageSize());
    if (size % p.sizeMultiple() != 0)
        throw InvalidRequest("--size " + std::to_string(size) + " must be a multiple of " + std::to_string(p.sizeMultiple()) +
                             " for this model");
    const RgbaImage image = syntheticImage(size);
    const drag::WorkingImage work = drag::makeWorkingImage(image, size, p.sizeMultiple());
    const at::Tensor pixels = work.tensor(p.device);
    const models::UNetConditioning context = benchConditioning(p, work);
    const double sf = p.vae->scalingFactor();
    std::fprintf(stderr, "dragdiff-bench perf: %s, %d px, %d threads, %s, UNet %s, model ready in %.1f s\n", o.arch.c_str(),
                 size, at::get_num_threads(), o.checkpointUpBlocks ? "checkpointed up-blocks" : "plain backward",
                 o.channelsLast ? "channels-last" : "NCHW", buildSeconds);

    // VAE.
    at::Tensor z0;
    {
        c10::InferenceMode inference;
        z0 = p.vae->encode(pixels).mean * sf;
    }
    const int vaeRuns = o.unetOnly ? 0 : o.runs;
    const Timing encode = measure("VAE encode", vaeRuns, false, [&] {
        c10::InferenceMode inference;
        at::Tensor m = p.vae->encode(pixels).mean;
    });
    const Timing decode = measure("VAE decode", vaeRuns, false, [&] {
        c10::InferenceMode inference;
        at::Tensor x = p.vae->decode(z0 / sf);
    });

    // Preview decoders for a picture of this size whatever the arch: a 4-channel latent at SD's 1/8
    // scale through TAESD's decoder (diffusers' AutoencoderTiny defaults = the published taesd and
    // taesdxl; random weights) and through the linear latent->RGB projection, upsampled as edits do.
    const at::Tensor previewLatent = at::randn({1, 4, size / 8, size / 8}, at::TensorOptions().device(p.device));
    models::AutoencoderTiny taesd(models::AutoencoderTinyConfig(), /*withEncoder=*/false);
    taesd->to(p.device);
    // Cheap beside the VAE, so timed with --unet-only too (which then measures previews at large sizes).
    const Timing taesdDecode = measure("TAESD decode (preview)", o.runs, false, [&] {
        c10::InferenceMode inference;
        at::Tensor x = taesd->decode(previewLatent);
    });
    const Timing linearPreview = measure("latent->RGB projection (preview)", std::max(o.runs, 20), false, [&] {
        c10::InferenceMode inference;
        at::Tensor x = at::upsample_bilinear2d(drag::approximateRgb(previewLatent, p.isSDXL()), {size, size}, false);
    });

    // The timestep of the first guided step of a default edit.
    const EditParameters prm;
    diffusion::DDIMScheduler scheduler(p.scheduler);
    scheduler.setTimesteps(prm.steps);
    const std::vector<int64_t> ts = scheduler.timestepList();
    const int startIdx = scheduler.startIndex(prm.strength);
    const int denoise = prm.steps - startIdx;
    const int guideIdx = std::min(prm.steps - 1, startIdx + int(std::lround(prm.moveSteps * denoise)));
    const int64_t t = ts[size_t(guideIdx)];
    auto gen = at::make_generator<at::CPUGeneratorImpl>(/*seed=*/1);
    const at::Tensor z = scheduler.addNoise(z0, at::randn(z0.sizes(), gen).to(p.device), t).contiguous();
    const int64_t h = z.size(2), w = z.size(3);

    const Timing forward = measure("UNet forward (inference mode)", o.runs, false, [&] {
        c10::InferenceMode inference;
        at::Tensor e = p.unet->forward(z, at::scalar_tensor(t, at::kLong), context).sample;
    });
    // As invertDDIM runs it: no-grad forward + the inverse scheduler's step.
    const int64_t tInv = ts[size_t(startIdx)];
    const Timing inversion = measure("inversion step", o.runs, false, [&] {
        at::NoGradGuard noGrad;
        at::Tensor e = p.unet->forward(z0, at::scalar_tensor(tInv, at::kLong), context).sample;
        at::Tensor next = scheduler.inverseStep(e, tInv, z0).prevSample;
    });

    // The original branch's features at this step (runDragEdit computes them once per guided step).
    GuidedInputs g;
    g.featureBlock = p.defaultFeatureBlock();
    at::Tensor origFeat;
    std::vector<int64_t> origShape;  // [C, H, W] before resizing to the latent
    const Timing origFeatures = measure("original features (no grad, up to the feature block)", o.runs, false, [&] {
        at::NoGradGuard noGrad;
        models::UNetForwardOptions uo;
        uo.stopAfterUpBlock = g.featureBlock;
        const at::Tensor f = p.unet->forward(z, at::scalar_tensor(t, at::kLong), context, uo)
                                 .upBlockOutputs[size_t(g.featureBlock)];
        origShape = {f.size(1), f.size(2), f.size(3)};
        origFeat = drag::resizeFeatures(f, h, w);
    });
    // What each up-block's features cost and how fine they are: the feature block is a choice
    // (parameter feature_block), and on SDXL the measured rule of SD had to be carried over.
    struct BlockFeatures {
        Timing timing;
        std::vector<int64_t> shape;  // [C, H, W] before resizing to the latent
    };
    std::vector<BlockFeatures> blocks(p.unet->config().upBlockTypes.size());
    for (size_t k = 0; k < blocks.size(); ++k) {
        if (int(k) == g.featureBlock) {
            blocks[k] = {origFeatures, origShape};
            continue;
        }
        blocks[k].timing = measure(("features to up_blocks[" + std::to_string(k) + "]").c_str(), o.runs, false, [&] {
            at::NoGradGuard noGrad;
            models::UNetForwardOptions uo;
            uo.stopAfterUpBlock = int(k);
            const at::Tensor f = p.unet->forward(z, at::scalar_tensor(t, at::kLong), context, uo).upBlockOutputs[k];
            blocks[k].shape = {f.size(1), f.size(2), f.size(3)};
        });
    }
    const int ls = p.latentScale();
    const std::vector<DragPair> drags = syntheticDrag(size);
    const PointF handle{drags[0].handle.x / ls, drags[0].handle.y / ls};
    g.z = z;
    g.context = context;
    g.t = t;
    g.h = h;
    g.w = w;
    g.alphaT = scheduler.alphaProduct(t);
    g.prm = prm;
    g.heat = drag::HeatmapSettings::from(prm);
    g.origFeat = origFeat;
    g.origMean = origFeat[0].mean({1, 2});
    g.query = drag::sampleFeature(origFeat, handle);
    g.target = at::tensor({drags[0].target.x / size, drags[0].target.y / size}, at::kFloat).to(p.device);

    // Heatmaps from cached features, at image resolution, as Engine::heatmap returns them.
    const int heatRuns = std::max(o.runs, 20);
    const drag::FeatureCache cache(origFeat);
    const PointF probe{drags[0].handle.x + 1.5, drags[0].handle.y - 2.5};
    const Timing heat = measure("heatmap from cached features", heatRuns, false, [&] {
        HeatMap m = drag::heatmapImage(cache, work, ls, probe, g.heat);
    });
    // The previous path (cosineMap on the raw features every time), for the before/after.
    const Timing heatBefore = measure("heatmap, uncached cosine (before)", heatRuns, false, [&] {
        at::NoGradGuard noGrad;
        const PointF wp = work.toWorking(probe);
        at::Tensor m = drag::heatmapOf(origFeat, {wp.x / ls, wp.y / ls}, g.heat).contiguous();
        cv::Mat latent(int(m.size(0)), int(m.size(1)), CV_32FC1, m.data_ptr<float>()), up, out;
        cv::resize(latent, up, work.rgb.size(), 0, 0, cv::INTER_LINEAR);
        cv::resize(up(cv::Rect(0, 0, work.content.width, work.content.height)), out, work.original, 0, 0,
                   cv::INTER_LINEAR);
    });

    const bool rssOk = resetPeakRss();
    if (!rssOk) std::fprintf(stderr, "dragdiff-bench perf: cannot reset the peak RSS (/proc/self/clear_refs); "
                                     "the peak figures are the process's\n");
    // A guided step that does not fit in memory (SDXL at 1024 without checkpointing) is a result
    // too: said in the table and the JSON, the other measurements kept.
    Timing guided;
    std::string guidedError;
    try {
        guided = measure("guided step", o.runs, true, [&] { at::Tensor eps = guidedStep(p, scheduler, g, o); });
    } catch (const c10::Error& e) {
        const std::string what = e.what_without_backtrace();
        if (what.find("allocate memory") == std::string::npos && what.find("out of memory") == std::string::npos) throw;
        guidedError = "out of memory after " + std::to_string(std::lround(procStatusMb("VmHWM"))) + " MB peak RSS";
        std::fprintf(stderr, "dragdiff-bench perf: guided step: %s\n", guidedError.c_str());
    }

    // Whole default edits, cold (a new picture each run: encoding, inversion and denoising) and
    // warm (the same picture again: its inversion comes from the cache), through the facade for the
    // embedded model, on the random-weight pipeline for SD (only with --full: minutes per edit).
    Timing edit, editWarm;
    EditResult coldResult, warmResult;
    bool editMeasured = false;
    if (!o.unetOnly && (!sd || o.full)) {
        drag::InversionCache cache;  // the SD pipeline's; the Engine has its own
        if (!sd) {
            ModelSpec spec;
            spec.path = "embedded";
            engine.loadModel(spec);
        }
        EditRequest request;
        request.image = image;
        request.drags = drags;
        if (o.editSteps > 0) request.parameters.steps = o.editSteps;
        auto run = [&](const EditRequest& r) {
            return sd ? drag::runDragEdit(p, r, nullptr, nullptr, &cache) : engine.edit(r);
        };
        int variant = 0;
        const char* via = sd ? "runDragEdit, random weights" : "facade Engine, embedded";
        edit = measure((std::string("cold edit, a new picture each run (") + via + ")").c_str(), o.runs, true, [&] {
            EditRequest r = request;
            r.image = syntheticImage(size, ++variant);
            coldResult = run(r);
        });
        editWarm = measure((std::string("warm edit, the same picture again (") + via + ")").c_str(), o.runs, true,
                           [&] { warmResult = run(request); });
        editMeasured = true;
    }

    const double fwd = forward.wallMedian();
    const double gs = guided.wallMedian();
    json out = json::object();
    out["unet_forward_s"] = number(fwd);
    out["guided_step_s"] = number(gs);
    out["guided_ratio"] = number(gs / fwd);
    out["guided_step_error"] = guidedError.empty() ? json(nullptr) : json(guidedError);
    out["heatmap_ms"] = number(heat.wallMedian() * 1000.0);
    out["feature_block"] = g.featureBlock;
    out["features_per_up_block"] = json::array();
    for (const BlockFeatures& b : blocks)
        out["features_per_up_block"].push_back({{"seconds", number(b.timing.wallMedian())}, {"shape", b.shape}});
    out["vae_decode_s"] = number(decode.wallMedian());
    out["vae_encode_s"] = number(encode.wallMedian());
    out["preview_taesd_s"] = number(taesdDecode.wallMedian());
    out["preview_linear_ms"] = number(linearPreview.wallMedian() * 1000.0);
    out["inversion_step_s"] = number(inversion.wallMedian());
    out["edit_s"] = editMeasured ? number(edit.wallMedian()) : json(nullptr);
    out["edit_warm_s"] = editMeasured ? number(editWarm.wallMedian()) : json(nullptr);
    out["peak_rss_mb"] = {{"guided_step", number(guided.peakRssMb)},
                          {"edit", editMeasured ? number(edit.peakRssMb) : json(nullptr)},
                          {"edit_warm", editMeasured ? number(editWarm.peakRssMb) : json(nullptr)}};
    // Passes per phase, cold and warm, and their cost in forwards at the measured ratios.
    PassCostRatios ratios;
    ratios.partialForward = origFeatures.wallMedian() / fwd;
    ratios.backward = (gs - fwd) / fwd;
    ratios.vaeEncode = encode.wallMedian() / fwd;
    ratios.vaeDecode = decode.wallMedian() / fwd;
    out["pass_cost_ratios"] = {{"partial_forward", number(ratios.partialForward)},
                               {"backward", number(ratios.backward)},
                               {"vae_encode", number(ratios.vaeEncode)},
                               {"vae_decode", number(ratios.vaeDecode)}};
    std::map<std::string, PhaseCost> coldCost, warmCost;
    if (editMeasured) {
        coldCost = editCost(coldResult.counts, ratios);
        warmCost = editCost(warmResult.counts, ratios);
    }
    auto perPhase = [&](double PhaseCost::*field) -> json {
        if (!editMeasured) return json(nullptr);
        json j = json::object();
        for (const auto& [kind, costs] : {std::pair{"cold", &coldCost}, std::pair{"warm", &warmCost}}) {
            j[kind] = json::object();
            for (const auto& [phase, c] : *costs) j[kind][phase] = number(c.*field);
        }
        return j;
    };
    out["edit_unet_forwards"] = perPhase(&PhaseCost::forwards);
    out["edit_unet_partial_forwards"] = perPhase(&PhaseCost::partialForwards);
    out["edit_unet_backwards"] = perPhase(&PhaseCost::backwards);
    out["edit_vae_encodes"] = perPhase(&PhaseCost::vaeEncodes);
    out["edit_vae_decodes"] = perPhase(&PhaseCost::vaeDecodes);
    out["edit_forward_equivalents"] = perPhase(&PhaseCost::forwardEquivalents);
    out["edit_steps"] = editMeasured ? json(coldResult.parameters.steps) : json(nullptr);

    // The table.
    std::ostringstream s;
    s << "## dragdiff-bench perf: " << o.arch << ", " << size << " px (latent " << h << "x" << w << "), "
      << at::get_num_threads() << " threads\n\n"
      << "- command: `" << o.command << "`\n"
      << "- machine: " << machineText() << "\n"
      << "- date: " << utcNow() << "; load average before " << loadBefore << ", after " << loadText() << "\n"
      << "- runs: 1 warm-up + " << o.runs << " timed (heatmaps " << heatRuns << "), medians; UNet "
      << (o.channelsLast ? "channels-last" : "NCHW") << "; guided step "
      << (o.checkpointUpBlocks ? "with checkpointed up-blocks" : "without checkpointing")
      << (o.gradCut ? ", no autograd after the feature block" : ", full graph") << "\n\n"
      << "| measure | median wall | median CPU | note |\n|---|---:|---:|---|\n";
    char row[512];
    auto line = [&](const char* name, const Timing& tm, double scale, const char* unit, const std::string& note) {
        if (tm.wall.empty()) {
            s << "| " << name << " | - | - | skipped (--unet-only) |\n";
            return;
        }
        std::snprintf(row, sizeof(row), "| %s | %.3f %s | %.3f %s | %s |\n", name, tm.wallMedian() * scale, unit,
                      tm.cpuMedian() * scale, unit, note.c_str());
        s << row;
    };
    line("unet_forward_s", forward, 1, "s", "inference mode");
    if (guidedError.empty())
        line("guided_step_s", guided, 1, "s", "ratio " + std::to_string(gs / fwd).substr(0, 5));
    else
        s << "| guided_step_s | - | - | " << guidedError << " |\n";
    line("(original features)", origFeatures, 1, "s", "no-grad forward to up_blocks[" + std::to_string(g.featureBlock) +
                                                          "], once per guided step in runDragEdit");
    for (size_t k = 0; k < blocks.size(); ++k) {
        const auto& sh = blocks[k].shape;
        line(("(features to up_blocks[" + std::to_string(k) + "])").c_str(), blocks[k].timing, 1, "s",
             std::to_string(sh[0]) + " channels, " + std::to_string(sh[1]) + "x" + std::to_string(sh[2]) + " (1/" +
                 std::to_string(size / std::max<int64_t>(1, std::max(sh[1], sh[2]))) + " of the picture)" +
                 (int(k) == g.featureBlock ? ", the default" : ""));
    }
    line("heatmap_ms", heat, 1000, "ms", "cached, normalised features");
    line("(heatmap, before)", heatBefore, 1000, "ms", "cosine on raw features each time");
    line("vae_decode_s", decode, 1, "s", "");
    line("vae_encode_s", encode, 1, "s", "");
    line("preview_taesd_s", taesdDecode, 1, "s", "TAESD decoder, " + std::to_string(size / 8) + "x" + std::to_string(size / 8) + " latent");
    line("preview_linear_ms", linearPreview, 1000, "ms", "latent->RGB projection, upsampled to the picture");
    line("inversion_step_s", inversion, 1, "s", "");
    const std::string editNote = std::string(sd ? "runDragEdit" : "facade Engine") + ", default parameters" +
                                 (o.editSteps > 0 ? " but " + std::to_string(o.editSteps) + " steps" : "");
    if (editMeasured) {
        line("edit_s", edit, 1, "s", "cold: a new picture each run; " + editNote);
        line("edit_warm_s", editWarm, 1, "s", "warm: the same picture again (cached inversion)");
    } else {
        s << "| edit_s | - | - | not measured (--full) |\n";
    }
    s << "\npeak RSS: guided step "
      << (guidedError.empty() ? std::to_string(std::lround(guided.peakRssMb)) + " MB" : "did not fit (" + guidedError + ")");
    if (editMeasured) s << ", whole edit " << std::lround(edit.peakRssMb) << " MB cold, " << std::lround(editWarm.peakRssMb) << " MB warm";
    s << (rssOk ? " (per phase, VmHWM after clear_refs)" : " (process peak: clear_refs refused)") << "\n";
    if (editMeasured) {
        std::snprintf(row, sizeof(row),
                      "\n### Passes of one edit (%d steps)\n\nCost of a pass in forwards (measured above): partial "
                      "forward %.2f, backward %.2f, VAE encode %.2f, VAE decode %.2f.\n\n",
                      coldResult.parameters.steps, ratios.partialForward, ratios.backward, ratios.vaeEncode,
                      ratios.vaeDecode);
        s << row << "| phase | cold: forwards | partial | backwards | VAE enc/dec | forward-equivalents "
          << "| warm: forwards | partial | backwards | VAE enc/dec | forward-equivalents |\n"
          << "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
        std::map<std::string, int> phases;
        for (const auto& [name, c] : coldCost) phases[name] = 0;
        for (const auto& [name, c] : warmCost) phases[name] = 0;
        auto cells = [&](const std::map<std::string, PhaseCost>& costs, const std::string& name) {
            const auto it = costs.find(name);
            const PhaseCost c = it == costs.end() ? PhaseCost() : it->second;
            std::snprintf(row, sizeof(row), " %.0f | %.0f | %.0f | %.0f/%.0f | %.2f |", c.forwards, c.partialForwards,
                          c.backwards, c.vaeEncodes, c.vaeDecodes, c.forwardEquivalents);
            return std::string(row);
        };
        for (const auto& [name, unused] : phases)
            if (name != "total") s << "| " << name << " |" << cells(coldCost, name) << cells(warmCost, name) << "\n";
        s << "| **total** |" << cells(coldCost, "total") << cells(warmCost, "total") << "\n";
    }
    std::cout << s.str() << std::flush;

    if (!o.jsonPath.empty()) {
        std::ofstream f(o.jsonPath);
        if (!f) throw Error("cannot write '" + o.jsonPath + "'; check the folder exists and is writable");
        f << out.dump(2) << "\n";
        if (!f) throw Error("writing '" + o.jsonPath + "' failed (disk full?)");
    }
}

}  // namespace dragdiff::bench
