// kohya LoRA files: keys grouped per module, every part checked before any weight is touched.
#include "models/lora/lora_file.h"

#include "dragdiff/error.h"
#include "io/checkpoint_format.h"
#include "io/safetensors.h"
#include "models/blocks/block_utils.h"

#include <cmath>
#include <map>

namespace dragdiff::models {
namespace {

constexpr const char* kDown = ".lora_down.weight";
constexpr const char* kUp = ".lora_up.weight";
constexpr const char* kAlpha = ".alpha";

bool endsWith(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool contains(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

struct Parts {
    std::string down, up, alpha;  // keys; "" when absent
};

// What a key that is no part of a plain kohya LoRA is, for the refusal.
std::string otherFormat(const std::string& key) {
    if (contains(key, "hada_")) return "a LyCORIS LoHa module";
    if (contains(key, "lokr_")) return "a LyCORIS LoKr module";
    if (contains(key, "dora_scale")) return "a DoRA module (magnitude vector)";
    if (contains(key, "lora_mid")) return "a LoCon module with a Tucker middle factor (lora_mid)";
    if (endsWith(key, ".diff") || endsWith(key, ".diff_b")) return "a full weight difference (LyCORIS 'full')";
    if (contains(key, "lora_A") || contains(key, "lora_B") || contains(key, ".lora.down.") ||
        contains(key, ".lora.up.") || contains(key, "lora_linear_layer"))
        return "a diffusers/PEFT LoRA key";
    return "";
}

[[noreturn]] void refuse(const std::string& path, const std::string& key, const std::string& what) {
    throw LoadError("LoRA '" + path + "': tensor '" + key + "' " + what);
}

at::Tensor loadMatrix(const io::SafetensorsFile& f, const std::string& key) {
    const auto& e = f.entry(key);
    if (io::toScalarType(e.dtype) != at::kFloat && io::toScalarType(e.dtype) != at::kHalf &&
        io::toScalarType(e.dtype) != at::kBFloat16 && io::toScalarType(e.dtype) != at::kDouble)
        refuse(f.path(), key, std::string("has dtype ") + io::dtypeName(e.dtype) + "; LoRA weights are floating point");
    at::Tensor t = f.load(key, at::kFloat);
    if (t.dim() != 2 && t.dim() != 4)
        refuse(f.path(), key, "has shape " + shapeText(t.sizes()) +
                                  "; a LoRA matrix is [rows, cols] (linear) or [rows, cols, kh, kw] (convolution)");
    if (t.numel() == 0) refuse(f.path(), key, "is empty (shape " + shapeText(t.sizes()) + ")");
    if (!at::isfinite(t).all().item<bool>())
        refuse(f.path(), key, "holds NaN or infinite values; the file is corrupted");
    return t;
}

LoraModule readModule(const io::SafetensorsFile& f, const std::string& name, const Parts& parts) {
    const std::string& path = f.path();
    if (parts.down.empty())
        refuse(path, parts.up.empty() ? parts.alpha : parts.up,
               "has no matching '" + name + kDown + "'; the file is incomplete");
    if (parts.up.empty()) refuse(path, parts.down, "has no matching '" + name + kUp + "'; the file is incomplete");
    LoraModule m;
    m.name = name;
    m.downKey = parts.down;
    m.down = loadMatrix(f, parts.down);
    m.up = loadMatrix(f, parts.up);
    if (m.up.dim() != m.down.dim() || m.up.size(1) != m.down.size(0) ||
        (m.up.dim() == 4 && (m.up.size(2) != 1 || m.up.size(3) != 1)))
        refuse(path, parts.up, "has shape " + shapeText(m.up.sizes()) + ", which does not fit '" + parts.down +
                                   "' of shape " + shapeText(m.down.sizes()) + " (expected [out, " +
                                   std::to_string(m.down.size(0)) + (m.down.dim() == 4 ? ", 1, 1]" : "]") + ")");
    m.alpha = static_cast<double>(m.rank());
    if (!parts.alpha.empty()) {
        at::Tensor a = f.load(parts.alpha, at::kDouble);
        if (a.numel() != 1 || !std::isfinite(a.item<double>()))
            refuse(path, parts.alpha, "must be one finite number (found shape " + shapeText(a.sizes()) + ")");
        m.alpha = a.item<double>();
    }
    return m;
}

}  // namespace

LoraFile readLoraFile(const std::string& path) {
    io::refusePickleCheckpoint(path);
    LoraFile out;
    out.path = path;
    out.file = std::make_shared<const io::SafetensorsFile>(path);
    const io::SafetensorsFile& f = *out.file;
    std::map<std::string, Parts> byName;
    for (const auto& e : f.entries()) {
        const std::string& key = e.name;
        if (const std::string other = otherFormat(key); !other.empty())
            refuse(path, key, "is " + other + "; DragDiff merges plain kohya LoRA files (lora_down / lora_up / alpha)");
        if (key.rfind("lora_", 0) != 0)
            refuse(path, key, "is not a kohya LoRA key (they start with lora_unet_, lora_te_, lora_te1_ or lora_te2_)");
        std::string* slot = nullptr;
        std::string name;
        for (auto [suffix, member] : {std::pair{kDown, &Parts::down}, std::pair{kUp, &Parts::up},
                                      std::pair{kAlpha, &Parts::alpha}}) {
            if (!endsWith(key, suffix)) continue;
            name = key.substr(0, key.size() - std::string(suffix).size());
            slot = &(byName[name].*member);
            break;
        }
        if (!slot || name.empty())
            refuse(path, key, "is not part of a kohya LoRA module (expected <module>" + std::string(kDown) + ", " +
                                  kUp + " or " + kAlpha + ")");
        *slot = key;
    }
    if (byName.empty())
        throw LoadError("LoRA '" + path + "' holds no tensors; the file is empty or incomplete");
    for (const auto& [name, parts] : byName) out.modules.push_back(readModule(f, name, parts));
    return out;
}

}  // namespace dragdiff::models
