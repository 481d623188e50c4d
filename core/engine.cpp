// The facade's Engine: owns the loaded pipeline and the prepared image's features, and turns
// every library exception into the core's own error types.
#include "dragdiff/engine.h"

#include "diffusion/ddim_scheduler.h"
#include "drag/correspondence.h"
#include "drag/drag_editor.h"
#include "drag/edit_context.h"
#include "drag/feature_cache.h"
#include "drag/inversion_cache.h"
#include "drag/latent_ops.h"
#include "drag/original_branch.h"
#include "drag/pipeline.h"
#include "drag/warp_preview.h"
#include "drag/working_image.h"

#include <ATen/Parallel.h>
#include <c10/util/Exception.h>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <torch/cuda.h>

#include <chrono>
#include <cstdlib>
#include <mutex>
#include <new>
#include <optional>
#include <shared_mutex>
#include <thread>

namespace dragdiff {
namespace {

int defaultThreads() {
    if (const char* env = std::getenv("DRAGDIFF_THREADS"); env && *env) {
        int n = std::atoi(env);
        if (n > 0) return n;
    }
    return std::max(1u, std::thread::hardware_concurrency());
}

// Runs `f`, re-throwing LibTorch / OpenCV / allocation failures as the core's errors.
template <typename F>
auto translated(const char* what, F&& f) -> decltype(f()) {
    try {
        return f();
    } catch (const Error&) {
        throw;
    } catch (const c10::Error& e) {
        const std::string msg = e.what_without_backtrace();
        if (msg.find("out of memory") != std::string::npos || msg.find("DefaultCPUAllocator") != std::string::npos)
            throw Error(std::string(what) + " ran out of memory; close other programs, use a smaller model or "
                                            "image, or fewer guided steps");
        throw Error(std::string(what) + " failed: " + msg);
    } catch (const cv::Exception& e) {
        if (e.code == cv::Error::StsNoMem)
            throw Error(std::string(what) + " ran out of memory; close other programs or use a smaller image");
        throw Error(std::string(what) + " failed in image processing: " + e.what());
    } catch (const std::bad_alloc&) {
        throw Error(std::string(what) + " ran out of memory; close other programs or use a smaller image");
    }
}

}  // namespace

std::vector<std::string> availableDevices() {
    std::vector<std::string> d{"cpu"};
    if (torch::cuda::is_available()) d.push_back("cuda");
    return d;
}

void setThreadCount(int threads) { at::set_num_threads(threads > 0 ? threads : defaultThreads()); }

int threadCount() { return at::get_num_threads(); }

struct Engine::Impl {
    // Serialises everything that runs the model (loadModel, prepareImage, edit).
    std::mutex modelMutex;
    std::optional<drag::Pipeline> pipeline;
    drag::InversionCache inversions;  // guarded by modelMutex; emptied when a model loads
    // A copy of the loaded model's description, readable while the model mutex is held elsewhere.
    mutable std::mutex infoMutex;
    std::optional<ModelInfo> info;
    mutable std::shared_mutex featuresMutex;  // guards the prepared features below
    drag::FeatureCache features;              // [1, C, h, w] at latent resolution, normalised once
    drag::WorkingImage work;
    int latentScale = 8;
    bool prepared = false;

