#include "train/eval_command.h"

#include "io/image_io.h"
#include "train/evaluation.h"
#include "train/train_loop.h"
#include "train/scene_batches.h"
#include "train/train_configs.h"

#include <chrono>
#include <cstdio>
#include <filesystem>

namespace fs = std::filesystem;

namespace dragdiff::train {

namespace {
constexpr int kInversionImages = 8;
constexpr uint64_t kSampleSeed = 1234;
}  // namespace

void runEval(const TrainOptions& o, nlohmann::json& report) {
    configureTorch(o);
    const auto start = std::chrono::steady_clock::now();
    models::AutoencoderKL vae = models::loadVAE(o.model + "/vae");
    const double vaePsnr = reconstructionPSNR(*vae, sceneTensor(kHeldOutSeedBase, o.evalImages, kImageSize));
    std::printf("eval: VAE reconstruction PSNR %.2f dB on %d held-out scenes\n", vaePsnr, o.evalImages);
    report["eval"]["vae_psnr_db"] = vaePsnr;
    report["eval"]["held_out_images"] = o.evalImages;

    if (fs::exists(o.model + "/unet/config.json")) {
        models::UNet2DConditionModel unet = models::loadUNet(o.model + "/unet");
        if (!o.samples.empty()) {
            const at::Tensor samples = sampleImages(*unet, *vae, o.sampleCount, o.sampleSteps, kSampleSeed);
            // The real scenes beside the samples, for comparison: samples first, last row real.
            const at::Tensor real = sceneTensor(kHeldOutSeedBase, 8, kImageSize);
            io::saveImage(o.samples, imageGrid(at::cat({samples, real}), 8, 2));
            std::printf("eval: %d DDIM-%d samples (and 8 real held-out scenes, last row) -> %s\n", o.sampleCount,
                        o.sampleSteps, o.samples.c_str());
            report["eval"]["sample_count"] = o.sampleCount;
        }
        const double inv =
            inversionPSNR(*unet, *vae, sceneTensor(kHeldOutSeedBase, kInversionImages, kImageSize), o.sampleSteps);
        std::printf("eval: DDIM-%d inversion + reconstruction PSNR %.2f dB on %d held-out scenes\n", o.sampleSteps,
                    inv, kInversionImages);
        report["eval"]["inversion_psnr_db"] = inv;
        report["eval"]["sample_steps"] = o.sampleSteps;
    }
    report["eval"]["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace dragdiff::train
