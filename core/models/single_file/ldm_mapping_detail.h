#pragma once
// Internals of the single-file (ldm layout) mapping shared by its translation units: a dotted-key
// reader and one mapper per component. See ldm_key_mapping.h.
#include "models/model_configs.h"

#include <ATen/ATen.h>

#include <optional>
#include <string>
#include <vector>

namespace dragdiff::io {
class SafetensorsFile;
}

namespace dragdiff::models::ldm {

// One source tensor on its way to a module path.
struct Mapped {
    std::string name;  // diffusers / transformers module path
    at::Tensor view;   // a view of the file's bytes, possibly reshaped or sliced
};

// The source tensor being mapped, for views and error messages.
struct SourceKey {
    const io::SafetensorsFile& file;
    const std::string& key;  // full key in the file

    at::Tensor view() const;
    // LoadError "'<file>': tensor '<key>' <what>".
    [[noreturn]] void fail(const std::string& what) const;
};

// Reads the dot-separated tokens of a key front to back.
class KeyPath {
public:
    explicit KeyPath(const std::string& dotted);

    bool done() const { return pos_ >= tokens_.size(); }
    // Consumes the next token if it equals `token`.
    bool eat(const char* token);
    // Consumes the next token if it is a non-negative integer (at most 6 digits).
    std::optional<int> index();
    // The remaining tokens joined with '.', "" when done.
    std::string rest() const;

private:
    std::vector<std::string> tokens_;
    size_t pos_ = 0;
};

// The remainder must be exactly "weight" or "bias"; returns it, otherwise fails with `context`.
std::string paramName(KeyPath& path, const SourceKey& src, const std::string& context);

std::string shapeText(at::IntArrayRef shape);

bool startsWith(const std::string& s, const std::string& prefix);

// Throws a LoadError unless `file` is an SD 1.x/2.x single file (UNet tensors, no SDXL encoders),
// saying what the file seems to be instead ("not a Stable Diffusion checkpoint").
void requireStableDiffusion(const io::SafetensorsFile& file);

// Component mappers: the targets of one source key (empty when the key is skipped on purpose), or
// a LoadError. `relative` is the key without its component prefix.
std::vector<Mapped> mapUNetTensor(const SourceKey& src, const std::string& relative, const UNetConfig& config);
// SDXL's UNet: label_emb.0.{0,2} = add_embedding.linear_{1,2}, the rest as mapUNetTensor.
std::vector<Mapped> mapSDXLUNetTensor(const SourceKey& src, const std::string& relative, const UNetConfig& config);
std::vector<Mapped> mapVaeTensor(const SourceKey& src, const std::string& relative, const VAEConfig& config);
std::vector<Mapped> mapClipTextTensor(const SourceKey& src, const std::string& relative,
                                      const CLIPTextConfig& config);
std::vector<Mapped> mapOpenClipTextTensor(const SourceKey& src, const std::string& relative,
                                          const CLIPTextConfig& config);

}  // namespace dragdiff::models::ldm