    void dropFeatures() {
        std::unique_lock lock(featuresMutex);
        features = drag::FeatureCache();
        work = drag::WorkingImage();
        prepared = false;
    }
    void setInfo(std::optional<ModelInfo> i) {
        std::lock_guard lock(infoMutex);
        info = std::move(i);
    }
};

Engine::Engine() : impl_(std::make_unique<Impl>()) {
    static std::once_flag threadsOnce;
    std::call_once(threadsOnce, [] { setThreadCount(0); });
}

Engine::~Engine() = default;

ModelInfo Engine::loadModel(const ModelSpec& spec) {
    std::lock_guard model(impl_->modelMutex);
    impl_->setInfo(std::nullopt);
    impl_->dropFeatures();  // heatmap() says NotReady from here on, and never sees the old model's features
    impl_->inversions.clear();
    impl_->pipeline.reset();  // the old model's memory goes before the new one is read
    return translated("loading the model", [&] {
        impl_->pipeline.emplace(drag::loadPipeline(spec));
        impl_->setInfo(impl_->pipeline->info);
        return impl_->pipeline->info;
    });
}

bool Engine::hasModel() const {
    std::lock_guard lock(impl_->infoMutex);
    return impl_->info.has_value();
}

ModelInfo Engine::modelInfo() const {
    std::lock_guard lock(impl_->infoMutex);
    if (!impl_->info) throw InvalidRequest("no model is loaded");
    return *impl_->info;
}

void Engine::prepareImage(const RgbaImage& image, const std::string& prompt, const std::atomic<bool>* cancel,
                          const ProgressCallback& progress) {
    EditParameters parameters;
    parameters.prompt = prompt;
    prepareImage(image, parameters, cancel, progress);
}

void Engine::prepareImage(const RgbaImage& image, const EditParameters& parameters, const std::atomic<bool>* cancel,
                          const ProgressCallback& progress) {
    std::lock_guard model(impl_->modelMutex);
    if (!impl_->pipeline) throw InvalidRequest("load a model before preparing an image");
    if (image.empty()) throw InvalidRequest("no image to prepare");
    // Heatmaps of the previous picture must not answer for this one.
    impl_->dropFeatures();
    validateParameters(parameters);
    const auto start = std::chrono::steady_clock::now();
    int total = 0;  // encoding, the inversion's steps, the features
    auto report = [&](int done) {
        if (cancel && cancel->load()) throw Cancelled();
        if (!progress) return;
        EditProgress e;
        e.phase = "preparing";
        e.step = done;
        e.totalSteps = total;
        e.elapsedSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        progress(e);
    };
    // The inversion's own progress, counted from the end: a cached part of it is skipped over.
    auto reportBranch = [&](const EditProgress& e) {
        report(e.phase == std::string("inversion") ? total - 1 - (e.totalSteps - e.step) : 0);
    };
    translated("preparing the image's features", [&] {
        at::NoGradGuard noGrad;
        drag::Pipeline& p = *impl_->pipeline;
        drag::AutocastScope autocast(p);
        // The features the edit identifies its parts by (drag_editor.cpp), so that heatmaps and
        // warp previews show what the edit will do: the picture inverted as far as the part step,
        // kept in the inversion cache for the edit to carry on from. (DIFT's features of the picture
        // noised at random, one pass, chose another mode than the edit for 13 of 150 bench cases.)
        drag::EditContext c(p, parameters);
        c.featureBlock = p.featureBlock(parameters.featureBlock);
        const drag::WorkingImage work = p.workingImage(image, parameters.workingSize);
        c.context = p.encodeContext(parameters.prompt, work, parameters.imageTransform);
        p.addSizeConditioning(c.context, work.rgb.rows, work.rgb.cols);  // as runDragEdit
        c.scheduler.setTimesteps(parameters.steps);
        const int step = drag::partFeatureStep(c.scheduler, c.scheduler.startIndex(parameters.strength));
        total = c.scheduler.numInferenceSteps() - step + 2;
        std::map<std::string, double> timings;
        const auto original = drag::originalBranch(c, work, step, reportBranch, cancel, &impl_->inversions, timings);
        c.h = original->z0.size(2);
        c.w = original->z0.size(3);
        drag::FeatureCache feats(drag::partFeatures(c, *original, step));
        {
            std::unique_lock lock(impl_->featuresMutex);
            impl_->features = std::move(feats);
            impl_->work = work;
            impl_->latentScale = p.latentScale();
            impl_->prepared = true;
        }
        report(total);
    });
}

bool Engine::imagePrepared() const {
    std::shared_lock lock(impl_->featuresMutex);
    return impl_->prepared;
}

HeatMap Engine::heatmap(PointF point, const EditParameters& parameters) const {
    std::shared_lock lock(impl_->featuresMutex);
    if (!impl_->prepared)
        throw NotReady("no heatmap yet: the picture's features are not prepared (prepare the image after the model "
                       "has loaded, then ask again)");
    return translated("computing the heatmap", [&] {
        return drag::heatmapImage(impl_->features, impl_->work, impl_->latentScale, point,
                                  drag::HeatmapSettings::from(parameters));
    });
}

WarpPreview Engine::warpPreview(const std::vector<DragPair>& drags, const Mask& mask,
                                const EditParameters& parameters) const {
    std::shared_lock lock(impl_->featuresMutex);
    if (!impl_->prepared)
        throw NotReady("no warp preview yet: the picture's features are not prepared (prepare the image after the "
                       "model has loaded, then ask again)");
    return translated("computing the warp preview", [&] {
        at::NoGradGuard noGrad;
        return drag::previewWarp(impl_->features, impl_->work, impl_->latentScale, drags, mask, parameters);
    });
}

EditResult Engine::edit(const EditRequest& request, const ProgressCallback& progress, const std::atomic<bool>* cancel) {
    std::lock_guard model(impl_->modelMutex);
    if (!impl_->pipeline) throw InvalidRequest("load a model before running an edit");
    return translated("the edit", [&] {
        drag::AutocastScope autocast(*impl_->pipeline);
        return drag::runDragEdit(*impl_->pipeline, request, progress, cancel, &impl_->inversions);
    });
}

bool Engine::prepareInversion(const RgbaImage& image, const EditParameters& parameters, const std::atomic<bool>* cancel,
                              const ProgressCallback& progress) {
    std::lock_guard model(impl_->modelMutex);
    if (!impl_->pipeline) throw InvalidRequest("load a model before preparing an edit");
    if (image.empty()) throw InvalidRequest("no image to prepare");
    validateParameters(parameters);
    return translated("preparing the edit (encoding and inversion)", [&] {
        at::NoGradGuard noGrad;
        drag::Pipeline& p = *impl_->pipeline;
        drag::AutocastScope autocast(p);
        drag::EditContext c(p, parameters);
        const drag::WorkingImage work = p.workingImage(image, parameters.workingSize);
        c.context = p.encodeContext(parameters.prompt, work, parameters.imageTransform);
        p.addSizeConditioning(c.context, work.rgb.rows, work.rgb.cols);  // as runDragEdit
        c.scheduler.setTimesteps(parameters.steps);
        const int startIndex = c.scheduler.startIndex(parameters.strength);
        const auto known = impl_->inversions.find(drag::inversionKeyOf(c, work));
        if (known && known->reaches(parameters.steps - startIndex)) return false;
        const auto start = std::chrono::steady_clock::now();
        std::map<std::string, double> timings;
        auto emit = [&](EditProgress e) {
            e.elapsedSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            if (progress) progress(e);
        };
        drag::originalBranch(c, work, startIndex, emit, cancel, &impl_->inversions, timings);
        return true;
    });
}

}  // namespace dragdiff
