#pragma once
// Quality measurements for the reports and the README: VAE reconstruction PSNR on held-out
// scenes, unconditional DDIM samples, and DDIM inversion + reconstruction PSNR.
#include "models/unet/unet_2d_condition.h"
#include "models/vae/autoencoder_kl.h"

#include <ATen/ATen.h>
#include <opencv2/core.hpp>

namespace dragdiff::train {

// Mean per-image PSNR (dB, images in [0, 1]) of the VAE's reconstruction through the posterior
// mean. `images` [N, 3, H, W] in [-1, 1].
double reconstructionPSNR(models::AutoencoderKLImpl& vae, const at::Tensor& images);
double psnr(const at::Tensor& a, const at::Tensor& b);  // both [N, 3, H, W] in [-1, 1], mean over N

// 1/std of posterior samples of `images` (the diffusers convention for `scaling_factor`).
double latentScalingFactor(models::AutoencoderKLImpl& vae, const at::Tensor& images, uint64_t seed);

// `count` unconditional DDIM samples ([count, 3, H, W] in [-1, 1]) with the zero context.
at::Tensor sampleImages(models::UNet2DConditionModelImpl& unet, models::AutoencoderKLImpl& vae, int count,
                        int steps, uint64_t seed);

// DDIM-invert the images' latents through all `steps` steps, denoise back, decode; the PSNR
// against the originals (dB).
double inversionPSNR(models::UNet2DConditionModelImpl& unet, models::AutoencoderKLImpl& vae, const at::Tensor& images,
                     int steps);

// A grid of images ([N, 3, H, W] in [-1, 1]) as an RGB8 picture, `columns` wide, scaled by `zoom`.
cv::Mat imageGrid(const at::Tensor& images, int columns, int zoom);

// The zero context the embedded UNet is trained and run with: [batch, 1, crossAttentionDim].
at::Tensor zeroContext(int64_t batch, int crossAttentionDim);

}  // namespace dragdiff::train
