#include "drag/feature_cache.h"

#include "dragdiff/error.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>

namespace dragdiff::drag {
namespace {
constexpr double kEps = 1e-8;  // as cosineMap
}  // namespace

FeatureCache::Normalised FeatureCache::normalise(const at::Tensor& f) {
    Normalised n;
    n.field = f.contiguous();
    const int64_t c = f.size(1);
    at::Tensor tokens = n.field[0].reshape({c, -1}).t();  // [h·w, C]
    n.unit = (tokens / (tokens.norm(2, {1}, /*keepdim=*/true) + kEps)).contiguous();
    return n;
}

FeatureCache::FeatureCache(const at::Tensor& features) {
    if (!features.defined() || features.dim() != 4 || features.size(0) != 1)
        throw InvalidRequest("feature cache: features must be [1, C, h, w]");
    at::NoGradGuard noGrad;
    raw_ = features.detach().to(at::kFloat).contiguous();
    h_ = raw_.size(2);
    w_ = raw_.size(3);
    plain_ = normalise(raw_);
    centred_ = normalise(raw_ - raw_.mean({2, 3}, /*keepdim=*/true));
}

at::Tensor FeatureCache::heatmap(PointF point, const HeatmapSettings& s) const {
    if (empty()) throw InvalidRequest("feature cache: no features");
    at::NoGradGuard noGrad;
    const Normalised& n = s.centered ? centred_ : plain_;
    // Sampling the centred field equals sampling the raw features minus their mean (the bilinear
    // weights sum to one), which is how cosineMap centres the query.
    at::Tensor q = sampleFeature(n.field, point);  // [C]
    at::Tensor qn = q / (q.norm() + kEps);
    at::Tensor cosine = at::mv(n.unit, qn).view({h_, w_});
    return sharpen(cosine, s);
}

HeatMap heatmapImage(const FeatureCache& cache, const WorkingImage& work, int latentScale, PointF point,
                     const HeatmapSettings& s) {
    if (point.x < 0 || point.y < 0 || point.x > work.original.width || point.y > work.original.height)
        throw InvalidRequest("the point is outside the image");
    const PointF wp = work.toWorking(point);
    const PointF lp{wp.x / latentScale, wp.y / latentScale};
    at::Tensor heat = cache.heatmap(lp, s).to(at::kCPU, at::kFloat).contiguous();
    cv::Mat latent(int(heat.size(0)), int(heat.size(1)), CV_32FC1, heat.data_ptr<float>());
    cv::Mat working, out;
    cv::resize(latent, working, work.rgb.size(), 0, 0, cv::INTER_LINEAR);
    cv::resize(working(cv::Rect(0, 0, work.content.width, work.content.height)), out, work.original, 0, 0,
               cv::INTER_LINEAR);
    HeatMap h;
    h.width = out.cols;
    h.height = out.rows;
    h.values.assign(out.ptr<float>(0), out.ptr<float>(0) + out.total());
    for (float& v : h.values) v = std::min(1.0f, std::max(0.0f, v));
    return h;
}

}  // namespace dragdiff::drag
