#include "drag/pipeline.h"

#include "io/checkpoint_format.h"
#include "io/config_json.h"
#include "io/safetensors.h"
#include "models/component_files.h"
#include "models/single_file/architecture_inference.h"
#include "models/single_file/ldm_key_mapping.h"
#include "models/weight_loading.h"

#include <ATen/autocast_mode.h>
#include <c10/core/Device.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include <cstdlib>
#include <filesystem>
#include <unistd.h>

namespace fs = std::filesystem;

namespace dragdiff::drag {
namespace {

int64_t countParameters(torch::nn::Module& m) {
    int64_t n = 0;
    for (const auto& p : m.parameters()) n += p.numel();
    return n;
}

at::Device parseDevice(const std::string& name) {
    if (name.empty() || name == "cpu") return at::kCPU;
    if (name == "cuda" || name.rfind("cuda:", 0) == 0) {
        if (!torch::cuda::is_available())
            throw LoadError("device '" + name + "' was requested but this LibTorch build has no CUDA or no GPU is "
                            "visible; use --device cpu, or build DragDiff against a CUDA LibTorch (Torch_DIR)");
        return at::Device(name);
    }
    throw InvalidRequest("unknown device '" + name + "'; use cpu or cuda");
}

// Channels-last (NHWC) UNet: opt-in with DRAGDIFF_CHANNELS_LAST=1. Measured on this project's
// 2-core machine it did not pay off (SD 1.5 forward 12.5 s CPU channels-last vs 11.4 s NCHW, the
// embedded model 0.009 vs 0.007 s; see docs/performance.md), so NCHW stays the default.
bool useChannelsLast(const models::UNetConfig& c) {
    if (const char* e = std::getenv("DRAGDIFF_CHANNELS_LAST"); e && *e) return std::string(e) != "0";
    (void)c;
    return false;
}

std::string executableDir() {
    char buf[4096];
    ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
    if (n <= 0) return "";
    buf[n] = '\0';
    return fs::path(buf).parent_path().string();
}

// Context for models without a text encoder: the tensor they were trained with, else zeros.
at::Tensor loadConstantContext(const std::string& folder, int crossAttentionDim) {
    fs::path file = fs::path(folder) / "context" / "encoder_hidden_states.safetensors";
    std::error_code ec;
    if (fs::is_regular_file(file, ec)) {
        io::SafetensorsFile f(file.string());
        at::Tensor t = f.load("encoder_hidden_states", at::kFloat);
        if (t.dim() != 3 || t.size(0) != 1 || t.size(2) != crossAttentionDim)
            throw LoadError("'" + file.string() + "': encoder_hidden_states must be [1, L, " +
                            std::to_string(crossAttentionDim) + "]");
        return t;
    }
    return at::zeros({1, 77, crossAttentionDim});
}

void fillInfo(Pipeline& p, const std::string& path, const std::string& format) {
    p.info.path = path;
    p.info.format = format;
    p.info.predictionType = p.scheduler.predictionType;
    p.info.dtype = "float32";
    p.info.device = p.device.str();
    p.info.latentChannels = p.vae->config().latentChannels;
    p.info.latentScale = p.latentScale();
    p.info.imageSize = p.nativeImageSize();
    p.info.hasTextEncoder = static_cast<bool>(p.textEncoder);
    p.info.hasTokenizer = p.tokenizer && p.tokenizer->hasVocabulary();
    p.info.parameterCounts["unet"] = countParameters(*p.unet);
    p.info.parameterCounts["vae"] = countParameters(*p.vae);
    if (p.textEncoder) p.info.parameterCounts["text_encoder"] = countParameters(*p.textEncoder);
    if (p.info.family.empty()) {
        const int ctx = p.unet->config().crossAttentionDim;
        p.info.family = ctx == 768 ? "sd1" : ctx == 1024 ? "sd2" : "custom";
    }
}

Pipeline loadDiffusersFolder(const std::string& folder, at::Device device) {
    Pipeline p;
    p.device = device;
    auto need = [&](const char* sub) {
        fs::path d = fs::path(folder) / sub;
        std::error_code ec;
        if (!fs::is_directory(d, ec))
            throw LoadError("model folder '" + folder + "' has no " + sub +
                            "/ folder; a diffusers model needs unet/, vae/ and scheduler/");
        return d.string();
    };
    p.unet = models::loadUNet(need("unet"), at::kFloat, device);
    p.vae = models::loadVAE(need("vae"), at::kFloat, device);
    p.scheduler = models::DDIMConfig::read(
        io::ConfigReader::fromFile((fs::path(need("scheduler")) / "scheduler_config.json").string()));
    std::error_code ec;
    const fs::path te = fs::path(folder) / "text_encoder";
    if (fs::is_directory(te, ec)) p.textEncoder = models::loadCLIPTextModel(te.string(), at::kFloat, device);
    const fs::path tok = fs::path(folder) / "tokenizer";
    p.tokenizer = models::CLIPTokenizer::loadOrWithoutFiles(tok.string());
    p.constantContext = loadConstantContext(folder, p.unet->config().crossAttentionDim).to(device);
    return p;
}

std::string findConfigFile(const std::string& dir, const char* sub, const char* name) {
    fs::path f = fs::path(dir) / sub / name;
    std::error_code ec;
    if (!fs::is_regular_file(f, ec)) throw LoadError("config folder '" + dir + "' has no " + sub + "/" + name);
    return f.string();
}

Pipeline loadSingleFile(const ModelSpec& spec, at::Device device) {
    io::refusePickleCheckpoint(spec.path);
    auto file = std::make_shared<const io::SafetensorsFile>(spec.path);
    models::InferredArchitecture arch;
    if (!spec.configDir.empty()) {
        arch.unet = models::UNetConfig::read(io::ConfigReader::fromFile(findConfigFile(spec.configDir, "unet", "config.json")));
        arch.vae = models::VAEConfig::read(io::ConfigReader::fromFile(findConfigFile(spec.configDir, "vae", "config.json")));
        std::error_code ec;
        fs::path te = fs::path(spec.configDir) / "text_encoder" / "config.json";
        arch.text = fs::is_regular_file(te, ec) ? models::CLIPTextConfig::read(io::ConfigReader::fromFile(te.string()))
                                                : models::CLIPTextConfig::sd15();
        fs::path sc = fs::path(spec.configDir) / "scheduler" / "scheduler_config.json";
        arch.scheduler = fs::is_regular_file(sc, ec) ? models::DDIMConfig::read(io::ConfigReader::fromFile(sc.string()))
                                                     : models::DDIMConfig::stableDiffusion();
        arch.family = arch.unet.crossAttentionDim == 1024 ? "sd2" : "sd1";
    } else {
        arch = models::inferArchitecture(*file);
    }
    models::SingleFileWeights weights = models::mapSingleFileCheckpoint(file, arch.mappingOptions());
    if (weights.vae.empty())
        throw LoadError("'" + spec.path + "' holds no VAE (first_stage_model.*); DragDiff needs one to read images");
    Pipeline p;
    p.device = device;
    p.scheduler = arch.scheduler;
    p.info.family = arch.family;
    p.unet = models::UNet2DConditionModel(arch.unet);
    models::loadIntoModule(*p.unet, weights.unet, "UNet of '" + spec.path + "'");
    p.vae = models::AutoencoderKL(arch.vae);
    models::loadIntoModule(*p.vae, weights.vae, "VAE of '" + spec.path + "'");
    if (!weights.textEncoder.empty()) {
        p.textEncoder = models::CLIPTextModel(arch.text);
        models::loadIntoModule(*p.textEncoder, weights.textEncoder, "text encoder of '" + spec.path + "'",
                               models::isIgnoredCLIPTextWeight);
        p.textEncoder->to(device);
    }
    p.unet->to(device);
    p.vae->to(device);
    std::error_code ec;
    const std::string tokDir = spec.configDir.empty() ? std::string() : (fs::path(spec.configDir) / "tokenizer").string();
    p.tokenizer = tokDir.empty() ? models::CLIPTokenizer::withoutFiles(spec.path)
                                 : models::CLIPTokenizer::loadOrWithoutFiles(tokDir);
    p.constantContext = at::zeros({1, 77, arch.unet.crossAttentionDim}, at::TensorOptions().device(device));
    return p;
}

}  // namespace

int Pipeline::latentScale() const { return 1 << (static_cast<int>(vae->config().blockOutChannels.size()) - 1); }

int Pipeline::sizeMultiple() const {
    return latentScale() * (1 << (static_cast<int>(unet->config().blockOutChannels.size()) - 1));
}

int Pipeline::nativeImageSize() const { return unet->config().sampleSize * latentScale(); }

int Pipeline::defaultFeatureBlock() const {
    return std::max(0, static_cast<int>(unet->config().upBlockTypes.size()) - 2);
}

at::Tensor Pipeline::encodePrompt(const std::string& prompt) {
    if (!textEncoder) {
        if (prompt.find_first_not_of(" \t\r\n") != std::string::npos)
            throw InvalidRequest("this model has no text encoder, so it cannot use a prompt; clear the prompt");
        return constantContext;
    }
    std::vector<int64_t> ids = tokenizer->encode(prompt);
    at::Tensor t = at::tensor(ids, at::kLong).unsqueeze(0).to(device);
    at::NoGradGuard noGrad;
    return textEncoder->forward(t).lastHiddenState;
}

// LibTorch 2.4 made autocast's switch per device type and deprecated the CUDA-only
// is_enabled()/set_enabled() that 1.13 (Debian 12) has; both mean CUDA autocast here.
namespace {
bool cudaAutocastEnabled() {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
    return at::autocast::is_autocast_enabled(at::kCUDA);
#else
    return at::autocast::is_enabled();
#endif
}

void setCudaAutocastEnabled(bool enabled) {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
    at::autocast::set_autocast_enabled(at::kCUDA, enabled);
#else
    at::autocast::set_enabled(enabled);
#endif
}
}  // namespace

AutocastScope::AutocastScope(const Pipeline& p) : active_(p.fp16Autocast && p.device.is_cuda()) {
    if (!active_) return;
    previous_ = cudaAutocastEnabled();
    setCudaAutocastEnabled(true);
}

AutocastScope::~AutocastScope() {
    if (!active_) return;
    at::autocast::clear_cache();
    setCudaAutocastEnabled(previous_);
}

std::string embeddedModelFolder() {
    std::vector<fs::path> candidates;
    if (const char* env = std::getenv("DRAGDIFF_WEIGHTS_DIR"); env && *env) candidates.push_back(fs::path(env) / "embedded");
    const std::string exe = executableDir();
    if (!exe.empty()) candidates.push_back(fs::path(exe) / ".." / "share" / "dragdiff" / "weights" / "embedded");
#ifdef DRAGDIFF_SOURCE_WEIGHTS_DIR
    candidates.push_back(fs::path(DRAGDIFF_SOURCE_WEIGHTS_DIR) / "embedded");
#endif
    std::error_code ec;
    for (const auto& c : candidates)
        if (fs::is_regular_file(c / "model_index.json", ec)) return c.lexically_normal().string();
    std::string tried;
    for (const auto& c : candidates) tried += "\n  " + c.lexically_normal().string();
    throw LoadError("the embedded model was not found; looked in:" + tried +
                    "\nreinstall DragDiff, set DRAGDIFF_WEIGHTS_DIR, or pass --model with a Stable Diffusion model");
}

Pipeline loadPipeline(const ModelSpec& spec) {
    const at::Device device = parseDevice(spec.device);
    Pipeline p;
    try {
        if (spec.path.empty() || spec.path == "embedded") {
            const std::string folder = embeddedModelFolder();
            p = loadDiffusersFolder(folder, device);
            p.info.family = "embedded";
            fillInfo(p, folder, "diffusers");
        } else {
            std::error_code ec;
            if (fs::is_directory(spec.path, ec)) {
                p = loadDiffusersFolder(spec.path, device);
                fillInfo(p, spec.path, "diffusers");
            } else if (fs::exists(spec.path, ec)) {
                p = loadSingleFile(spec, device);
                fillInfo(p, spec.path, "single-file");
            } else {
                throw LoadError("model '" + spec.path + "' does not exist; give a diffusers folder, a .safetensors file, "
                                "or 'embedded'");
            }
        }
    } catch (const c10::Error& e) {
        throw LoadError("cannot load model '" + spec.path + "': " + e.what_without_backtrace());
    }
    if (!spec.predictionType.empty()) {
        if (spec.predictionType != "epsilon" && spec.predictionType != "v_prediction")
            throw InvalidRequest("prediction type '" + spec.predictionType + "' is not epsilon or v_prediction");
        p.scheduler.predictionType = spec.predictionType;
        p.info.predictionType = spec.predictionType;
    }
    if (spec.fp16Autocast) {
        if (!p.device.is_cuda())
            throw InvalidRequest("fp16 autocast runs on a GPU only; on the CPU DragDiff computes in fp32. Choose the "
                                 "cuda device, or turn fp16 off (--precision fp32)");
        p.fp16Autocast = true;
        p.info.dtype = "float32 weights, fp16 autocast";
    }
    models::freezeParameters(*p.unet);
    models::freezeParameters(*p.vae);
    p.unet->setChannelsLast(useChannelsLast(p.unet->config()));
    p.unet->eval();
    p.vae->eval();
    if (p.textEncoder) {
        models::freezeParameters(*p.textEncoder);
        p.textEncoder->eval();
    }
    return p;
}

}  // namespace dragdiff::drag
