// dragdiff-train on tiny models: training lowers the loss, a stopped and resumed run ends in the
// same state as an uninterrupted one, and an export reads back through the engine's loaders.
#include "support/catch.h"

#include "diffusion/ddim_scheduler.h"
#include "io/config_json.h"
#include "io/safetensors.h"
#include "models/model_configs.h"
#include "models/unet/unet_2d_condition.h"
#include "models/vae/autoencoder_kl.h"
#include "support/test_support.h"
#include "train/checkpoint.h"
#include "train/evaluation.h"
#include "train/export_model.h"
#include "train/model_setup.h"
#include "train/scene_batches.h"
#include "train/train_configs.h"
#include "train/unet_trainer.h"
#include "train/vae_trainer.h"

#include <filesystem>

using namespace dragdiff;

namespace {

// A tiny VAE run: constant learning rate, so a run's horizon (--steps) does not change its steps.
train::TrainOptions tinyVAEOptions(const std::string& ckpt, int64_t steps) {
    train::TrainOptions o;
    o.command = "vae";
    o.checkpointDir = ckpt;
    o.steps = steps;
    o.batch = 4;
    o.lr = 3e-3;
    o.warmup = 0;
    o.minLrFraction = 1.0;
    o.vaeWidth = 8;
    o.logEvery = 1000;
    o.evalImages = 4;
    return o;
}

train::TrainOptions tinyUNetOptions(const std::string& ckpt, const std::string& vae, int64_t steps) {
    train::TrainOptions o = tinyVAEOptions(ckpt, steps);
    o.command = "unet";
    o.vaeDir = vae;
    o.unetWidth = 16;
    o.lr = 1e-3;
    return o;
}

void requireSameTensors(const train::Checkpoint& a, const train::Checkpoint& b) {
    REQUIRE(a.tensors.size() == b.tensors.size());
    for (const auto& [name, t] : a.tensors) {
        INFO(name);
        REQUIRE(b.tensors.count(name) == 1);
        CHECK(at::allclose(t, b.tensors.at(name), /*rtol=*/1e-5, /*atol=*/1e-6));
    }
}

}  // namespace

TEST_CASE("VAE training lowers the reconstruction error", "[train]") {
    test::TempDir dir;
    const train::TrainOptions o = tinyVAEOptions(dir.file("vae"), 40);
    const at::Tensor images = train::sceneTensor(train::kHeldOutSeedBase, 8, train::kImageSize);

    at::manual_seed(o.seed);  // the trainer's initialisation
    models::AutoencoderKL initial(train::vaeConfigFor(o));
    const double before = train::reconstructionPSNR(*initial, images);

    REQUIRE(train::trainVAE(o) == 0);
    const auto checkpoint = train::loadCheckpoint(o.checkpointDir);
    REQUIRE(checkpoint);
    CHECK(checkpoint->sidecar.at("step").get<int64_t>() == 40);
    models::AutoencoderKL trained(train::vaeConfigFor(o));
    train::NamedTensors params;
    for (auto& item : trained->named_parameters()) params.emplace_back(item.key(), item.value());
    train::copyInto(params, train::withPrefix(checkpoint->tensors, "model."), "test");
    const double after = train::reconstructionPSNR(*trained, images);
    INFO("PSNR before " << before << " dB, after " << after << " dB");
    CHECK(after > before + 1.0);  // 40 steps of a tiny model: about +2 dB
}

