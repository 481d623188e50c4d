#include "ui/engine_backend.h"

namespace dragdiff::ui {

ModelInfo FacadeBackend::loadModel(const ModelSpec& spec) { return engine_.loadModel(spec); }

void FacadeBackend::prepareImage(const RgbaImage& image, const EditParameters& conditioning,
                                 const std::atomic<bool>* cancel, const ProgressCallback& progress) {
    engine_.prepareImage(image, conditioning, cancel, progress);
}

HeatMap FacadeBackend::heatmap(PointF point, const EditParameters& parameters) const {
    return engine_.heatmap(point, parameters);
}

WarpPreview FacadeBackend::warpPreview(const std::vector<DragPair>& drags, const Mask& mask,
                                       const EditParameters& parameters) const {
    return engine_.warpPreview(drags, mask, parameters);
}

EditResult FacadeBackend::edit(const EditRequest& request, const ProgressCallback& progress,
                               const std::atomic<bool>* cancel) {
    return engine_.edit(request, progress, cancel);
}

bool FacadeBackend::prepareInversion(const RgbaImage& image, const EditParameters& parameters,
                                     const std::atomic<bool>* cancel, const ProgressCallback& progress) {
    return engine_.prepareInversion(image, parameters, cancel, progress);
}

}  // namespace dragdiff::ui
