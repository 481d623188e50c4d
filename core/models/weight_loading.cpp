#include "models/weight_loading.h"

#include "dragdiff/error.h"
#include "io/safetensors.h"

#include <torch/csrc/autograd/grad_mode.h>

namespace dragdiff::models {
namespace {

std::string shapeText(at::IntArrayRef s) {
    std::string t = "[";
    for (size_t i = 0; i < s.size(); ++i) t += (i ? ", " : "") + std::to_string(s[i]);
    return t + "]";
}

}  // namespace

void WeightSet::add(const std::string& name, SourceTensor tensor) {
    auto [it, inserted] = tensors_.emplace(name, std::move(tensor));
    if (!inserted)
        throw LoadError("two tensors map to the same weight '" + name + "': '" + it->second.key + "' in '" +
                        it->second.file + "' and another; the checkpoint holds duplicate keys");
}

void WeightSet::addFile(std::shared_ptr<const io::SafetensorsFile> file, const std::string& prefix) {
    for (const auto& e : file->entries()) {
        if (e.name.compare(0, prefix.size(), prefix) != 0) continue;
        const io::SafetensorsFile* raw = file.get();
        const std::string key = e.name;
        add(e.name.substr(prefix.size()),
            SourceTensor{file->view(e.name), file->path(), e.name, [raw, key] { raw->releasePages(key); }});
    }
    keepAlive(std::move(file));
}

void loadIntoModule(torch::nn::Module& module, const WeightSet& weights, const std::string& component,
                    const std::function<bool(const std::string&)>& ignore) {
    torch::NoGradGuard noGrad;
    std::map<std::string, at::Tensor> targets;
    for (const auto& p : module.named_parameters(/*recurse=*/true)) targets[p.key()] = p.value();
    for (const auto& b : module.named_buffers(/*recurse=*/true)) targets[b.key()] = b.value();

    std::vector<std::string> missing;
    for (const auto& [name, target] : targets) {
        auto it = weights.tensors().find(name);
        if (it == weights.tensors().end()) {
            missing.push_back(name);
            continue;
        }
        const SourceTensor& src = it->second;
        if (src.view.sizes() != target.sizes())
            throw LoadError(component + ": tensor '" + src.key + "' in '" + src.file + "' has shape " +
                            shapeText(src.view.sizes()) + " but the model built from its config expects " +
                            shapeText(target.sizes()) + " for '" + name +
                            "'; the weights do not match this config (another model family or size?)");
        if (src.view.is_floating_point() != target.is_floating_point())
            throw LoadError(component + ": tensor '" + src.key + "' in '" + src.file + "' has dtype " +
                            std::string(c10::toString(src.view.scalar_type())) + ", expected floating point");
        target.copy_(src.view);
        if (src.release) src.release();
    }
    if (!missing.empty()) {
        std::string list;
        for (size_t i = 0; i < missing.size() && i < 5; ++i) list += (i ? ", " : "") + std::string("'") + missing[i] + "'";
        if (missing.size() > 5) list += " and " + std::to_string(missing.size() - 5) + " more";
        throw LoadError(component + ": " + std::to_string(missing.size()) + " weight(s) missing from the checkpoint: " +
                        list + "; the file is incomplete or belongs to another architecture");
    }
    for (const auto& [name, src] : weights.tensors()) {
        if (targets.count(name) || (ignore && ignore(name))) continue;
        throw LoadError(component + ": unexpected tensor '" + src.key + "' in '" + src.file + "' (shape " +
                        shapeText(src.view.sizes()) +
                        ") has no place in the model built from its config; the config does not match the weights");
    }
    freezeParameters(module);
}

void freezeParameters(torch::nn::Module& module) {
    for (auto& p : module.parameters(/*recurse=*/true)) p.set_requires_grad(false);
}

}  // namespace dragdiff::models