TEST_CASE("A stopped and resumed run reaches the uninterrupted run's state", "[train]") {
    test::TempDir dir;
    REQUIRE(train::trainVAE(tinyVAEOptions(dir.file("straight"), 6)) == 0);

    REQUIRE(train::trainVAE(tinyVAEOptions(dir.file("resumed"), 3)) == 0);
    train::TrainOptions resume = tinyVAEOptions(dir.file("resumed"), 6);
    resume.resume = true;
    REQUIRE(train::trainVAE(resume) == 0);

    const auto a = train::loadCheckpoint(dir.file("straight"));
    const auto b = train::loadCheckpoint(dir.file("resumed"));
    REQUIRE(a);
    REQUIRE(b);
    CHECK(b->sidecar.at("step") == a->sidecar.at("step"));
    CHECK(b->sidecar.at("adam_steps") == a->sidecar.at("adam_steps"));
    CHECK(a->sidecar.at("step").get<int64_t>() == 6);
    requireSameTensors(*a, *b);  // weights, EMA and both Adam moments

    // Without --resume an existing checkpoint is never overwritten.
    CHECK(train::trainVAE(tinyVAEOptions(dir.file("straight"), 6)) == 1);
}

TEST_CASE("A decoder-only run from --init-from keeps the encoder, so the latents stay valid", "[train]") {
    test::TempDir dir;
    const train::TrainOptions first = tinyVAEOptions(dir.file("vae"), 3);
    REQUIRE(train::trainVAE(first) == 0);
    train::TrainOptions tune = tinyVAEOptions(dir.file("decoder"), 4);
    tune.initFrom = first.checkpointDir;
    tune.decoderOnly = true;
    REQUIRE(train::trainVAE(tune) == 0);
    const auto a = train::loadCheckpoint(first.checkpointDir);
    const auto b = train::loadCheckpoint(tune.checkpointDir);
    REQUIRE(a);
    REQUIRE(b);
    CHECK(b->sidecar.at("decoder_only").get<bool>());
    const auto before = train::withPrefix(a->tensors, "model."), after = train::withPrefix(b->tensors, "model.");
    const auto afterEma = train::withPrefix(b->tensors, "ema.");
    int encoderTensors = 0, decoderChanged = 0;
    for (const auto& [name, t] : before) {
        INFO(name);
        if (name.rfind("encoder.", 0) == 0 || name.rfind("quant_conv.", 0) == 0) {
            ++encoderTensors;
            CHECK(at::equal(after.at(name), t));
            CHECK(at::equal(afterEma.at(name), t));
        } else if (!at::equal(after.at(name), t)) {
            ++decoderChanged;
        }
    }
    CHECK(encoderTensors > 0);
    CHECK(decoderChanged > 0);
}

