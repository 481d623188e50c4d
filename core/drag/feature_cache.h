#pragma once
// Correspondence heatmaps from a prepared image's cached features. The features are centred and
// L2-normalised per position once, when the image is prepared; a heatmap is then one bilinear
// 4-tap query, one matrix-vector product, a sigmoid and the upsampling to the image.
#include "drag/correspondence.h"
#include "drag/working_image.h"

#include <ATen/ATen.h>

namespace dragdiff::drag {

class FeatureCache {
public:
    FeatureCache() = default;
    // features [1, C, h, w] at latent resolution (any device).
    explicit FeatureCache(const at::Tensor& features);

    bool empty() const { return !raw_.defined(); }
    const at::Tensor& features() const { return raw_; }
    int64_t height() const { return h_; }
    int64_t width() const { return w_; }

    // The heatmap [h, w] of `point` (latent pixels), equal to heatmapOf(features(), point, s)
    // up to rounding.
    at::Tensor heatmap(PointF point, const HeatmapSettings& s) const;

private:
    struct Normalised {
        at::Tensor field;  // [1, C, h, w] the (centred) features the query is sampled from
        at::Tensor unit;   // [h·w, C] each position's (centred) feature over its norm
    };
    static Normalised normalise(const at::Tensor& f);
    at::Tensor raw_;
    Normalised centred_, plain_;
    int64_t h_ = 0, w_ = 0;
};

// The heatmap of `point` (original image pixels) at the original image's resolution, values in
// [0, 1]: what Engine::heatmap returns.
HeatMap heatmapImage(const FeatureCache& cache, const WorkingImage& work, int latentScale, PointF point,
                     const HeatmapSettings& s);

}  // namespace dragdiff::drag
