#include "drag/pipeline_sdxl.h"

#include "io/config_json.h"
#include "io/safetensors.h"
#include "models/single_file/sdxl_single_file.h"
#include "models/weight_loading.h"

#include <filesystem>

namespace fs = std::filesystem;

namespace dragdiff::drag {
namespace {

bool readForceZeros(const std::string& folder) {
    const fs::path index = fs::path(folder) / "model_index.json";
    std::error_code ec;
    if (!fs::is_regular_file(index, ec)) return true;
    return io::ConfigReader::fromFile(index.string()).getBool("force_zeros_for_empty_prompt", true);
}

void requireContextWidth(const Pipeline& p, const std::string& where) {
    const int text = p.textEncoder->config().hiddenSize, text2 = p.textEncoder2->config().hiddenSize;
    if (text + text2 != p.unet->config().crossAttentionDim)
        throw LoadError(where + ": the text encoders' widths " + std::to_string(text) + " + " + std::to_string(text2) +
                        " do not add up to the UNet's cross_attention_dim " +
                        std::to_string(p.unet->config().crossAttentionDim));
}

// SDXL tokenizer_2's special ids when no tokenizer files come with the model: pad "!" (id 0).
models::CLIPSpecialTokenIds bigGTokenIds() {
    models::CLIPSpecialTokenIds ids;
    ids.pad = 0;
    return ids;
}

models::SDXLArchitecture readConfigFolder(const std::string& dir) {
    auto read = [&](const char* sub, const char* name) { return io::ConfigReader::fromFile(findConfigFile(dir, sub, name)); };
    models::SDXLArchitecture a;
    a.unet = models::UNetConfig::read(read("unet", "config.json"));
    a.vae = models::VAEConfig::read(read("vae", "config.json"));
    a.text = models::CLIPTextConfig::read(read("text_encoder", "config.json"));
    a.text2 = models::CLIPTextConfig::read(read("text_encoder_2", "config.json"));
    std::error_code ec;
    const fs::path sc = fs::path(dir) / "scheduler" / "scheduler_config.json";
    a.scheduler = fs::is_regular_file(sc, ec) ? models::DDIMConfig::read(io::ConfigReader::fromFile(sc.string()))
                                              : models::DDIMConfig::stableDiffusion();
    if (!a.unet.hasTextTimeEmbedding())
        throw LoadError("config folder '" + dir + "' describes a UNet without SDXL's added conditioning, but the "
                        "checkpoint is an SDXL file; pass the config folder of an SDXL model");
    return a;
}

// The GroupNorms' group count is in no tensor shape: an architecture inferred from a file assumes
// SDXL's 32, which must divide every block width (test-size models need their config folder).
void requireInferredGroups(const models::SDXLArchitecture& a, const std::string& path) {
    auto check = [&](const std::vector<int>& widths, int groups, const char* part) {
        for (int w : widths)
            if (w % groups != 0)
                throw LoadError("'" + path + "': the " + part + " has " + std::to_string(w) + "-channel blocks, which " +
                                "SDXL's " + std::to_string(groups) + " norm groups do not divide, and a single file " +
                                "does not store the group count; pass --config with the model's diffusers folder");
    };
    check(a.unet.blockOutChannels, a.unet.normNumGroups, "UNet");
    check(a.vae.blockOutChannels, a.vae.normNumGroups, "VAE");
}

}  // namespace

std::string findConfigFile(const std::string& dir, const char* sub, const char* name) {
    fs::path f = fs::path(dir) / sub / name;
    std::error_code ec;
    if (!fs::is_regular_file(f, ec)) throw LoadError("config folder '" + dir + "' has no " + sub + "/" + name);
    return f.string();
}

void applyScheduleMarkers(models::DDIMConfig& scheduler, const models::CheckpointFamily& family) {
    if (family.vPrediction) scheduler.predictionType = "v_prediction";
    if (family.zeroTerminalSnr) scheduler.rescaleBetasZeroSnr = true;
}

void loadSDXLText(Pipeline& p, const std::string& folder, at::Device device) {
    std::error_code ec;
    const fs::path te2 = fs::path(folder) / "text_encoder_2";
    if (!p.textEncoder || !fs::is_directory(te2, ec))
        throw LoadError("model folder '" + folder + "' has an SDXL UNet (addition_embed_type \"text_time\") but no " +
                        (p.textEncoder ? "text_encoder_2/" : "text_encoder/") +
                        " folder; an SDXL base model needs both text encoders (an SDXL refiner, which has only "
                        "text_encoder_2, is not supported)");
    p.textEncoder2 = models::loadCLIPTextModelWithProjection(te2.string(), at::kFloat, device);
    p.tokenizer2 = models::CLIPTokenizer::loadOrWithoutFiles((fs::path(folder) / "tokenizer_2").string());
    p.forceZerosForEmptyPrompt = readForceZeros(folder);
    requireContextWidth(p, "model folder '" + folder + "'");
}

Pipeline loadSDXLSingleFile(const ModelSpec& spec, std::shared_ptr<const io::SafetensorsFile> file,
                            const models::CheckpointFamily& family, at::Device device) {
    models::SDXLArchitecture arch =
        spec.configDir.empty() ? models::inferSDXLArchitecture(*file) : readConfigFolder(spec.configDir);
    if (spec.configDir.empty()) requireInferredGroups(arch, spec.path);
    applyScheduleMarkers(arch.scheduler, family);
    const models::SDXLSingleFileWeights weights = models::mapSDXLSingleFileCheckpoint(file, arch);
    if (weights.vae.empty())
        throw LoadError("'" + spec.path + "' holds no VAE (first_stage_model.*); DragDiff needs one to read images");
    Pipeline p;
    p.device = device;
    p.scheduler = arch.scheduler;
    p.info.family = "sdxl";
    p.unet = models::UNet2DConditionModel(arch.unet);
    models::loadIntoModule(*p.unet, weights.unet, "UNet of '" + spec.path + "'");
    p.vae = models::AutoencoderKL(arch.vae);
    models::loadIntoModule(*p.vae, weights.vae, "VAE of '" + spec.path + "'");
    p.textEncoder = models::CLIPTextModel(arch.text);
    models::loadIntoModule(*p.textEncoder, weights.textEncoder, "text encoder of '" + spec.path + "'",
                           models::isIgnoredCLIPTextWeight);
    p.textEncoder2 = models::CLIPTextModelWithProjection(arch.text2);
    models::loadIntoModule(*p.textEncoder2, weights.textEncoder2, "text encoder 2 of '" + spec.path + "'",
                           models::isIgnoredCLIPTextWeight);
    requireContextWidth(p, "'" + spec.path + "'");
    p.unet->to(device);
    p.vae->to(device);
    p.textEncoder->to(device);
    p.textEncoder2->to(device);
    if (spec.configDir.empty()) {
        p.tokenizer = models::CLIPTokenizer::withoutFiles(spec.path);
        p.tokenizer2 = models::CLIPTokenizer::withoutFiles(spec.path, bigGTokenIds());
        p.forceZerosForEmptyPrompt = true;
    } else {
        p.tokenizer = models::CLIPTokenizer::loadOrWithoutFiles((fs::path(spec.configDir) / "tokenizer").string());
        p.tokenizer2 = models::CLIPTokenizer::loadOrWithoutFiles((fs::path(spec.configDir) / "tokenizer_2").string());
        p.forceZerosForEmptyPrompt = readForceZeros(spec.configDir);
    }
    p.constantContext = at::zeros({1, 77, arch.unet.crossAttentionDim}, at::TensorOptions().device(device));
    return p;
}

}  // namespace dragdiff::drag
