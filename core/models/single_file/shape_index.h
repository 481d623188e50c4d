#pragma once
// Names and shapes of a single-file checkpoint, with the lookups architecture inference needs, and
// the per-component inference shared by the SD 1.x/2.x and SDXL single-file readers.
#include "dragdiff/error.h"
#include "io/safetensors.h"
#include "models/model_configs.h"
#include "models/single_file/ldm_key_mapping.h"
#include "models/single_file/ldm_mapping_detail.h"

#include <map>
#include <set>
#include <string>
#include <vector>

namespace dragdiff::models::ldm {

// Names and shapes of a file, with the lookups inference needs.
class ShapeIndex {
public:
    // Keys the mapping skips (EMA copies, buffers, ...) are left out, so they cannot mislead.
    explicit ShapeIndex(const io::SafetensorsFile& file) : file_(file) {
        for (const auto& e : file.entries())
            if (!isIgnoredLdmKey(e.name)) shapes_.emplace(e.name, e.shape);
    }

    bool has(const std::string& key) const { return shapes_.count(key) != 0; }

    bool anyWithPrefix(const std::string& prefix) const {
        auto it = shapes_.lower_bound(prefix);
        return it != shapes_.end() && startsWith(it->first, prefix);
    }

    // The shape of `key`, which must exist with rank `rank`; `what` names the part being inferred.
    const std::vector<int64_t>& shape(const std::string& key, size_t rank, const std::string& what) const {
        auto it = shapes_.find(key);
        if (it == shapes_.end())
            throw LoadError("'" + file_.path() + "': cannot infer the " + what + ": tensor '" + key +
                            "' is missing; the file is incomplete or not a Stable Diffusion 1.x/2.x checkpoint");
        if (it->second.size() != rank)
            throw LoadError("'" + file_.path() + "': cannot infer the " + what + ": tensor '" + key + "' has shape " +
                            ldm::shapeText(it->second) + ", expected " + std::to_string(rank) + " dimensions");
        return it->second;
    }

    const std::vector<int64_t>& shapeAnyRank(const std::string& key) const { return shapes_.at(key); }

    int dim(const std::string& key, size_t rank, size_t d, const std::string& what) const {
        return static_cast<int>(shape(key, rank, what)[d]);
    }

    // The distinct integers that directly follow `prefix` in some key ("…input_blocks." -> 0, 1, …).
    std::set<int> indices(const std::string& prefix) const {
        std::set<int> out;
        for (auto it = shapes_.lower_bound(prefix); it != shapes_.end() && startsWith(it->first, prefix); ++it) {
            const size_t end = it->first.find('.', prefix.size());
            const std::string token = it->first.substr(prefix.size(), end - prefix.size());
            if (!token.empty() && token.size() <= 6 && token.find_first_not_of("0123456789") == std::string::npos)
                out.insert(std::stoi(token));
        }
        return out;
    }

    // indices(prefix), required to be 0..n-1 with n >= 1.
    int count(const std::string& prefix, const std::string& what) const {
        const auto found = indices(prefix);
        const int n = static_cast<int>(found.size());
        if (n == 0 || *found.rbegin() != n - 1)
            throw LoadError("'" + file_.path() + "': cannot infer the " + what + ": the tensors '" + prefix +
                            "{i}.*' are " + (n == 0 ? "missing" : "not numbered 0.." + std::to_string(n - 1)));
        return n;
    }

    [[noreturn]] void fail(const std::string& what) const { throw LoadError("'" + file_.path() + "': " + what); }

private:
    const io::SafetensorsFile& file_;
    std::map<std::string, std::vector<int64_t>> shapes_;
};

// The ldm UNet (`model.diffusion_model.*`), the VAE (`first_stage_model.*`, VAEConfig::sd() when
// absent) and an HF CLIPTextModel saved under `prefix` (quick_gelu, all its layers).
UNetConfig inferUNet(const ShapeIndex& s);
VAEConfig inferVae(const ShapeIndex& s);
CLIPTextConfig inferClipText(const ShapeIndex& s, const std::string& prefix);
// Heads where the checkpoint cannot tell: 64-channel heads (SD 2.x, SDXL) or 8 heads (SD 1.x);
// sizes that do not fit the convention (test models) fall back to 8, or 1, heads.
int conventionalHeads(int channels, bool headDim64);

}  // namespace dragdiff::models::ldm
