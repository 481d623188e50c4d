#pragma once
// Small latent-space operations of the drag edit: translation, dilation, feathering, background
// estimation, and the DDIM update from an ε prediction.
#include "dragdiff/engine.h"

#include <ATen/ATen.h>
#include <opencv2/core.hpp>

namespace dragdiff::drag {

// z [B, C, h, w] translated by `offset` latent pixels (content at p moves to p + offset), bilinear,
// zeros where nothing moves in.
at::Tensor translate(const at::Tensor& z, PointF offset);
// mask [h, w] in [0, 1] grown by `radius` pixels (max filter).
at::Tensor dilate(const at::Tensor& mask, int radius);
// mask [h, w] softened with a Gaussian of `sigma` pixels (no-op for sigma <= 0).
at::Tensor feather(const at::Tensor& mask, double sigma);
// Normalised convolution: z's values where `known` ([h, w], 1 = known) spread into the rest.
at::Tensor backgroundEstimate(const at::Tensor& z, const at::Tensor& known, double sigma);

// One DDIM (eta = 0) update from the ε prediction: x0 = (z - sqrt(1-a) ε)/sqrt(a), then
// z' = sqrt(a') x0 + sqrt(1-a') ε. a = ᾱ_t, a' = ᾱ at the next level. Works for every prediction
// type once the output is converted to ε; differentiable.
at::Tensor ddimUpdate(const at::Tensor& z, const at::Tensor& eps, double alphaT, double alphaNext);
at::Tensor predictX0(const at::Tensor& z, const at::Tensor& eps, double alphaT);

// Mask (image size, 8-bit) -> [h, w] float at `latentSize`, through the working image's geometry.
at::Tensor maskToLatent(const Mask& mask, cv::Size content, cv::Size working, int latentScale,
                        const at::Device& device);
// A map whose last two dimensions are [h, w] -> CV_8UC1, 1 where it is above one half.
cv::Mat binaryMat(const at::Tensor& map);
// [h, w] latent-resolution map -> CV_32FC1 at working size (bilinear).
cv::Mat latentMapToWorking(const at::Tensor& map, cv::Size working);

// A cheap latent -> RGB projection for previews of 4-channel latents (SD 1.x/2.x, or SDXL's with
// its own fit): [1, 3, h, w] in [-1, 1].
at::Tensor approximateRgb(const at::Tensor& scaledLatent, bool sdxlLatents);

}  // namespace dragdiff::drag