TEST_CASE("An export is a diffusers folder the loaders read back", "[train]") {
    test::TempDir dir;
    const std::string out = dir.file("embedded");
    train::TrainOptions vae = tinyVAEOptions(dir.file("vae"), 4);
    REQUIRE(train::trainVAE(vae) == 0);
    train::TrainOptions ex = vae;
    ex.command = "export";
    ex.vaeCheckpoint = vae.checkpointDir;
    ex.out = out;
    nlohmann::json report;
    train::exportVAE(ex, report);

    const train::TrainOptions unet = tinyUNetOptions(dir.file("unet"), out + "/vae", 3);
    REQUIRE(train::trainUNet(unet) == 0);
    train::TrainOptions resumed = tinyUNetOptions(dir.file("unet"), out + "/vae", 5);
    resumed.resume = true;
    REQUIRE(train::trainUNet(resumed) == 0);
    ex.vaeCheckpoint.clear();
    ex.unetCheckpoint = unet.checkpointDir;
    train::exportUNet(ex, report);

    models::AutoencoderKL loadedVae = models::loadVAE(out + "/vae");
    CHECK(loadedVae->scalingFactor() == Approx(report["vae"]["scaling_factor"].get<double>()));
    CHECK(loadedVae->scalingFactor() > 0);
    models::UNet2DConditionModel loadedUnet = models::loadUNet(out + "/unet");
    const auto checkpoint = train::loadCheckpoint(unet.checkpointDir);
    REQUIRE(checkpoint);
    CHECK(checkpoint->sidecar.at("step").get<int64_t>() == 5);
    const auto ema = train::withPrefix(checkpoint->tensors, "ema.");
    for (const auto& item : loadedUnet->named_parameters()) {
        INFO(item.key());
        CHECK(at::allclose(item.value(), ema.at(item.key()), 1e-3, 1e-3));  // fp16 export
    }

    const auto scheduler = models::DDIMConfig::read(io::ConfigReader::fromFile(out + "/scheduler/scheduler_config.json"));
    CHECK(scheduler.betaSchedule == "scaled_linear");
    CHECK(scheduler.betaStart == 0.00085);
    CHECK(scheduler.betaEnd == 0.012);
    CHECK(scheduler.stepsOffset == 1);
    CHECK_FALSE(scheduler.setAlphaToOne);
    CHECK_FALSE(scheduler.clipSample);
    CHECK(scheduler.predictionType == "epsilon");
    CHECK(scheduler.timestepSpacing == "leading");
    io::SafetensorsFile context(out + "/context/encoder_hidden_states.safetensors");
    REQUIRE(context.contains("encoder_hidden_states"));
    const at::Tensor ctx = context.load("encoder_hidden_states");
    CHECK(ctx.sizes() == at::IntArrayRef({1, 1, loadedUnet->config().crossAttentionDim}));
    CHECK(ctx.abs().sum().item<double>() == 0.0);
    CHECK(std::filesystem::exists(out + "/model_index.json"));

    // --init-from: a new run starts from that checkpoint's EMA weights, with a fresh optimizer.
    train::TrainOptions warm = tinyUNetOptions(dir.file("warm"), out + "/vae", 1);
    warm.initFrom = unet.checkpointDir;
    warm.lr = 0;  // one step that changes nothing, so the saved weights are the initial ones
    warm.minLrFraction = 1.0;
    REQUIRE(train::trainUNet(warm) == 0);
    const auto warmed = train::loadCheckpoint(warm.checkpointDir);
    REQUIRE(warmed);
    CHECK(warmed->sidecar.at("adam_steps").get<int64_t>() == 1);
    CHECK(warmed->sidecar.at("init_from").get<std::string>() == unet.checkpointDir);
    const auto warmModel = train::withPrefix(warmed->tensors, "model.");
    for (const auto& [name, t] : ema) {
        INFO(name);
        CHECK(at::allclose(warmModel.at(name), t));
    }
    train::TrainOptions notUNet = tinyUNetOptions(dir.file("warm2"), out + "/vae", 1);
    notUNet.initFrom = vae.checkpointDir;  // a VAE checkpoint is refused
    CHECK(train::trainUNet(notUNet) == 1);

    // The exported pair runs: one DDIM sample decodes to an image.
    const at::Tensor sample = train::sampleImages(*loadedUnet, *loadedVae, 1, 2, 1);
    CHECK(sample.sizes() == at::IntArrayRef({1, 3, train::kImageSize, train::kImageSize}));
    CHECK(sample.isfinite().all().item<bool>());
}

TEST_CASE("The trainer's default configs are the shipped embedded model's, so the recipe reproduces it", "[train]") {
    const std::string shipped = test::sourceDir() + "/weights/embedded";
    const auto normalizedUNet = [](const nlohmann::json& j) {
        return train::unetConfigJson(train::unetConfigFromJson(j));
    };
    CHECK(normalizedUNet(io::ConfigReader::fromFile(shipped + "/unet/config.json").root()) ==
          train::unetConfigJson(train::embeddedUNetConfig()));
    train::TrainOptions recipe;  // the README's command says --unet-width 64
    recipe.unetWidth = 64;
    CHECK(train::unetConfigJson(train::unetConfigFor(recipe)) == train::unetConfigJson(train::embeddedUNetConfig()));
    // The VAE's scaling_factor is measured at export; everything else is the default config.
    nlohmann::json vae = train::vaeConfigJson(
        train::vaeConfigFromJson(io::ConfigReader::fromFile(shipped + "/vae/config.json").root()));
    vae.erase("scaling_factor");
    nlohmann::json defaults = train::vaeConfigJson(train::embeddedVAEConfig());
    defaults.erase("scaling_factor");
    CHECK(vae == defaults);
}
