#include "dragdiff/parameters.h"

#include "dragdiff/error.h"

#include <cmath>
#include <cstdlib>
#include <functional>
#include <sstream>

namespace dragdiff {
namespace {

struct Binding {
    ParameterInfo info;
    std::function<void(EditParameters&, const std::string&)> set;
    std::function<std::string(const EditParameters&)> get;
};

[[noreturn]] void badValue(const ParameterInfo& p, const std::string& value, const std::string& expected) {
    throw InvalidRequest("parameter '" + p.key + "': '" + value + "' is not valid; expected " + expected);
}

std::string rangeText(const ParameterInfo& p) {
    std::ostringstream s;
    s << "a " << (p.type == "int" ? "whole number" : "number") << " from " << p.minimum << " to " << p.maximum;
    return s.str();
}

std::string formatDouble(double v) {
    std::ostringstream s;
    s.precision(10);
    s << v;
    return s.str();
}

Binding intParam(ParameterInfo p, int EditParameters::*field) {
    p.type = "int";
    return {p,
            [p, field](EditParameters& e, const std::string& v) {
                char* end = nullptr;
                long x = std::strtol(v.c_str(), &end, 10);
                if (v.empty() || *end != '\0' || x < p.minimum || x > p.maximum) badValue(p, v, rangeText(p));
                e.*field = static_cast<int>(x);
            },
            [field](const EditParameters& e) { return std::to_string(e.*field); }};
}

Binding seedParam(ParameterInfo p) {
    p.type = "int";
    return {p,
            [p](EditParameters& e, const std::string& v) {
                char* end = nullptr;
                unsigned long long x = std::strtoull(v.c_str(), &end, 10);
                if (v.empty() || *end != '\0' || v[0] == '-') badValue(p, v, "a non-negative whole number");
                e.seed = x;
            },
            [](const EditParameters& e) { return std::to_string(e.seed); }};
}

// 0 or a side the UNet can work on: below 128 pixels an SD latent is a few cells wide.
Binding workingSizeParam(ParameterInfo p) {
    p.type = "int";
    return {p,
            [p](EditParameters& e, const std::string& v) {
                char* end = nullptr;
                long x = std::strtol(v.c_str(), &end, 10);
                if (v.empty() || *end != '\0' || (x != 0 && (x < 128 || x > p.maximum)))
                    badValue(p, v, "0 (the model's own size) or a whole number of pixels from 128 to " +
                                       std::to_string(int(p.maximum)));
                e.workingSize = static_cast<int>(x);
            },
            [](const EditParameters& e) { return std::to_string(e.workingSize); }};
}

Binding doubleParam(ParameterInfo p, double EditParameters::*field) {
    p.type = "double";
    return {p,
            [p, field](EditParameters& e, const std::string& v) {
                char* end = nullptr;
                double x = std::strtod(v.c_str(), &end);
                if (v.empty() || *end != '\0' || !std::isfinite(x) || x < p.minimum || x > p.maximum)
                    badValue(p, v, rangeText(p));
                e.*field = x;
            },
            [field](const EditParameters& e) { return formatDouble(e.*field); }};
}

Binding boolParam(ParameterInfo p, bool EditParameters::*field) {
    p.type = "bool";
    return {p,
            [p, field](EditParameters& e, const std::string& v) {
                if (v == "true" || v == "1" || v == "on" || v == "yes") e.*field = true;
                else if (v == "false" || v == "0" || v == "off" || v == "no") e.*field = false;
                else badValue(p, v, "true or false");
            },
            [field](const EditParameters& e) { return std::string(e.*field ? "true" : "false"); }};
}

Binding choiceParam(ParameterInfo p, std::string EditParameters::*field) {
    p.type = "choice";
    return {p,
            [p, field](EditParameters& e, const std::string& v) {
                for (const auto& c : p.choices)
                    if (c == v) {
                        e.*field = v;
                        return;
                    }
                std::string list;
                for (const auto& c : p.choices) list += (list.empty() ? "" : " or ") + c;
                badValue(p, v, list);
            },
            [field](const EditParameters& e) { return e.*field; }};
}

Binding stringParam(ParameterInfo p, std::string EditParameters::*field) {
    p.type = "string";
    return {p, [field](EditParameters& e, const std::string& v) { e.*field = v; },
            [field](const EditParameters& e) { return e.*field; }};
}

ParameterInfo info(const char* key, const char* group, const char* label, const char* help, double lo = 0,
                   double hi = 0, bool advanced = false) {
    ParameterInfo p;
    p.key = key;
    p.group = group;
    p.label = label;
    p.help = help;
    p.minimum = lo;
    p.maximum = hi;
    p.advanced = advanced;
    return p;
}

ParameterInfo withChoices(ParameterInfo p, std::vector<std::string> choices) {
    p.choices = std::move(choices);
    return p;
}

const std::vector<Binding>& bindings() {
    static const std::vector<Binding> table = {
        intParam(info("steps", "Schedule", "Steps", "DDIM steps of the full schedule. More steps: finer result, slower.", 2, 1000), &EditParameters::steps),
        doubleParam(info("strength", "Schedule", "Inversion strength", "Fraction of the schedule the image is inverted into noise and re-generated. Higher: more freedom to move, less fidelity.", 0.05, 1.0), &EditParameters::strength),
        seedParam(info("seed", "Schedule", "Seed", "Random seed; the same inputs and seed give the same result.")),
        stringParam(info("prompt", "Schedule", "Prompt", "Optional text describing the picture (needs a model with a text encoder)."), &EditParameters::prompt),
        choiceParam(withChoices(info("image_transform", "Schedule", "Image transform", "Image-conditioned models (sd-image-variations) only: how the picture reaches the CLIP image encoder. modelcard: the whole picture resized to the encoder's size, bicubic without antialiasing (the model card's recommendation); processor: the pipeline's CLIPImageProcessor (shortest edge resized with antialiasing, centre crop: the sides are cut off).", 0, 0, true), {"modelcard", "processor"}), &EditParameters::imageTransform),
        workingSizeParam(info("working_size", "Schedule", "Working size", "Long side, in pixels, the model works on the picture at; 0 = the model's own size (512 SD 1.x, 768 SD 2.x, 1024 SDXL). Smaller: faster and lighter on memory, less detail; the result is composited back at full resolution.", 0, 4096)),
        intParam(info("feature_block", "Correspondence", "Feature block", "Which UNet up-block's output gives the correspondence features; -1 uses the model's default.", -1, 8, true), &EditParameters::featureBlock),
        boolParam(info("centered_cosine", "Correspondence", "Centred cosine", "Subtract the mean feature before comparing, so the heatmap picks out the part instead of the whole frame.", 0, 0, true), &EditParameters::centeredCosine),
        choiceParam(withChoices(info("heatmap_mode", "Correspondence", "Heatmap", "How similarity is sharpened into a heatmap: sigmoid around a threshold, or softmax with a temperature.", 0, 0, true), {"sigmoid", "softmax"}), &EditParameters::heatmapMode),
        doubleParam(info("heatmap_sharpness", "Correspondence", "Sharpness", "Slope s of sigmoid(s (cos - threshold)).", 0.1, 1000, true), &EditParameters::heatmapSharpness),
        doubleParam(info("heatmap_threshold", "Correspondence", "Threshold", "Similarity at which the sigmoid heatmap is one half.", -1, 1, true), &EditParameters::heatmapThreshold),
        doubleParam(info("heatmap_temperature", "Correspondence", "Temperature", "Softmax temperature; lower is sharper.", 1e-4, 10, true), &EditParameters::heatmapTemperature),
        boolParam(info("latent_move", "Move", "Latent move", "Re-paste the part the heatmap identified at its target during the first denoising steps."), &EditParameters::latentMove),
        doubleParam(info("move_steps", "Move", "Move steps", "Fraction of the denoising steps during which the moved part is re-pasted.", 0, 1, true), &EditParameters::moveSteps),
        doubleParam(info("move_mask_threshold", "Move", "Part threshold", "Heatmap level that delimits the moved part.", 0.01, 0.99, true), &EditParameters::moveMaskThreshold),
        boolParam(info("part_connected", "Move", "Connected part", "Move only the region of the heatmap connected to the handle, not look-alikes elsewhere in the picture.", 0, 0, true), &EditParameters::partConnected),
        boolParam(info("carry_pixels", "Move", "Carry the part's pixels", "The result shows the moved or reshaped part's own pixels, warped (its exact texture, outline and colour); the model fills what the move uncovers and blends the seams. Off: the decoded latent everywhere.", 0, 0, true), &EditParameters::carryPixels),
        boolParam(info("auto_reshape", "Move", "Reshape in auto mode", "Pairs in auto mode reshape their part when the handle grabbed an edge, a boundary or a structure larger than the picture; off: every auto pair moves its part whole.", 0, 0, true), &EditParameters::autoReshape),
        doubleParam(info("reshape_edge_depth", "Move", "Edge grab depth", "Auto mode: a handle closer to its part's edge than this fraction of the part's deepest point reshapes the part (stretches an edge) when the drag pulls or pushes that edge; otherwise the part moves whole. A part that continues past the picture's border is always reshaped.", 0, 1, true), &EditParameters::reshapeEdgeDepth),
        doubleParam(info("reshape_max_stretch", "Move", "Longest stretch", "Auto mode: a drag that pulls or pushes an edge by more than this fraction of its part's extent along the drag moves the part instead (so long a stretch is rarely meant). Limbs, boundaries and structures larger than the picture are reshaped whatever the drag.", 0.05, 10, true), &EditParameters::reshapeMaxStretch),
        doubleParam(info("reshape_max_push", "Move", "Deepest push", "Auto mode: a drag that pushes an edge into its part (the handle nearer the part's end behind it than the one ahead) by more than this fraction of the part's extent along the drag moves the part instead: so deep a squash is rarely meant, and a part grabbed near its back edge and dragged is a move.", 0.05, 10, true), &EditParameters::reshapeMaxPush),
        doubleParam(info("reshape_reach", "Move", "Reshape reach", "A handle on a boundary or on a structure larger than the picture (a ridge line, the horizon) deforms the picture around it: how far behind the handle the deformation reaches, in drag lengths.", 0.25, 20, true), &EditParameters::reshapeReach),
        doubleParam(info("reshape_falloff", "Move", "Reshape falloff", "How far across the drag such a deformation reaches, relative to its reach behind the handle.", 0.05, 10, true), &EditParameters::reshapeFalloff),
        doubleParam(info("guidance_weight", "Guidance", "Guidance weight", "Strength w of the energy gradient added to the noise prediction.", 0, 100000), &EditParameters::guidanceWeight),
        doubleParam(info("guidance_window", "Guidance", "Guidance window", "Fraction of the denoising steps that are guided (each costs a backward pass).", 0, 1), &EditParameters::guidanceWindow),
        boolParam(info("guidance_after_move", "Guidance", "Guide after move", "Start guiding when the latent move ends instead of at the first step.", 0, 0, true), &EditParameters::guidanceAfterMove),
        intParam(info("gradient_iterations", "Guidance", "Gradient iterations", "Gradient evaluations per guided step.", 1, 10, true), &EditParameters::gradientIterations),
        doubleParam(info("move_weight", "Guidance", "Move weight", "Weight of the centroid move energy.", 0, 1e6, true), &EditParameters::moveWeight),
        doubleParam(info("appearance_weight", "Guidance", "Appearance weight", "Weight of the energy keeping the picture's overall appearance (mean feature per channel).", 0, 1e6), &EditParameters::appearanceWeight),
        choiceParam(withChoices(info("appearance_loss", "Guidance", "Appearance loss", "Distance between mean features: mse (design) or l1 over two up-blocks (reference code).", 0, 0, true), {"mse", "l1"}), &EditParameters::appearanceLoss),
        doubleParam(info("object_appearance_weight", "Guidance", "Object appearance", "Weight keeping the moved part's own mean feature.", 0, 1e6, true), &EditParameters::objectAppearanceWeight),
        doubleParam(info("object_size_weight", "Guidance", "Object size", "Weight keeping the moved part's heatmap mass (its size).", 0, 1e6, true), &EditParameters::objectSizeWeight),
        boolParam(info("distance_scaled_move", "Guidance", "Distance-scaled move", "Make the move energy's push shrink as the part nears its target.", 0, 0, true), &EditParameters::distanceScaledMove),
        doubleParam(info("guidance_cap", "Guidance", "Guidance cap", "Largest change per latent element one guidance step may make; 0 = no cap.", 0, 100, true), &EditParameters::guidanceCap),
        boolParam(info("checkpoint_up_blocks", "Guidance", "Low-memory guidance", "Guided steps recompute the UNet's up-block activations and every attention's weights during the backward pass instead of keeping them: less memory for large models (SD 1.5: 0.8 GB less), about 15% more time per guided step.", 0, 0, true), &EditParameters::checkpointUpBlocks),
        boolParam(info("share_attention", "Preservation", "Share attention", "The edited branch borrows the original image's self-attention keys/values in the up-blocks (keeps identity).", 0, 0, true), &EditParameters::shareAttention),
        doubleParam(info("mask_feather", "Preservation", "Mask feather", "Softness of the mask edge, in latent pixels.", 0, 64, true), &EditParameters::maskFeather),
        doubleParam(info("composite_threshold", "Preservation", "Change threshold", "Without a mask: decoded change (0..1) below which the original pixels are kept.", 0, 1, true), &EditParameters::compositeThreshold),
        intParam(info("preview_every", "Output", "Preview every", "Send a preview every k steps; 0 = none.", 0, 1000, true), &EditParameters::previewEvery),
    };
    return table;
}

const Binding& find(const std::string& key) {
    for (const auto& b : bindings())
        if (b.info.key == key) return b;
    std::string known;
    for (const auto& b : bindings()) known += (known.empty() ? "" : ", ") + b.info.key;
    throw InvalidRequest("unknown parameter '" + key + "'; known parameters: " + known);
}

}  // namespace

const std::vector<ParameterInfo>& parameterTable() {
    static const std::vector<ParameterInfo> table = [] {
        std::vector<ParameterInfo> t;
        for (const auto& b : bindings()) t.push_back(b.info);
        return t;
    }();
    return table;
}

void setParameter(EditParameters& parameters, const std::string& key, const std::string& value) {
    find(key).set(parameters, value);
}

std::string getParameter(const EditParameters& parameters, const std::string& key) {
    return find(key).get(parameters);
}

void validateParameters(const EditParameters& parameters) {
    EditParameters copy = parameters;
    for (const auto& b : bindings()) b.set(copy, b.get(parameters));  // re-parsing checks each range
}

}  // namespace dragdiff
