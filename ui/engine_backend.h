#pragma once
// What the GUI needs from an engine, with exactly the facade's signatures. The application uses
// FacadeBackend (dragdiff::Engine); tests substitute a scripted backend to exercise the worker
// plumbing (progress, previews, cancellation, errors) without a model.
#include "dragdiff/engine.h"

#include <atomic>
#include <memory>
#include <shared_mutex>

namespace dragdiff::ui {

class EngineBackend {
public:
    virtual ~EngineBackend() = default;
    virtual ModelInfo loadModel(const ModelSpec& spec) = 0;
    virtual void prepareImage(const RgbaImage& image, const std::string& prompt,
                              const std::atomic<bool>* cancel) = 0;
    // Called from the heatmap thread, possibly while prepareImage() or edit() runs.
    virtual HeatMap heatmap(PointF point, const EditParameters& parameters) const = 0;
    virtual EditResult edit(const EditRequest& request, const ProgressCallback& progress,
                            const std::atomic<bool>* cancel) = 0;
};

class FacadeBackend : public EngineBackend {
public:
    ModelInfo loadModel(const ModelSpec& spec) override;
    void prepareImage(const RgbaImage& image, const std::string& prompt, const std::atomic<bool>* cancel) override;
    HeatMap heatmap(PointF point, const EditParameters& parameters) const override;
    EditResult edit(const EditRequest& request, const ProgressCallback& progress,
                    const std::atomic<bool>* cancel) override;

private:
    Engine engine_;
    // The facade makes heatmap() safe against prepareImage() and edit(), but says nothing about
    // loadModel() replacing the model underneath it: a reader/writer lock covers that case.
    mutable std::shared_mutex modelMutex_;
};

}  // namespace dragdiff::ui
