#include "drag/correspondence.h"

#include <ATen/ATen.h>

namespace dragdiff::drag {

HeatmapSettings HeatmapSettings::from(const EditParameters& p) {
    HeatmapSettings s;
    s.centered = p.centeredCosine;
    s.softmax = p.heatmapMode == "softmax";
    s.sharpness = p.heatmapSharpness;
    s.threshold = p.heatmapThreshold;
    s.temperature = p.heatmapTemperature;
    return s;
}

at::Tensor resizeFeatures(const at::Tensor& features, int64_t h, int64_t w) {
    if (features.size(2) == h && features.size(3) == w) return features;
    return at::upsample_bilinear2d(features, {h, w}, /*align_corners=*/false);
}

at::Tensor sampleFeature(const at::Tensor& features, PointF point) {
    const double h = static_cast<double>(features.size(2)), w = static_cast<double>(features.size(3));
    // grid_sample with align_corners=false maps -1..1 onto the outer pixel edges.
    at::Tensor grid = at::tensor({point.x / w * 2.0 - 1.0, point.y / h * 2.0 - 1.0}, features.options())
                          .view({1, 1, 1, 2});
    at::Tensor v = at::grid_sampler(features, grid, /*interpolation bilinear*/ 0, /*padding border*/ 1,
                                    /*align_corners=*/false);  // [1, C, 1, 1]
    return v.view({features.size(1)});
}

at::Tensor cosineMap(const at::Tensor& features, const at::Tensor& query, const at::Tensor& queryMean, bool centered) {
    at::Tensor f = features[0];  // [C, h, w]
    at::Tensor q = query;
    if (centered) {
        f = f - f.mean({1, 2}, /*keepdim=*/true);
        q = q - queryMean;
    }
    constexpr double kEps = 1e-8;
    at::Tensor qn = q / (q.norm() + kEps);
    at::Tensor dots = at::einsum("chw,c->hw", {f, qn});
    return dots / (f.norm(2, {0}) + kEps);
}

at::Tensor sharpen(const at::Tensor& cosine, const HeatmapSettings& s, const at::Tensor& mask) {
    at::Tensor heat;
    if (s.softmax) {
        at::Tensor logits = cosine / s.temperature;
        if (mask.defined()) logits = logits.masked_fill(mask <= 0, -1e4);
        heat = at::softmax(logits.flatten(), 0).view_as(cosine);
        heat = heat / heat.max().detach().clamp_min(1e-12);  // peak 1, so thresholds mean the same in both modes
    } else {
        heat = at::sigmoid(s.sharpness * (cosine - s.threshold));
        if (mask.defined()) heat = heat * mask;
    }
    return heat;
}

at::Tensor softCentroid(const at::Tensor& heat) {
    const int64_t h = heat.size(0), w = heat.size(1);
    at::Tensor xs = (at::arange(w, heat.options()) + 0.5) / static_cast<double>(w);
    at::Tensor ys = (at::arange(h, heat.options()) + 0.5) / static_cast<double>(h);
    at::Tensor mass = heat.sum() + 1e-8;
    at::Tensor cx = (heat.sum(0) * xs).sum() / mass;
    at::Tensor cy = (heat.sum(1) * ys).sum() / mass;
    return at::stack({cx, cy});
}

at::Tensor heatmapOf(const at::Tensor& features, PointF point, const HeatmapSettings& s, const at::Tensor& mask) {
    at::Tensor q = sampleFeature(features, point);
    at::Tensor mean = features[0].mean({1, 2});
    return sharpen(cosineMap(features, q, mean, s.centered), s, mask);
}

}  // namespace dragdiff::drag
