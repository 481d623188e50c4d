#include "train/export_model.h"

#include "dragdiff/error.h"
#include "io/atomic_file.h"
#include "io/config_json.h"
#include "io/safetensors.h"
#include "models/unet/unet_2d_condition.h"
#include "models/vae/autoencoder_kl.h"
#include "train/adamw.h"
#include "train/checkpoint.h"
#include "train/evaluation.h"
#include "train/model_setup.h"
#include "train/scene_batches.h"
#include "train/train_configs.h"

#include <cmath>
#include <cstdio>
#include <filesystem>

namespace fs = std::filesystem;

namespace dragdiff::train {

namespace {

constexpr int kScalingImages = 256;        // training scenes 0..255 measure the latents' std
constexpr uint64_t kScalingNoiseSeed = 7;  // posterior samples for that measurement

void writeJson(const std::string& path, const nlohmann::json& j) {
    fs::create_directories(fs::path(path).parent_path());
    io::writeFileAtomically(path, j.dump(2) + "\n");
}

std::map<std::string, at::Tensor> converted(const std::map<std::string, at::Tensor>& weights, at::ScalarType dtype) {
    std::map<std::string, at::Tensor> out;
    for (const auto& [k, v] : weights) out[k] = v.to(dtype).contiguous();
    return out;
}

Checkpoint requireCheckpoint(const std::string& folder, const char* what) {
    std::optional<Checkpoint> c = loadCheckpoint(folder);
    if (!c) throw LoadError(std::string("no ") + what + " checkpoint (latest.json) in '" + folder + "'");
    return *c;
}

}  // namespace

void writeSharedFiles(const std::string& out, int crossAttentionDim) {
    writeJson(out + "/model_index.json",
              {{"_class_name", "StableDiffusionPipeline"},
               {"_diffusers_version", "0.27.2"},
               {"feature_extractor", {nullptr, nullptr}},
               {"image_encoder", {nullptr, nullptr}},
               {"requires_safety_checker", false},
               {"safety_checker", {nullptr, nullptr}},
               {"scheduler", {"diffusers", "DDIMScheduler"}},
               {"text_encoder", {nullptr, nullptr}},
               {"tokenizer", {nullptr, nullptr}},
               {"unet", {"diffusers", "UNet2DConditionModel"}},
               {"vae", {"diffusers", "AutoencoderKL"}}});
    writeJson(out + "/scheduler/scheduler_config.json", schedulerConfigJson(embeddedSchedulerConfig()));
    fs::create_directories(out + "/context");
    io::writeSafetensors(out + "/context/encoder_hidden_states.safetensors",
                         {{"encoder_hidden_states", zeroContext(1, crossAttentionDim)}});
}

void exportVAE(const TrainOptions& o, nlohmann::json& report) {
    const Checkpoint c = requireCheckpoint(o.vaeCheckpoint, "VAE");
    models::VAEConfig config = vaeConfigFromJson(c.sidecar.at("config"));
    models::AutoencoderKL vae(config);
    NamedTensors params;
    for (auto& item : vae->named_parameters()) params.emplace_back(item.key(), item.value());

    const at::Tensor heldOut = sceneTensor(kHeldOutSeedBase, o.evalImages, kImageSize);
    const auto raw = withPrefix(c.tensors, "model.");
    const auto ema = withPrefix(c.tensors, "ema.");
    copyInto(params, raw, "vae checkpoint");
    const double psnrRaw = reconstructionPSNR(*vae, heldOut);
    copyInto(params, ema, "vae checkpoint");
    const double psnrEma = reconstructionPSNR(*vae, heldOut);
    const bool useEma = psnrEma >= psnrRaw;
    if (!useEma) copyInto(params, raw, "vae checkpoint");

    const double scaling = latentScalingFactor(*vae, sceneTensor(0, kScalingImages, kImageSize), kScalingNoiseSeed);
    config.scalingFactor = scaling;
    writeJson(o.out + "/vae/config.json", vaeConfigJson(config));
    io::writeSafetensors(o.out + "/vae/diffusion_pytorch_model.safetensors", converted(parameterMap(params), at::kFloat),
                         {{"format", "pt"}});
    writeSharedFiles(o.out, embeddedUNetConfig().crossAttentionDim);
    std::printf("export: vae step %lld, held-out PSNR raw %.2f dB, EMA %.2f dB -> %s weights; scaling_factor %.6f\n",
                static_cast<long long>(c.sidecar.at("step").get<int64_t>()), psnrRaw, psnrEma, useEma ? "EMA" : "raw",
                scaling);
    report["vae"] = {{"step", c.sidecar.at("step")},  {"psnr_raw_db", psnrRaw}, {"psnr_ema_db", psnrEma},
                     {"weights", useEma ? "ema" : "raw"}, {"scaling_factor", scaling},
                     {"held_out_images", o.evalImages}};
}

void exportUNet(const TrainOptions& o, nlohmann::json& report) {
    const Checkpoint c = requireCheckpoint(o.unetCheckpoint, "UNet");
    const models::UNetConfig config = unetConfigFromJson(c.sidecar.at("config"));
    const double trainedScaling = c.sidecar.at("scaling_factor").get<double>();
    const std::string vaeConfigPath = o.out + "/vae/config.json";
    if (!fs::exists(vaeConfigPath))
        throw LoadError("'" + vaeConfigPath + "' is missing: export the VAE (--vae-ckpt) into " + o.out + " first");
    const double folderScaling = models::VAEConfig::read(io::ConfigReader::fromFile(vaeConfigPath)).scalingFactor;
    if (std::abs(folderScaling - trainedScaling) > 1e-6 * std::abs(trainedScaling))
        throw InvalidRequest("the UNet was trained with scaling_factor " + std::to_string(trainedScaling) + " but '" +
                             vaeConfigPath + "' says " + std::to_string(folderScaling) +
                             ": that is not the VAE it was trained on");

    // Checks every EMA tensor against the architecture before writing anything.
    models::UNet2DConditionModel unet(config);
    NamedTensors params;
    for (auto& item : unet->named_parameters()) params.emplace_back(item.key(), item.value());
    const auto ema = withPrefix(c.tensors, "ema.");
    copyInto(params, ema, "unet checkpoint");

    const at::ScalarType dtype = o.unetDtype == "fp16" ? at::kHalf : at::kFloat;
    writeJson(o.out + "/unet/config.json", unetConfigJson(config));
    io::writeSafetensors(o.out + "/unet/diffusion_pytorch_model.safetensors", converted(parameterMap(params), dtype),
                         {{"format", "pt"}});
    writeSharedFiles(o.out, config.crossAttentionDim);
    std::printf("export: unet step %lld (EMA, %s) -> %s/unet\n",
                static_cast<long long>(c.sidecar.at("step").get<int64_t>()), o.unetDtype.c_str(), o.out.c_str());
    report["unet"] = {{"step", c.sidecar.at("step")}, {"dtype", o.unetDtype}, {"weights", "ema"}};
}

}  // namespace dragdiff::train
