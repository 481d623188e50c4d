#include "train/unet_trainer.h"

#include "diffusion/ddim_scheduler.h"
#include "train/checkpoint.h"
#include "train/evaluation.h"
#include "train/model_setup.h"
#include "train/scene_batches.h"
#include "train/train_configs.h"
#include "train/train_loop.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cstdio>

namespace dragdiff::train {

namespace {

Checkpoint makeCheckpoint(const TrainOptions& o, const models::UNetConfig& config, double scalingFactor,
                          const NamedTensors& params, const AdamW& adam, const Ema& ema, int64_t step) {
    Checkpoint c;
    c.sidecar = {{"kind", "unet"},
                 {"step", step},
                 {"seed", o.seed},
                 {"adam_steps", adam.steps()},
                 {"config", unetConfigJson(config)},
                 {"scheduler", schedulerConfigJson(embeddedSchedulerConfig())},
                 {"vae", o.vaeDir},
                 {"scaling_factor", scalingFactor},
                 {"batch", o.batch},
                 {"lr", o.lr},
                 {"steps", o.steps}};
    if (!o.initFrom.empty()) c.sidecar["init_from"] = o.initFrom;
    addPrefixed(c.tensors, "model.", parameterMap(params));
    addPrefixed(c.tensors, "ema.", ema.weights());
    adam.saveState(c.tensors);
    return c;
}

}  // namespace

int trainUNet(const TrainOptions& o) {
    configureTorch(o);
    std::optional<Checkpoint> resumed;
    if (!openCheckpointFolder(o, "unet", resumed)) return 1;
    models::AutoencoderKL vae = models::loadVAE(o.vaeDir);  // frozen
    const double scalingFactor = vae->scalingFactor();
    if (resumed && std::abs(resumed->sidecar.at("scaling_factor").get<double>() - scalingFactor) > 1e-9) {
        std::fprintf(stderr, "unet: %s has scaling_factor %.9g but the checkpoint was trained with %.9g\n",
                     o.vaeDir.c_str(), scalingFactor, resumed->sidecar.at("scaling_factor").get<double>());
        return 1;
    }
    const models::UNetConfig config = resumed ? unetConfigFromJson(resumed->sidecar.at("config")) : unetConfigFor(o);
    const diffusion::DDIMScheduler scheduler(embeddedSchedulerConfig());

    at::manual_seed(o.seed);
    models::UNet2DConditionModel unet(config);
    NamedTensors params = trainableParameters(*unet);
    AdamW adam(params, AdamWOptions{o.lr, 0.9, 0.999, 1e-8, o.weightDecay});
    Ema ema(params, o.emaDecay);
    int64_t step = 0;
    if (resumed) {
        copyInto(params, withPrefix(resumed->tensors, "model."), "unet checkpoint");
        loadEma(ema, resumed->tensors, "unet checkpoint");
        adam.loadState(resumed->tensors, resumed->sidecar.at("adam_steps").get<int64_t>());
        step = resumed->sidecar.at("step").get<int64_t>();
        std::printf("unet: resumed at step %lld from %s\n", static_cast<long long>(step), o.checkpointDir.c_str());
    } else if (!o.initFrom.empty()) {
        // A warm start: what the UNet learned about scenes carries over when only the latent
        // space shifted (a VAE trained further), so it need not start from noise.
        const auto normalize = [](const nlohmann::json& j) { return unetConfigJson(unetConfigFromJson(j)); };
        if (!initFromCheckpoint(o, "unet", unetConfigJson(config), normalize, "ema.", params, ema)) return 1;
    }
    if (o.channelsLast) {
        toChannelsLast(params);
        NamedTensors vaeParams;
        for (auto& item : vae->named_parameters()) vaeParams.emplace_back(item.key(), item.value());
        toChannelsLast(vaeParams);
    }
    std::printf("unet: %lld parameters, batch %d, %lld steps, scaling_factor %.6f, checkpoints every %.1f min in %s\n",
                static_cast<long long>(parameterCount(params)), o.batch, static_cast<long long>(o.steps), scalingFactor,
                o.checkpointMinutes, o.checkpointDir.c_str());
    std::fflush(stdout);

    const at::Tensor context = zeroContext(o.batch, config.crossAttentionDim);  // [B, 1, D]
    BatchPrefetcher batches(o.seed, o.batch, kImageSize);
    ProgressLine progress("unet", step, o.steps);
    Every checkpointClock(o.checkpointMinutes);
    double gradNorm = 0;
    while (step < o.steps && !stopRequested() &&
           (o.stopAfterMinutes <= 0 || checkpointClock.minutesSinceStart() < o.stopAfterMinutes)) {
        at::Tensor images = batches.get(step);  // [B, 3, 64, 64]
        if (o.channelsLast) images = images.contiguous(at::MemoryFormat::ChannelsLast);
        at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(stepSeed(o.seed, step, /*purpose=*/3));
        at::Tensor latents;  // [B, 4, 16, 16], scaled
        {
            at::NoGradGuard noGrad;
            latents = samplePosterior(vae->encode(images), gen) * scalingFactor;
            if (o.channelsLast) latents = latents.contiguous(at::MemoryFormat::ChannelsLast);
        }
        const at::Tensor noise = at::randn(latents.sizes(), gen, latents.options());
        const at::Tensor t = at::randint(0, scheduler.numTrainTimesteps(), {latents.size(0)}, gen, at::kLong);
        const at::Tensor noisy = scheduler.addNoise(latents, noise, t);
        const at::Tensor loss = (unet->forward(noisy, t, context).sample - noise).pow(2).mean();
        loss.backward();
        const double lr = learningRate(o, step);
        gradNorm = adam.step(lr, o.clip);
        adam.zeroGrad();
        ++step;
        ema.update(params, step);
        progress.add(loss.item<double>());
        progress.maybePrint(step, o.logEvery, lr, gradNorm);
        if (checkpointClock.due()) {
            saveCheckpoint(o.checkpointDir, makeCheckpoint(o, config, scalingFactor, params, adam, ema, step));
            std::printf("unet: checkpoint at step %lld\n", static_cast<long long>(step));
            std::fflush(stdout);
        }
    }
    saveCheckpoint(o.checkpointDir, makeCheckpoint(o, config, scalingFactor, params, adam, ema, step));
    std::printf("unet: %s at step %lld; checkpoint saved in %s\n", step >= o.steps ? "finished" : "stopped",
                static_cast<long long>(step), o.checkpointDir.c_str());
    return 0;
}

}  // namespace dragdiff::train
