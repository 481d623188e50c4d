#pragma once
// Copies checkpoint tensors into a module whose parameter names equal the checkpoint keys.
// Every parameter must be loaded exactly once: missing, unexpected and mis-shaped tensors are
// LoadErrors naming the tensor, both shapes and the file.
#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace dragdiff::io {
class SafetensorsFile;
}

namespace dragdiff::models {

struct SourceTensor {
    at::Tensor view;   // usually a zero-copy view of a memory-mapped file
    std::string file;  // where it came from, for error messages
    std::string key;   // its key in that file
    // Drops the mapped pages once the tensor is copied, so loading never holds a model twice.
    std::function<void()> release;
};

// Module-path name -> tensor. Owns the files its views point into.
class WeightSet {
public:
    void add(const std::string& name, SourceTensor tensor);
    void keepAlive(std::shared_ptr<const io::SafetensorsFile> file) { files_.push_back(std::move(file)); }
    // All tensors of one safetensors file, under their own keys, minus `prefix` (kept only if they start with it).
    void addFile(std::shared_ptr<const io::SafetensorsFile> file, const std::string& prefix = "");

    const std::map<std::string, SourceTensor>& tensors() const { return tensors_; }
    bool empty() const { return tensors_.empty(); }

private:
    std::map<std::string, SourceTensor> tensors_;
    std::vector<std::shared_ptr<const io::SafetensorsFile>> files_;
};

// Copies `weights` into `module`'s parameters and buffers (converted to their dtype/device), then
// marks every parameter as not requiring grad. `component` names the model part in messages.
// Keys for which `ignore(key)` is true may be present without a matching parameter.
void loadIntoModule(torch::nn::Module& module, const WeightSet& weights, const std::string& component,
                    const std::function<bool(const std::string&)>& ignore = nullptr);

void freezeParameters(torch::nn::Module& module);

}  // namespace dragdiff::models
