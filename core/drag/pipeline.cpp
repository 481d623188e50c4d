#include "drag/pipeline.h"

#include "drag/pipeline_addons.h"
#include "drag/pipeline_sdxl.h"
#include "io/checkpoint_format.h"
#include "io/config_json.h"
#include "io/safetensors.h"
#include "models/blocks/autocast.h"
#include "models/component_files.h"
#include "models/sdxl/sdxl_conditioning.h"
#include "models/single_file/architecture_inference.h"
#include "models/single_file/checkpoint_family.h"
#include "models/single_file/ldm_key_mapping.h"
#include "models/weight_loading.h"

#include <ATen/autocast_mode.h>
#include <c10/core/Device.h>
#include <torch/cuda.h>

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
    p.info.usesPrompt = static_cast<bool>(p.textEncoder);
    p.info.upBlocks = static_cast<int>(p.unet->numUpBlocks());
    if (p.imageEncoder) {
        const models::CLIPVisionConfig& v = p.imageEncoder->config();
        p.info.imageEncoderSize = v.imageSize;
        p.info.imageEncoderPatch = v.patchSize;
        p.info.imageEncoderWidth = v.hiddenSize;
        p.info.imageEncoderLayers = v.numHiddenLayers;
        p.info.imageEmbeddingDim = v.projectionDim;
        p.info.parameterCounts["image_encoder"] = countParameters(*p.imageEncoder);
    }
    p.info.parameterCounts["unet"] = countParameters(*p.unet);
    p.info.parameterCounts["vae"] = countParameters(*p.vae);
    if (p.textEncoder) p.info.parameterCounts["text_encoder"] = countParameters(*p.textEncoder);
    if (p.textEncoder2) p.info.parameterCounts["text_encoder_2"] = countParameters(*p.textEncoder2);
    if (p.info.family.empty() && p.isSDXL()) p.info.family = "sdxl";
    if (p.info.family.empty()) {
        const int ctx = p.unet->config().crossAttentionDim;
        p.info.family = ctx == 768 ? "sd1" : ctx == 1024 ? "sd2" : "custom";
    }
}

// StableDiffusionImageVariationPipeline folders: model_index.json names the pipeline, or (no
// model_index.json) an image_encoder/ stands where a text_encoder/ would.
bool isImageVariationFolder(const std::string& folder) {
    std::error_code ec;
    const fs::path index = fs::path(folder) / "model_index.json";
    if (fs::is_regular_file(index, ec))
        return io::ConfigReader::fromFile(index.string()).getString("_class_name", "") ==
               "StableDiffusionImageVariationPipeline";
    return fs::is_directory(fs::path(folder) / "image_encoder", ec) && !fs::is_directory(fs::path(folder) / "text_encoder", ec);
}

void loadImageConditioning(Pipeline& p, const std::string& folder, at::Device device) {
    std::error_code ec;
    for (const char* sub : {"image_encoder", "feature_extractor"})
        if (!fs::is_directory(fs::path(folder) / sub, ec))
            throw LoadError("model folder '" + folder + "' is an image-variation model (StableDiffusionImageVariationPipeline) "
                            "but has no " + sub + "/ folder; it needs image_encoder/, feature_extractor/, unet/, vae/ "
                            "and scheduler/");
    p.imageEncoder = models::loadCLIPVisionModelWithProjection((fs::path(folder) / "image_encoder").string(), at::kFloat, device);
    p.imageProcessor = models::CLIPImageProcessor::load((fs::path(folder) / "feature_extractor").string());
    const models::CLIPVisionConfig& v = p.imageEncoder->config();
    const int context = p.unet->config().crossAttentionDim;
    if (v.projectionDim != context)
        throw LoadError("'" + folder + "': the image encoder projects to " + std::to_string(v.projectionDim) +
                        " (image_encoder/config.json projection_dim) but the UNet's cross_attention_dim is " +
                        std::to_string(context) + "; image_encoder/ and unet/ come from different models");
    const models::CLIPImageProcessorConfig& f = p.imageProcessor->config();
    if (f.doCenterCrop && (f.cropHeight != v.imageSize || f.cropWidth != v.imageSize))
        throw LoadError("'" + folder + "': feature_extractor/preprocessor_config.json crops to " +
                        std::to_string(f.cropHeight) + "x" + std::to_string(f.cropWidth) + " but the image encoder reads " +
                        std::to_string(v.imageSize) + "x" + std::to_string(v.imageSize) +
                        " pictures (image_encoder/config.json image_size); the two folders do not belong together");
    p.info.family = "sd-image-variations";
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
    if (isImageVariationFolder(folder)) loadImageConditioning(p, folder, device);
    if (p.isSDXL()) loadSDXLText(p, folder, device);
    p.constantContext = loadConstantContext(folder, p.unet->config().crossAttentionDim).to(device);
    return p;
}

