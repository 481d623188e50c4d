#pragma once
// Correspondence from diffusion features (DIFT): a point's feature vector against every
// position's, as a heatmap H, and H's differentiable soft centroid.
#include "dragdiff/engine.h"

#include <ATen/ATen.h>

namespace dragdiff::drag {

struct HeatmapSettings {
    bool centered = true;
    bool softmax = false;
    double sharpness = 25;
    double threshold = 0.9;
    double temperature = 0.05;

    static HeatmapSettings from(const EditParameters& p);
};

// An up-block's output [B, C, h', w'] bilinearly resized to [B, C, h, w].
at::Tensor resizeFeatures(const at::Tensor& features, int64_t h, int64_t w);

// Bilinear sample of features [1, C, h, w] at `point` (in feature pixels, pixel i spanning [i, i+1)):
// the query vector [C]. Differentiable with respect to the features.
at::Tensor sampleFeature(const at::Tensor& features, PointF point);

// Cosine similarity [h, w] of every position's feature to `query` [C]. When `centered`, both are
// taken relative to their own map's spatial-mean feature (`queryMean` for the query's map).
at::Tensor cosineMap(const at::Tensor& features, const at::Tensor& query, const at::Tensor& queryMean, bool centered);

// The heatmap [h, w] from a cosine map; `mask` ([h, w], optional) restricts it.
at::Tensor sharpen(const at::Tensor& cosine, const HeatmapSettings& s, const at::Tensor& mask = at::Tensor());

// Soft centroid of H [h, w] as (x, y) in [0, 1] (pixel centres), differentiable: [2].
at::Tensor softCentroid(const at::Tensor& heat);

// Convenience: the full heatmap of `point` (feature pixels) in `features` [1, C, h, w].
at::Tensor heatmapOf(const at::Tensor& features, PointF point, const HeatmapSettings& s,
                     const at::Tensor& mask = at::Tensor());

}  // namespace dragdiff::drag
