#include "train/vae_trainer.h"

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

Checkpoint makeCheckpoint(const TrainOptions& o, const models::VAEConfig& config, const NamedTensors& params,
                          const AdamW& adam, const Ema& ema, int64_t step) {
    Checkpoint c;
    c.sidecar = {{"kind", "vae"},          {"step", step},         {"seed", o.seed},
                 {"adam_steps", adam.steps()}, {"config", vaeConfigJson(config)},
                 {"batch", o.batch},       {"lr", o.lr},           {"steps", o.steps},
                 {"decoder_only", o.decoderOnly}};
    if (!o.initFrom.empty()) c.sidecar["init_from"] = o.initFrom;
    addPrefixed(c.tensors, "model.", parameterMap(params));
    addPrefixed(c.tensors, "ema.", ema.weights());
    adam.saveState(c.tensors);
    return c;
}

}  // namespace

int trainVAE(const TrainOptions& o) {
    configureTorch(o);
    std::optional<Checkpoint> resumed;
    if (!openCheckpointFolder(o, "vae", resumed)) return 1;
    const models::VAEConfig config = resumed ? vaeConfigFromJson(resumed->sidecar.at("config")) : vaeConfigFor(o);

    at::manual_seed(o.seed);  // the initialisation
    models::AutoencoderKL vae(config);
    NamedTensors params = trainableParameters(*vae);
    AdamW adam(params, AdamWOptions{o.lr, 0.9, 0.999, 1e-8, o.weightDecay});
    Ema ema(params, o.emaDecay);
    int64_t step = 0;
    if (resumed) {
        copyInto(params, withPrefix(resumed->tensors, "model."), "vae checkpoint");
        loadEma(ema, resumed->tensors, "vae checkpoint");
        adam.loadState(resumed->tensors, resumed->sidecar.at("adam_steps").get<int64_t>());
        step = resumed->sidecar.at("step").get<int64_t>();
        std::printf("vae: resumed at step %lld from %s\n", static_cast<long long>(step), o.checkpointDir.c_str());
    } else if (!o.initFrom.empty()) {
        const auto normalize = [](const nlohmann::json& j) { return vaeConfigJson(vaeConfigFromJson(j)); };
        if (!initFromCheckpoint(o, "vae", vaeConfigJson(config), normalize, "model.", params, ema)) return 1;
    }
    if (o.decoderOnly) {
        // The encoder (and quant_conv) stay as they are: no gradient, so the optimizer skips them.
        for (const auto& [name, p] : params)
            if (name.rfind("decoder.", 0) != 0 && name.rfind("post_quant_conv.", 0) != 0) p.set_requires_grad(false);
    }
    if (o.channelsLast) toChannelsLast(params);
    std::printf("vae: %lld parameters, batch %d, %lld steps, checkpoints every %.1f min in %s\n",
                static_cast<long long>(parameterCount(params)), o.batch, static_cast<long long>(o.steps),
                o.checkpointMinutes, o.checkpointDir.c_str());
    std::fflush(stdout);

    const at::Tensor heldOut = sceneTensor(kHeldOutSeedBase, 16, kImageSize);  // quick PSNR in the log
    BatchPrefetcher batches(o.seed, o.batch, kImageSize);
    ProgressLine progress("vae", step, o.steps);
    Every checkpointClock(o.checkpointMinutes);
    double gradNorm = 0;
    while (step < o.steps && !stopRequested() &&
           (o.stopAfterMinutes <= 0 || checkpointClock.minutesSinceStart() < o.stopAfterMinutes)) {
        at::Tensor images = batches.get(step);  // [B, 3, 64, 64] in [-1, 1]
        if (o.channelsLast) images = images.contiguous(at::MemoryFormat::ChannelsLast);
        at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(stepSeed(o.seed, step, /*purpose=*/2));
        const models::LatentDistribution posterior = vae->encode(images);
        const at::Tensor reconstruction = vae->decode(samplePosterior(posterior, gen));
        const at::Tensor diff = reconstruction - images;
        const at::Tensor kl =
            0.5 * (posterior.mean.pow(2) + posterior.logvar.exp() - 1.0 - posterior.logvar).mean();
        const at::Tensor loss = diff.abs().mean() + diff.pow(2).mean() + o.klWeight * kl;
        loss.backward();
        const double lr = learningRate(o, step);
        gradNorm = adam.step(lr, o.clip);
        adam.zeroGrad();
        ++step;
        ema.update(params, step);
        progress.add(loss.item<double>());
        if (step % (o.logEvery * 8) == 0) {
            const double psnr = reconstructionPSNR(*vae, heldOut);
            progress.maybePrint(step, o.logEvery, lr, gradNorm, "held-out PSNR " + std::to_string(psnr) + " dB", true);
        } else {
            progress.maybePrint(step, o.logEvery, lr, gradNorm);
        }
        if (checkpointClock.due()) {
            saveCheckpoint(o.checkpointDir, makeCheckpoint(o, config, params, adam, ema, step));
            std::printf("vae: checkpoint at step %lld\n", static_cast<long long>(step));
        }
    }
    saveCheckpoint(o.checkpointDir, makeCheckpoint(o, config, params, adam, ema, step));
    std::printf("vae: %s at step %lld; checkpoint saved in %s\n", step >= o.steps ? "finished" : "stopped",
                static_cast<long long>(step), o.checkpointDir.c_str());
    return 0;
}

}  // namespace dragdiff::train
