#pragma once
// What the GUI needs from an engine, with exactly the facade's signatures. The application uses
// FacadeBackend (dragdiff::Engine); tests substitute a scripted backend to exercise the worker
// plumbing (progress, previews, cancellation, errors) without a model.
#include "dragdiff/engine.h"

#include <atomic>
#include <memory>

namespace dragdiff::ui {

class EngineBackend {
public:
    virtual ~EngineBackend() = default;
    virtual ModelInfo loadModel(const ModelSpec& spec) = 0;
    // Only the parameters the features depend on matter here (samePreparation()).
    virtual void prepareImage(const RgbaImage& image, const EditParameters& conditioning,
                              const std::atomic<bool>* cancel, const ProgressCallback& progress) = 0;
    // Called from the heatmap thread, possibly while loadModel(), prepareImage() or edit() runs
    // (the facade allows it: NotReady while there are no features).
    virtual HeatMap heatmap(PointF point, const EditParameters& parameters) const = 0;
    // Called from the warp preview thread, under the same rules as heatmap().
    virtual WarpPreview warpPreview(const std::vector<DragPair>& drags, const Mask& mask,
                                    const EditParameters& parameters) const = 0;
    virtual EditResult edit(const EditRequest& request, const ProgressCallback& progress,
                            const std::atomic<bool>* cancel) = 0;
    // What an edit of `image` with `parameters` starts from (encoding and inversion), computed
    // ahead so that Run begins denoising at once; false when it was already there.
    virtual bool prepareInversion(const RgbaImage& image, const EditParameters& parameters,
                                  const std::atomic<bool>* cancel, const ProgressCallback& progress) = 0;
};

class FacadeBackend : public EngineBackend {
public:
    ModelInfo loadModel(const ModelSpec& spec) override;
    void prepareImage(const RgbaImage& image, const EditParameters& conditioning, const std::atomic<bool>* cancel,
                      const ProgressCallback& progress) override;
    HeatMap heatmap(PointF point, const EditParameters& parameters) const override;
    WarpPreview warpPreview(const std::vector<DragPair>& drags, const Mask& mask,
                            const EditParameters& parameters) const override;
    EditResult edit(const EditRequest& request, const ProgressCallback& progress,
                    const std::atomic<bool>* cancel) override;
    bool prepareInversion(const RgbaImage& image, const EditParameters& parameters, const std::atomic<bool>* cancel,
                          const ProgressCallback& progress) override;

private:
    Engine engine_;  // thread-safe as engine.h documents; no lock of our own is needed
};

}  // namespace dragdiff::ui
