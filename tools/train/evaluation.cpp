#include "train/evaluation.h"

#include "diffusion/ddim_inversion.h"
#include "diffusion/ddim_scheduler.h"
#include "train/train_configs.h"

#include <ATen/CPUGeneratorImpl.h>
#include <opencv2/imgproc.hpp>

#include <cmath>

namespace dragdiff::train {

double psnr(const at::Tensor& a, const at::Tensor& b) {
    const at::Tensor x = (a.clamp(-1, 1) + 1) / 2;
    const at::Tensor y = (b.clamp(-1, 1) + 1) / 2;
    const at::Tensor mse = (x - y).pow(2).flatten(1).mean(1).clamp_min(1e-10);  // [N]
    return (-10.0 * mse.log10()).mean().item<double>();
}

double reconstructionPSNR(models::AutoencoderKLImpl& vae, const at::Tensor& images) {
    at::NoGradGuard noGrad;
    double sum = 0;
    const int64_t n = images.size(0);
    constexpr int64_t kChunk = 16;  // keeps memory flat for any count
    for (int64_t i = 0; i < n; i += kChunk) {
        const at::Tensor x = images.narrow(0, i, std::min(kChunk, n - i));
        sum += psnr(vae.decode(vae.encode(x).mean), x) * x.size(0);
    }
    return sum / static_cast<double>(n);
}

double latentScalingFactor(models::AutoencoderKLImpl& vae, const at::Tensor& images, uint64_t seed) {
    at::NoGradGuard noGrad;
    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
    std::vector<at::Tensor> latents;
    for (int64_t i = 0; i < images.size(0); i += 16) {
        const models::LatentDistribution d = vae.encode(images.narrow(0, i, std::min<int64_t>(16, images.size(0) - i)));
        latents.push_back(d.mean + (0.5 * d.logvar).exp() * at::randn(d.mean.sizes(), gen, d.mean.options()));
    }
    return 1.0 / at::cat(latents).std().item<double>();
}

at::Tensor zeroContext(int64_t batch, int crossAttentionDim) { return at::zeros({batch, 1, crossAttentionDim}); }

namespace {

at::Tensor epsilon(models::UNet2DConditionModelImpl& unet, const at::Tensor& latent, int64_t t) {
    const at::Tensor ctx = zeroContext(latent.size(0), unet.config().crossAttentionDim);
    return unet.forward(latent, at::full({latent.size(0)}, t, at::kLong), ctx).sample;
}

at::Tensor denoise(models::UNet2DConditionModelImpl& unet, const diffusion::DDIMScheduler& scheduler, at::Tensor latent,
                   int startIndex) {
    const std::vector<int64_t> ts = scheduler.timestepList();
    for (size_t i = static_cast<size_t>(startIndex); i < ts.size(); ++i)
        latent = scheduler.step(epsilon(unet, latent, ts[i]), ts[i], latent).prevSample;
    return latent;
}

}  // namespace

at::Tensor sampleImages(models::UNet2DConditionModelImpl& unet, models::AutoencoderKLImpl& vae, int count, int steps,
                        uint64_t seed) {
    at::NoGradGuard noGrad;
    diffusion::DDIMScheduler scheduler(embeddedSchedulerConfig());
    scheduler.setTimesteps(steps);
    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
    const int64_t side = unet.config().sampleSize;
    at::Tensor latent = at::randn({count, unet.config().inChannels, side, side}, gen, at::kFloat);
    latent = denoise(unet, scheduler, latent, 0);
    return vae.decode(latent / vae.scalingFactor());
}

double inversionPSNR(models::UNet2DConditionModelImpl& unet, models::AutoencoderKLImpl& vae, const at::Tensor& images,
                     int steps) {
    at::NoGradGuard noGrad;
    diffusion::DDIMScheduler scheduler(embeddedSchedulerConfig());
    scheduler.setTimesteps(steps);
    const at::Tensor z0 = vae.encode(images).mean * vae.scalingFactor();
    const diffusion::InversionResult inv = diffusion::invertDDIM(
        scheduler, z0, 0, [&](const at::Tensor& latent, int64_t t) { return epsilon(unet, latent, t); });
    const at::Tensor back = denoise(unet, scheduler, inv.last(), 0);
    return psnr(vae.decode(back / vae.scalingFactor()), images);
}

cv::Mat imageGrid(const at::Tensor& images, int columns, int zoom) {
    constexpr int kGap = 2;
    const int n = static_cast<int>(images.size(0));
    const int h = static_cast<int>(images.size(2));
    const int w = static_cast<int>(images.size(3));
    const int rows = (n + columns - 1) / columns;
    cv::Mat grid(rows * (h * zoom + kGap) + kGap, columns * (w * zoom + kGap) + kGap, CV_8UC3, cv::Scalar(40, 40, 40));
    const at::Tensor bytes =
        ((images.detach().clamp(-1, 1) + 1) * 127.5).round().to(at::kByte).permute({0, 2, 3, 1}).contiguous();
    for (int i = 0; i < n; ++i) {
        cv::Mat tile(h, w, CV_8UC3, bytes[i].data_ptr<uint8_t>());
        cv::Mat big;
        cv::resize(tile, big, cv::Size(w * zoom, h * zoom), 0, 0, cv::INTER_NEAREST);
        big.copyTo(grid(cv::Rect(kGap + (i % columns) * (w * zoom + kGap), kGap + (i / columns) * (h * zoom + kGap),
                                 w * zoom, h * zoom)));
    }
    return grid;
}

}  // namespace dragdiff::train
