#include "models/component_files.h"

#include "dragdiff/error.h"
#include "io/checkpoint_format.h"

#include <filesystem>
#include <vector>

namespace fs = std::filesystem;

namespace dragdiff::models {

std::string findComponentWeights(const std::string& folder, const std::string& stem) {
    std::error_code ec;
    if (!fs::is_directory(folder, ec))
        throw LoadError("model component folder '" + folder +
                        "' is missing; a diffusers model folder needs unet/, vae/ and scheduler/ (and text_encoder/, "
                        "tokenizer/ for prompts)");
    for (const std::string& name : {stem + ".safetensors", stem + ".fp16.safetensors"}) {
        fs::path p = fs::path(folder) / name;
        if (fs::is_regular_file(p, ec)) return p.string();
    }
    std::vector<fs::path> safetensors, pickles;
    for (const auto& e : fs::directory_iterator(folder, ec)) {
        if (!e.is_regular_file()) continue;
        const auto ext = e.path().extension().string();
        if (ext == ".safetensors") safetensors.push_back(e.path());
        if (ext == ".bin" || ext == ".ckpt" || ext == ".pt" || ext == ".pth") pickles.push_back(e.path());
    }
    if (safetensors.size() == 1) return safetensors.front().string();
    if (safetensors.size() > 1)
        throw LoadError("'" + folder + "' holds several .safetensors files and none is named " + stem +
                        ".safetensors; keep only the one to use");
    if (!pickles.empty()) io::refusePickleCheckpoint(pickles.front().string());
    throw LoadError("no weights in '" + folder + "': expected " + stem + ".safetensors");
}

}  // namespace dragdiff::models
