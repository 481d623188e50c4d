#include "drag/latent_ops.h"

#include <opencv2/imgproc.hpp>

#include <cmath>

namespace dragdiff::drag {

at::Tensor translate(const at::Tensor& z, PointF offset) {
    const int64_t h = z.size(2), w = z.size(3);
    at::TensorOptions o = z.options();
    // Sampling grid: output pixel p reads input at p - offset (align_corners=false coordinates).
    at::Tensor xs = ((at::arange(w, o) + 0.5 - offset.x) / double(w)) * 2 - 1;
    at::Tensor ys = ((at::arange(h, o) + 0.5 - offset.y) / double(h)) * 2 - 1;
    at::Tensor gy = ys.view({h, 1}).expand({h, w});
    at::Tensor gx = xs.view({1, w}).expand({h, w});
    at::Tensor grid = at::stack({gx, gy}, -1).unsqueeze(0).expand({z.size(0), h, w, 2});
    return at::grid_sampler(z, grid, /*bilinear*/ 0, /*zeros*/ 0, /*align_corners=*/false);
}

at::Tensor dilate(const at::Tensor& mask, int radius) {
    if (radius <= 0) return mask;
    at::Tensor m = mask.view({1, 1, mask.size(0), mask.size(1)});
    m = at::max_pool2d(m, {2 * radius + 1, 2 * radius + 1}, {1, 1}, {radius, radius});
    return m.view_as(mask);
}

at::Tensor feather(const at::Tensor& mask, double sigma) {
    if (sigma <= 0) return mask;
    const int radius = std::max(1, int(std::ceil(3 * sigma)));
    at::Tensor k = at::arange(-radius, radius + 1, mask.options());
    k = at::exp(-(k * k) / (2 * sigma * sigma));
    k = k / k.sum();
    at::Tensor m = mask.view({1, 1, mask.size(0), mask.size(1)});
    m = at::replication_pad2d(m, {radius, radius, radius, radius});
    m = at::conv2d(m, k.view({1, 1, 1, -1}));
    m = at::conv2d(m, k.view({1, 1, -1, 1}));
    return m.view_as(mask);
}

at::Tensor backgroundEstimate(const at::Tensor& z, const at::Tensor& known, double sigma) {
    const int64_t c = z.size(1);
    at::Tensor num = z * known;
    at::Tensor out = at::empty_like(z);
    at::Tensor den = feather(known, sigma).clamp_min(1e-6);
    for (int64_t i = 0; i < c; ++i) out[0][i] = feather(num[0][i], sigma) / den;
    // Where nothing is known nearby, fall back to the map's known mean.
    at::Tensor weight = (feather(known, sigma) / 1e-2).clamp(0, 1);
    at::Tensor mean = (num.sum({2, 3}, true) / known.sum().clamp_min(1.0));
    return out * weight + mean * (1 - weight);
}

at::Tensor predictX0(const at::Tensor& z, const at::Tensor& eps, double alphaT) {
    return (z - std::sqrt(1.0 - alphaT) * eps) / std::sqrt(alphaT);
}

at::Tensor ddimUpdate(const at::Tensor& z, const at::Tensor& eps, double alphaT, double alphaNext) {
    return std::sqrt(alphaNext) * predictX0(z, eps, alphaT) + std::sqrt(1.0 - alphaNext) * eps;
}

at::Tensor maskToLatent(const Mask& mask, cv::Size content, cv::Size working, int latentScale,
                        const at::Device& device) {
    cv::Mat m(mask.height, mask.width, CV_8UC1, const_cast<uint8_t*>(mask.values.data())), mf, scaled;
    m.convertTo(mf, CV_32F, 1.0 / 255.0);
    cv::resize(mf, scaled, content, 0, 0, cv::INTER_AREA);
    cv::Mat padded = cv::Mat::zeros(working, CV_32FC1);
    scaled.copyTo(padded(cv::Rect(0, 0, content.width, content.height)));
    cv::Mat latent;
    cv::resize(padded, latent, cv::Size(working.width / latentScale, working.height / latentScale), 0, 0, cv::INTER_AREA);
    at::Tensor t = at::from_blob(latent.data, {latent.rows, latent.cols}, at::kFloat).clone();
    return (t > 0.01).to(at::kFloat).to(device);
}

cv::Mat binaryMat(const at::Tensor& map) {
    const int64_t h = map.size(-2), w = map.size(-1);
    const at::Tensor m = (map.detach().to(at::kCPU, at::kFloat).reshape({h, w}) > 0.5).to(at::kByte).contiguous();
    return cv::Mat(int(h), int(w), CV_8UC1, m.data_ptr<uint8_t>()).clone();
}

cv::Mat latentMapToWorking(const at::Tensor& map, cv::Size working) {
    at::Tensor m = at::upsample_bilinear2d(map.detach().to(at::kCPU, at::kFloat).view({1, 1, map.size(0), map.size(1)}),
                                           {working.height, working.width}, false)[0][0].contiguous();
    return cv::Mat(working.height, working.width, CV_32FC1, m.data_ptr<float>()).clone();
}

at::Tensor approximateRgb(const at::Tensor& scaledLatent, bool sdxlLatents) {
    // Least-squares fits of each family's VAE decoder at low resolution (widely used for live
    // previews; SDXL's from ComfyUI's latent formats). SDXL's latents differ: SD's fit turns them
    // the wrong colours.
    static const float kStableDiffusion[4][3] = {
        {0.298f, 0.207f, 0.208f}, {0.187f, 0.286f, 0.173f}, {-0.158f, 0.189f, 0.264f}, {-0.184f, -0.271f, -0.473f}};
    static const float kStableDiffusionBias[3] = {0, 0, 0};
    static const float kSDXL[4][3] = {{0.3651f, 0.4232f, 0.4341f},
                                      {-0.2533f, -0.0042f, 0.1068f},
                                      {0.1076f, 0.1111f, -0.0362f},
                                      {-0.3165f, -0.2492f, -0.2188f}};
    static const float kSDXLBias[3] = {0.1084f, -0.0175f, -0.0011f};
    const auto options = at::TensorOptions().dtype(scaledLatent.scalar_type()).device(scaledLatent.device());
    const float* coefficients = sdxlLatents ? &kSDXL[0][0] : &kStableDiffusion[0][0];
    const float* bias = sdxlLatents ? kSDXLBias : kStableDiffusionBias;
    at::Tensor coef = at::from_blob(const_cast<float*>(coefficients), {4, 3}, at::kFloat).to(options);
    at::Tensor b = at::from_blob(const_cast<float*>(bias), {1, 3, 1, 1}, at::kFloat).to(options);
    at::Tensor rgb = at::einsum("bchw,cd->bdhw", {scaledLatent, coef}) + b;
    return rgb.clamp(-1, 1);
}

}  // namespace dragdiff::drag
