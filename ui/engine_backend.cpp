#include "ui/engine_backend.h"

#include <mutex>

namespace dragdiff::ui {

ModelInfo FacadeBackend::loadModel(const ModelSpec& spec) {
    std::unique_lock lock(modelMutex_);
    return engine_.loadModel(spec);
}

void FacadeBackend::prepareImage(const RgbaImage& image, const std::string& prompt, const std::atomic<bool>* cancel) {
    engine_.prepareImage(image, prompt, cancel);
}

HeatMap FacadeBackend::heatmap(PointF point, const EditParameters& parameters) const {
    std::shared_lock lock(modelMutex_);
    return engine_.heatmap(point, parameters);
}

EditResult FacadeBackend::edit(const EditRequest& request, const ProgressCallback& progress,
                               const std::atomic<bool>* cancel) {
    return engine_.edit(request, progress, cancel);
}

}  // namespace dragdiff::ui
