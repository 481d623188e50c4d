#pragma once
// What every step of one drag edit reads: the model, the parameters, the schedule, the prompt's
// context, the feature block and the drag geometry in latent pixels; and the count of the
// network passes the edit makes.
#include "diffusion/ddim_scheduler.h"
#include "drag/correspondence.h"
#include "drag/pass_counter.h"
#include "drag/pipeline.h"

#include <ATen/ATen.h>

#include <vector>

namespace dragdiff::drag {

struct DragGeometry {
    std::vector<PointF> handles;  // latent pixels
    std::vector<PointF> targets;
    at::Tensor targetsNormalized;  // [n, 2] in [0, 1] of the latent map
    size_t size() const { return handles.size(); }
};

struct EditContext {
    Pipeline& p;
    const EditParameters& params;
    diffusion::DDIMScheduler scheduler;
    models::UNetConditioning context;  // the UNet's cross-attention input [1, L, C] (+ SDXL's added conditioning)
    int featureBlock = 0;
    int64_t h = 0, w = 0;  // latent size
    HeatmapSettings heat;
    at::Tensor userMask;  // [h, w] latent, 1 = editable; undefined without a mask
    mutable PassCounter passes;  // incremented wherever the UNet or the VAE runs

    EditContext(Pipeline& pipeline, const EditParameters& prm)
        : p(pipeline), params(prm), scheduler(pipeline.scheduler), heat(HeatmapSettings::from(prm)) {}

    // Up-block k's features of `z` at `t`, resized to latent resolution: [1, C, h, w]. Counted as
    // a partial forward of `phase` (see pass_counter.h).
    at::Tensor features(const at::Tensor& z, int64_t t, const char* phase) const;
    // The handle's heatmap [h, w] in `features` for `query` (the map's own mean centres it).
    at::Tensor heatmap(const at::Tensor& features, const at::Tensor& query, const at::Tensor& queryMean) const {
        return sharpen(cosineMap(features, query, queryMean, heat.centered), heat, userMask);
    }
    at::Tensor epsilon(const at::Tensor& modelOutput, const at::Tensor& z, int64_t t) const {
        return scheduler.predictEpsilon(modelOutput, z, t);
    }
    at::Tensor timestep(int64_t t) const { return at::scalar_tensor(t, at::TensorOptions(at::kLong).device(p.device)); }
};

}  // namespace dragdiff::drag
