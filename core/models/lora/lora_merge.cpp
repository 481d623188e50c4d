// LoRA merging: resolve every module name to a weight, check every shape, then add the products.
#include "models/lora/lora_merge.h"

#include "dragdiff/error.h"
#include "models/blocks/block_utils.h"

#include <torch/csrc/autograd/grad_mode.h>

#include <algorithm>
#include <cmath>
#include <set>

namespace dragdiff::models {
namespace {

std::string underscored(std::string path) {
    std::replace(path.begin(), path.end(), '.', '_');
    return path;
}

// Kernel size of a weight or a LoRA down matrix; linear layers count as 1×1.
std::pair<int64_t, int64_t> kernelOf(const at::Tensor& t) {
    return t.dim() == 4 ? std::pair{t.size(2), t.size(3)} : std::pair<int64_t, int64_t>{1, 1};
}

struct Resolved {
    const LoraModule* module;
    std::string path;   // the module path in the component
    at::Tensor weight;  // the model's parameter, updated in place
};

const LoraTarget* targetFor(const LoraFile& lora, const LoraModule& m, const std::vector<LoraTarget>& targets) {
    const LoraTarget* best = nullptr;
    for (const auto& t : targets)
        if (m.name.rfind(t.prefix, 0) == 0 && (!best || t.prefix.size() > best->prefix.size())) best = &t;
    if (best) return best;
    std::string accepted;
    for (const auto& t : targets) accepted += (accepted.empty() ? "" : ", ") + t.prefix + "* (" + t.component + ")";
    std::string hint;
    if (m.name.rfind("lora_te1_", 0) == 0 || m.name.rfind("lora_te2_", 0) == 0)
        hint = "; lora_te1_/lora_te2_ adapt SDXL's two text encoders: this LoRA was trained for SDXL";
    else if (m.name.rfind("lora_te_", 0) == 0)
        hint = std::any_of(targets.begin(), targets.end(), [](const LoraTarget& t) { return t.prefix == "lora_te1_"; })
                   ? "; lora_te_ adapts the one text encoder of SD 1.x/2.x: this LoRA was trained for SD 1.x/2.x, "
                     "not for an SDXL model"
                   : "; the model has no text encoder for it to adapt";
    throw LoadError("LoRA '" + lora.path + "': tensor '" + m.downKey + "' adapts a part this model does not have; it accepts " +
                    (accepted.empty() ? std::string("nothing") : accepted) + hint);
}

Resolved resolve(const LoraFile& lora, const LoraModule& m, const LoraTarget& target, const ModuleNameIndex& index,
                 const std::map<std::string, at::Tensor>& params) {
    const std::string name = m.name.substr(target.prefix.size());
    std::optional<std::string> path = index.find(name);
    if (!path && target.originalLayout) path = target.originalLayout(m, name);
    if (!path)
        throw LoadError("LoRA '" + lora.path + "': tensor '" + m.downKey + "' matches no module of the " +
                        target.component + " ('" + name +
                        "' with '.' for '_' is no module path); the LoRA was trained for another model family");
    auto it = params.find(*path + ".weight");
    if (it == params.end())
        throw LoadError("LoRA '" + lora.path + "': tensor '" + m.downKey + "' maps to '" + *path + "' of the " +
                        target.component + ", which has no weight");
    const at::Tensor& w = it->second;
    const bool fits = (w.dim() == 2 || w.dim() == 4) && m.up.size(0) == w.size(0) && m.down.size(1) == w.size(1) &&
                      kernelOf(m.down) == kernelOf(w);
    if (!fits)
        throw LoadError("LoRA '" + lora.path + "': module '" + m.name + "' (lora_up " + shapeText(m.up.sizes()) +
                        ", lora_down " + shapeText(m.down.sizes()) + ") does not fit '" + *path + ".weight' of the " +
                        target.component + ", shape " + shapeText(w.sizes()) +
                        "; the LoRA was trained for another model or size");
    return {&m, *path, w};
}

}  // namespace

ModuleNameIndex::ModuleNameIndex(torch::nn::Module& module) {
    const std::string suffix = ".weight";
    for (const auto& p : module.named_parameters(/*recurse=*/true)) {
        const std::string& key = p.key();
        if (key.size() <= suffix.size() || key.compare(key.size() - suffix.size(), suffix.size(), suffix) != 0) continue;
        const std::string path = key.substr(0, key.size() - suffix.size());
        const std::string spelling = underscored(path);
        auto [it, inserted] = paths_.emplace(spelling, path);
        if (!inserted && it->second != path) ambiguous_[spelling] = it->second + "' and '" + path;
    }
}

std::optional<std::string> ModuleNameIndex::find(const std::string& spelling) const {
    if (auto a = ambiguous_.find(spelling); a != ambiguous_.end())
        throw LoadError("the LoRA module name '" + spelling + "' could mean '" + a->second +
                        "'; this model's module paths are ambiguous with '_' for '.'");
    auto it = paths_.find(spelling);
    if (it == paths_.end()) return std::nullopt;
    return it->second;
}

int mergeLora(const LoraFile& lora, double strength, const std::vector<LoraTarget>& targets) {
    if (!std::isfinite(strength))
        throw InvalidRequest("LoRA '" + lora.path + "': the strength must be a finite number");
    std::map<const torch::nn::Module*, ModuleNameIndex> indexes;
    std::map<const torch::nn::Module*, std::map<std::string, at::Tensor>> params;
    for (const auto& t : targets) {
        if (!t.module || indexes.count(t.module)) continue;
        indexes.emplace(t.module, ModuleNameIndex(*t.module));
        auto& p = params[t.module];
        for (const auto& kv : t.module->named_parameters(/*recurse=*/true)) p[kv.key()] = kv.value();
    }
    std::vector<Resolved> plan;
    std::set<std::string> seen;  // "<component>/<path>": one module adapting one weight twice is a corrupt file
    for (const auto& m : lora.modules) {
        const LoraTarget* t = targetFor(lora, m, targets);
        plan.push_back(resolve(lora, m, *t, indexes.at(t->module), params.at(t->module)));
        if (!seen.insert(t->component + "/" + plan.back().path).second)
            throw LoadError("LoRA '" + lora.path + "': module '" + m.name +
                            "' adapts a weight another module of the file already adapts (ldm and diffusers names for "
                            "the same layer?); the file is inconsistent");
    }
    torch::NoGradGuard noGrad;
    for (const auto& r : plan) {
        const LoraModule& m = *r.module;
        const double scale = strength * m.alpha / static_cast<double>(m.rank());
        // [out, r] · [r, in·kh·kw] -> the weight's shape ([out, in] or [out, in, kh, kw]).
        at::Tensor delta = at::mm(m.up.flatten(1), m.down.flatten(1)).view(r.weight.sizes());
        r.weight.add_(delta.to(r.weight.device(), r.weight.scalar_type()), scale);
    }
    return static_cast<int>(plan.size());
}

std::string ldmUNetDottedName(const std::string& name) {
    static const std::set<std::string> kJoined{
        "input_blocks", "middle_block", "output_blocks", "transformer_blocks", "proj_in", "proj_out", "in_layers",
        "out_layers", "emb_layers", "skip_connection", "time_embed", "label_emb", "to_q", "to_k", "to_v", "to_out"};
    static const std::set<std::string> kFirst{"input_blocks", "middle_block", "output_blocks", "time_embed",
                                              "label_emb", "out"};
    std::vector<std::string> tokens;
    size_t start = 0;
    while (start <= name.size()) {
        size_t u = name.find('_', start);
        if (u == std::string::npos) u = name.size();
        tokens.push_back(name.substr(start, u - start));
        start = u + 1;
    }
    std::vector<std::string> joined;
    for (size_t i = 0; i < tokens.size(); ++i) {
        if (i + 1 < tokens.size() && kJoined.count(tokens[i] + "_" + tokens[i + 1])) {
            joined.push_back(tokens[i] + "_" + tokens[i + 1]);
            ++i;
        } else {
            joined.push_back(tokens[i]);
        }
    }
    if (joined.empty() || !kFirst.count(joined.front())) return "";
    std::string dotted;
    for (size_t i = 0; i < joined.size(); ++i) dotted += (i ? "." : "") + joined[i];
    return dotted;
}

}  // namespace dragdiff::models
