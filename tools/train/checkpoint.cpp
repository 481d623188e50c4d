#include "train/checkpoint.h"

#include "dragdiff/error.h"
#include "io/atomic_file.h"
#include "io/safetensors.h"

#include <filesystem>
#include <vector>

namespace fs = std::filesystem;

namespace dragdiff::train {

namespace {
constexpr int kKeepCheckpoints = 2;
}

void saveCheckpoint(const std::string& folder, const Checkpoint& checkpoint) {
    fs::create_directories(folder);
    const int64_t step = checkpoint.sidecar.at("step").get<int64_t>();
    const std::string name = "step-" + std::to_string(step) + ".safetensors";
    io::writeSafetensors(folder + "/" + name, checkpoint.tensors, {{"step", std::to_string(step)}});
    nlohmann::json sidecar = checkpoint.sidecar;
    sidecar["tensors"] = name;
    io::writeFileAtomically(folder + "/latest.json", sidecar.dump(2) + "\n");

    // Prune: keep the newest few step files (by step number), never the one just written.
    std::vector<std::pair<int64_t, fs::path>> files;
    for (const auto& e : fs::directory_iterator(folder)) {
        const std::string f = e.path().filename().string();
        if (f.rfind("step-", 0) == 0 && e.path().extension() == ".safetensors")
            files.emplace_back(std::stoll(f.substr(5)), e.path());
    }
    std::sort(files.rbegin(), files.rend());
    for (size_t i = kKeepCheckpoints; i < files.size(); ++i)
        if (files[i].second.filename() != name) fs::remove(files[i].second);
}

std::optional<Checkpoint> loadCheckpoint(const std::string& folder) {
    const std::string sidecarPath = folder + "/latest.json";
    if (!fs::exists(sidecarPath)) return std::nullopt;
    Checkpoint c;
    try {
        c.sidecar = nlohmann::json::parse(io::readTextFile(sidecarPath));
    } catch (const nlohmann::json::exception& e) {
        throw LoadError("'" + sidecarPath + "' is not valid JSON (" + e.what() + ")");
    }
    const std::string file = folder + "/" + c.sidecar.at("tensors").get<std::string>();
    io::SafetensorsFile st(file);
    for (const auto& e : st.entries()) c.tensors[e.name] = st.load(e.name);
    const auto it = st.metadata().find("step");
    if (it == st.metadata().end() || std::stoll(it->second) != c.sidecar.at("step").get<int64_t>())
        throw LoadError("'" + file + "' does not hold the step latest.json names; the checkpoint is inconsistent");
    return c;
}

std::map<std::string, at::Tensor> withPrefix(const std::map<std::string, at::Tensor>& all, const std::string& prefix) {
    std::map<std::string, at::Tensor> out;
    for (const auto& [k, v] : all)
        if (k.rfind(prefix, 0) == 0) out[k.substr(prefix.size())] = v;
    return out;
}

}  // namespace dragdiff::train
