#include "cli_commands.h"

#include "cli_args.h"
#include "cli_progress.h"
#include "dragdiff/edit_spec.h"
#include "dragdiff/engine.h"
#include "dragdiff/files.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>

namespace fs = std::filesystem;
using nlohmann::json;

namespace dragdiff::cli {
namespace {

const std::vector<std::string> kModelOptions{"model",   "config",    "device", "prediction-type",
                                             "threads", "precision", "lora",   "preview-decoder"};

std::vector<std::string> concat(std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

PointF parsePoint(const std::string& text, const std::string& what) {
    std::istringstream s(text);
    PointF p;
    char comma = 0;
    if (!(s >> p.x >> comma >> p.y) || comma != ',' || !s.eof() || !std::isfinite(p.x) || !std::isfinite(p.y))
        throw UsageError(what + " '" + text + "' must be X,Y in image pixels");
    return p;
}

// X1,Y1:X2,Y2 with an optional :move or :reshape (default auto: the engine decides per pair).
DragPair parseDrag(const std::string& text) {
    const std::string form = "--drag '" + text + "' must be X1,Y1:X2,Y2 or X1,Y1:X2,Y2:MODE (MODE move, reshape or auto)";
    auto colon = text.find(':');
    if (colon == std::string::npos) throw UsageError(form);
    auto second = text.find(':', colon + 1);
    DragPair d{parsePoint(text.substr(0, colon), "--drag handle"),
               parsePoint(text.substr(colon + 1, second == std::string::npos ? std::string::npos : second - colon - 1),
                          "--drag target")};
    if (second != std::string::npos) {
        try {
            d.mode = parseDragMode(text.substr(second + 1));
        } catch (const InvalidRequest&) {
            throw UsageError(form);
        }
    }
    return d;
}

// --lora (repeatable) replaces the spec's LoRA list when given.
Engine& loadEngine(Engine& engine, const Args& a, const std::string& modelPath,
                   const std::vector<LoraSpec>& specLoras = {}) {
    if (a.has("threads")) setThreadCount(a.getInt("threads", 0));
    ModelSpec spec;
    spec.path = modelPath;
    spec.configDir = a.get("config");
    spec.device = a.get("device", "cpu");
    spec.predictionType = a.get("prediction-type");
    const std::string precision = a.get("precision", "fp32");
    if (precision != "fp32" && precision != "fp16") throw UsageError("--precision must be fp32 or fp16");
    spec.fp16Autocast = precision == "fp16";
    spec.loras = specLoras;
    if (a.has("lora")) {
        spec.loras.clear();
        for (const auto& l : a.all("lora")) spec.loras.push_back(parseLoraArgument(l));
    }
    spec.previewDecoder = a.get("preview-decoder");
    engine.loadModel(spec);
    return engine;
}

json infoJson(const ModelInfo& m) {
    json counts = json::object();
    for (const auto& [k, v] : m.parameterCounts) counts[k] = v;
    json loras = json::array();
    for (size_t i = 0; i < m.loras.size(); ++i)
        loras.push_back({{"path", m.loras[i].path}, {"strength", m.loras[i].strength},
                         {"weights", i < m.loraModules.size() ? m.loraModules[i] : 0}});
    return {{"loras", loras}, {"preview_decoder", m.previewDecoder},{"path", m.path},          {"family", m.family},
            {"format", m.format},      {"prediction_type", m.predictionType},
            {"dtype", m.dtype},        {"device", m.device},
            {"image_size", m.imageSize}, {"latent_channels", m.latentChannels},
            {"latent_scale", m.latentScale}, {"text_encoder", m.hasTextEncoder},
            {"tokenizer", m.hasTokenizer}, {"uses_prompt", m.usesPrompt},
            {"image_encoder", m.imageEncoderSize > 0 ? json{{"image_size", m.imageEncoderSize},
                                                            {"patch_size", m.imageEncoderPatch},
                                                            {"hidden_size", m.imageEncoderWidth},
                                                            {"layers", m.imageEncoderLayers},
                                                            {"embedding_dim", m.imageEmbeddingDim}}
                                                      : json(nullptr)},
            {"parameters", counts}};
}

std::string withThousands(int64_t v) {
    std::string s = std::to_string(v);
    for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<size_t>(i), ",");
    return s;
}

}  // namespace

int runInfo(const std::vector<std::string>& argv) {
    Args a(argv, kModelOptions, {"json"});
    Engine engine;
    loadEngine(engine, a, a.get("model", "embedded"));
    ModelInfo m = engine.modelInfo();
    if (a.has("json")) {
        std::cout << infoJson(m).dump(2) << "\n";
        return kExitOk;
    }
    std::cout << "model:           " << m.path << "\n"
              << "format:          " << m.format << "\n"
              << "family:          " << m.family << "\n"
              << "prediction type: " << m.predictionType << "\n"
              << "dtype / device:  " << m.dtype << " / " << m.device << "\n"
              << "working size:    " << m.imageSize << " px (latents " << m.latentChannels << " channels, 1/"
              << m.latentScale << " scale)\n"
              << "text encoder:    " << (m.hasTextEncoder ? "yes" : "no")
              << (m.imageEncoderSize > 0 ? std::string(" (no prompt: the picture is the condition)")
                  : m.hasTokenizer       ? std::string(", tokenizer: yes")
                                         : std::string(", tokenizer: no (empty prompt only)"))
              << "\n";
    if (m.imageEncoderSize > 0)
        std::cout << "image encoder:   CLIP ViT, " << m.imageEncoderSize << " px input, patch " << m.imageEncoderPatch
                  << ", width " << m.imageEncoderWidth << ", " << m.imageEncoderLayers << " layers, embedding "
                  << m.imageEmbeddingDim << "\n";
    std::cout << "parameters:\n";
    int64_t total = 0;
    for (const auto& [k, v] : m.parameterCounts) {
        std::cout << "  " << k << ": " << withThousands(v) << "\n";
        total += v;
    }
    std::cout << "  total: " << withThousands(total) << "\n";
    for (size_t i = 0; i < m.loras.size(); ++i)
        std::cout << "lora:            " << m.loras[i].path << " (strength " << m.loras[i].strength << ", "
                  << (i < m.loraModules.size() ? m.loraModules[i] : 0) << " weights changed)\n";
    if (!m.previewDecoder.empty()) std::cout << "preview decoder: " << m.previewDecoder << "\n";
    return kExitOk;
}

int runEdit(const std::vector<std::string>& argv, const std::atomic<bool>& cancel) {
    Args a(argv,
           concat(kModelOptions, {"image", "drag", "mask", "prompt", "steps", "strength", "seed", "set", "out",
                                  "previews", "report", "spec"}),
           {});
    EditSpec spec;
    if (a.has("spec")) spec = readEditSpec(a.get("spec"));
    if (a.has("model")) spec.modelPath = a.get("model");
    if (a.has("image")) spec.imagePath = a.get("image");
    if (a.has("mask")) spec.maskPath = a.get("mask");
    if (a.has("out")) spec.outputPath = a.get("out");
    if (a.has("drag")) {
        spec.drags.clear();
        for (const auto& d : a.all("drag")) spec.drags.push_back(parseDrag(d));
    }
    if (a.has("prompt")) spec.parameters.prompt = a.get("prompt");
    if (a.has("steps")) setParameter(spec.parameters, "steps", a.get("steps"));
    if (a.has("strength")) setParameter(spec.parameters, "strength", a.get("strength"));
    if (a.has("seed")) setParameter(spec.parameters, "seed", a.get("seed"));
    for (const auto& kv : a.all("set")) {
        auto eq = kv.find('=');
        if (eq == std::string::npos) throw UsageError("--set '" + kv + "' must be key=value");
        setParameter(spec.parameters, kv.substr(0, eq), kv.substr(eq + 1));
    }
    if (spec.imagePath.empty()) throw UsageError("--image (or a --spec with \"image\") is required");
    if (spec.outputPath.empty()) throw UsageError("--out (or a --spec with \"output\") is required");
    if (spec.drags.empty()) throw UsageError("at least one --drag X1,Y1:X2,Y2 is required");
    // Before anything long (the model, the edit): every output must be writable.
    checkImageWritable(spec.outputPath);
    if (a.has("report")) checkWritable(a.get("report"));
    const std::string previews = a.get("previews");
    if (!previews.empty()) {
        std::error_code error;
        fs::create_directories(previews, error);
        if (error)
            throw WriteError("cannot write previews into '" + previews + "': " + error.message() +
                             "; choose another --previews folder");
        checkImageWritable((fs::path(previews) / "preview_000.png").string());
    }

    EditRequest request;
    request.image = loadImage(spec.imagePath);
    request.drags = spec.drags;
    request.parameters = spec.parameters;
    if (!spec.maskPath.empty()) {
        request.mask = loadMask(spec.maskPath);
        if (request.mask.width != request.image.width || request.mask.height != request.image.height) {
            std::cerr << "dragdiff-cli: warning: mask '" << spec.maskPath << "' is " << request.mask.width << "x"
                      << request.mask.height << " but the image is " << request.image.width << "x"
                      << request.image.height << "; resizing the mask to the image\n";
            request.mask = resizeMask(request.mask, request.image.width, request.image.height);
        }
    }

    Engine engine;
    loadEngine(engine, a, spec.modelPath, spec.loras);
    ProgressPrinter printer;
    EditResult result = engine.edit(
        request,
        [&](const EditProgress& p) {
            printer.update(p);
            if (!previews.empty() && !p.preview.empty()) {
                char name[64];
                std::snprintf(name, sizeof(name), "%s_%03d.png", p.phase.c_str(), p.step);
                saveImage(p.preview, (fs::path(previews) / name).string());
            }
        },
        &cancel);
    printer.finish();
    saveImage(result.image, spec.outputPath);

    if (a.has("report")) {
        json params = json::object();
        for (const auto& info : parameterTable()) params[info.key] = getParameter(result.parameters, info.key);
        json steps = json::array();
        for (const auto& s : result.steps) {
            json centroids = json::array();
            for (const auto& c : s.centroids) centroids.push_back({c.x, c.y});
            steps.push_back({{"step", s.step}, {"timestep", s.timestep}, {"guided", s.guided},
                             {"move_energy", s.moveEnergy}, {"appearance_energy", s.appearanceEnergy},
                             {"centroids", centroids}});
        }
        json drags = json::array();
        for (size_t i = 0; i < spec.drags.size(); ++i) {
            const DragPair& d = spec.drags[i];
            drags.push_back({{"handle", {d.handle.x, d.handle.y}}, {"target", {d.target.x, d.target.y}},
                             {"mode", dragModeName(d.mode)},
                             {"resolved_mode", i < result.modes.size() ? json(dragModeName(result.modes[i])) : json(nullptr)}});
        }
        json report = {{"image", spec.imagePath}, {"output", spec.outputPath}, {"mask", spec.maskPath},
                       {"model", infoJson(engine.modelInfo())}, {"drags", drags}, {"parameters", params},
                       {"steps", steps}, {"timings", result.timings}, {"passes", result.counts},
                       {"image_size", {request.image.width, request.image.height}}};
        writeTextFileAtomically(a.get("report"), report.dump(2) + "\n");
    }
    std::cerr << "dragdiff-cli: wrote " << spec.outputPath << "\n";
    return kExitOk;
}

int runHeatmap(const std::vector<std::string>& argv, const std::atomic<bool>& cancel) {
    Args a(argv, concat(kModelOptions, {"image", "point", "out", "prompt", "set"}), {"overlay"});
    const std::string imagePath = a.require("image");
    const PointF point = parsePoint(a.require("point"), "--point");
    const std::string out = a.require("out");
    checkImageWritable(out);  // before the model and the analysis
    EditParameters params;
    for (const auto& kv : a.all("set")) {
        auto eq = kv.find('=');
        if (eq == std::string::npos) throw UsageError("--set '" + kv + "' must be key=value");
        setParameter(params, kv.substr(0, eq), kv.substr(eq + 1));
    }
    if (a.has("prompt")) params.prompt = a.get("prompt");
    RgbaImage image = loadImage(imagePath);
    Engine engine;
    loadEngine(engine, a, a.get("model", "embedded"));
    engine.prepareImage(image, params, &cancel);  // conditioned as the edit with these parameters
    HeatMap heat = engine.heatmap(point, params);
    RgbaImage picture = colorizeHeatmap(heat, a.has("overlay") ? &image : nullptr);
    saveImage(picture, out);
    std::cerr << "dragdiff-cli: wrote " << out << "\n";
    return kExitOk;
}

}  // namespace dragdiff::cli