Pipeline loadSingleFile(const ModelSpec& spec, at::Device device) {
    io::refusePickleCheckpoint(spec.path);
    auto file = std::make_shared<const io::SafetensorsFile>(spec.path);
    const models::CheckpointFamily family = models::classifyCheckpoint(*file);
    if (family.family == "sdxl") return loadSDXLSingleFile(spec, file, family, device);
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
    applyScheduleMarkers(arch.scheduler, family);
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

WorkingImage Pipeline::workingImage(const RgbaImage& image, int longSide) const {
    return makeWorkingImage(image, longSide > 0 ? longSide : nativeImageSize(), sizeMultiple());
}

int Pipeline::defaultFeatureBlock() const {
    return std::max(0, static_cast<int>(unet->config().upBlockTypes.size()) - 2);
}

int Pipeline::featureBlock(int requested) const {
    const int numUp = static_cast<int>(unet->numUpBlocks());
    const int k = requested >= 0 ? requested : defaultFeatureBlock();
    if (k >= numUp)
        throw InvalidRequest("feature_block " + std::to_string(k) + " does not exist: this UNet has " +
                             std::to_string(numUp) + " up-blocks (0.." + std::to_string(numUp - 1) + ")");
    return k;
}

models::UNetConditioning Pipeline::encodePrompt(const std::string& prompt) {
    if (imageEncoder) {
        if (prompt.find_first_not_of(" \t\r\n") != std::string::npos)
            throw InvalidRequest("this model (sd-image-variations) is conditioned on the picture itself, not on text, "
                                 "so it takes no prompt; clear the prompt (drop --prompt)");
        throw Error("internal error: an image-variation model's context comes from the picture (encodeContext), "
                    "not from encodePrompt");
    }
    if (isSDXL()) {
        if (!textEncoder || !textEncoder2 || !tokenizer || !tokenizer2)
            throw InvalidRequest("this SDXL model lacks a text encoder or tokenizer, so it cannot be conditioned");
        at::NoGradGuard noGrad;
        models::SDXLPromptEmbeds e =
            models::encodeSDXLPrompts(textEncoder, *tokenizer, textEncoder2, *tokenizer2, {prompt});
        if (forceZerosForEmptyPrompt && models::promptIsBlank(prompt)) e = models::zeroSDXLPromptEmbeds(e);
        return models::UNetConditioning(e.promptEmbeds, e.pooledPromptEmbeds, at::Tensor());
    }
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

models::UNetConditioning Pipeline::encodeContext(const std::string& prompt, const WorkingImage& work, const std::string& imageTransform) {
    if (!imageEncoder) return encodePrompt(prompt);
    if (prompt.find_first_not_of(" \t\r\n") != std::string::npos)
        throw InvalidRequest("this model (sd-image-variations) is conditioned on the picture itself, not on text, so it "
                             "takes no prompt; clear the prompt (drop --prompt)");
    cv::Mat rgb8;
    work.rgb(cv::Rect(0, 0, work.content.width, work.content.height)).convertTo(rgb8, CV_8UC3, 255.0);
    return encodeImage(rgb8, imageTransform);
}

at::Tensor Pipeline::imagePixelValues(const cv::Mat& rgb8, const std::string& transform) const {
    if (!imageEncoder || !imageProcessor)
        throw InvalidRequest("this model has no image encoder; only image-variation models (sd-image-variations) take "
                             "the picture as their condition");
    if (transform == "processor") return imageProcessor->preprocess(rgb8);
    if (transform == "modelcard") {
        const int s = imageEncoder->config().imageSize;
        const auto& f = imageProcessor->config();
        return models::modelCardTransform(rgb8, s, s, f.imageMean, f.imageStd);
    }
    throw InvalidRequest("image_transform '" + transform + "' is not one of modelcard, processor");
}

at::Tensor Pipeline::encodeImage(const cv::Mat& rgb8, const std::string& transform, bool classifierFreeGuidance) {
    at::NoGradGuard noGrad;
    const at::Tensor pixels = imagePixelValues(rgb8, transform).to(device);
    const at::Tensor embeddings = imageEncoder->forward(pixels).imageEmbeds.unsqueeze(1);  // [1, 1, C]
    if (!classifierFreeGuidance) return embeddings;
    return at::cat({at::zeros_like(embeddings), embeddings}, /*dim=*/0);
}

void Pipeline::addSizeConditioning(models::UNetConditioning& conditioning, int64_t height, int64_t width) const {
    if (isSDXL()) conditioning.timeIds = models::sdxlAddTimeIds(height, width).to(device);
}

AutocastScope::AutocastScope(const Pipeline& p) : active_(p.fp16Autocast && p.device.is_cuda()) {
    if (!active_) return;
    previous_ = models::cudaAutocastEnabled();
    models::setCudaAutocastEnabled(true);
}

AutocastScope::~AutocastScope() {
    if (!active_) return;
    at::autocast::clear_cache();
    models::setCudaAutocastEnabled(previous_);
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
    applyModelAddOns(p, spec);
    models::freezeParameters(*p.unet);
    models::freezeParameters(*p.vae);
    p.unet->setChannelsLast(useChannelsLast(p.unet->config()));
    p.unet->eval();
    p.vae->eval();
    if (p.textEncoder) {
        models::freezeParameters(*p.textEncoder);
        p.textEncoder->eval();
    }
    if (p.imageEncoder) {
        models::freezeParameters(*p.imageEncoder);
        p.imageEncoder->eval();
    }
    if (p.textEncoder2) {
        models::freezeParameters(*p.textEncoder2);
        p.textEncoder2->eval();
    }
    return p;
}

}  // namespace dragdiff::drag
