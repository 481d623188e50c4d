// Fuzzes the single-file (ldm layout) checkpoint key mapper and architecture inference. The input
// lists tensors, one per line: `<key> <dims, comma-separated> [dtype]` (dtype F16 when omitted; a
// key may start with the short prefixes U: V: C: O: for model.diffusion_model., first_stage_model.,
// cond_stage_model.transformer. and cond_stage_model.model., and A: B: for SDXL's
// conditioner.embedders.0.transformer. and conditioner.embedders.1.model.). The harness writes a
// safetensors file with that header whose data are zeros (a sparse in-memory file, so large shapes
// cost nothing), classifies the family (refusing SD3, FLUX, refiners, inpainting), infers the
// architecture from it and maps every tensor (SD: with the SD 1.5 or SD 2.1 preset when the
// architecture cannot be inferred; SDXL: with its inferred architecture). Bad layouts must be
// LoadErrors naming the file and key, never a crash.
#include "dragdiff/error.h"
#include "fuzz_support.h"
#include "io/safetensors.h"
#include "models/single_file/architecture_inference.h"
#include "models/single_file/checkpoint_family.h"
#include "models/single_file/ldm_key_mapping.h"
#include "models/single_file/sdxl_single_file.h"

#include <nlohmann/json.hpp>

#include <sstream>

using namespace dragdiff;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

constexpr uint64_t kMaxDataBytes = 1ull << 32;  // sparse: only the header takes memory

const std::pair<const char*, const char*> kShortPrefixes[] = {
    {"U:", "model.diffusion_model."}, {"V:", "first_stage_model."},
    {"C:", "cond_stage_model.transformer."}, {"O:", "cond_stage_model.model."},
    {"A:", "conditioner.embedders.0.transformer."}, {"B:", "conditioner.embedders.1.model."}};

// The safetensors bytes for the listed tensors (header only; the data area is `dataBytes` zeros).
std::string buildHeader(const std::string& text, uint64_t& dataBytes) {
    nlohmann::json header = nlohmann::json::object();
    std::istringstream lines(text);
    std::string line;
    dataBytes = 0;
    while (std::getline(lines, line)) {
        std::istringstream fields(line);
        std::string key, dims, dtype = "F16";
        if (!(fields >> key)) continue;
        fields >> dims >> dtype;
        for (const auto& [s, full] : kShortPrefixes)
            if (key.rfind(s, 0) == 0) key = full + key.substr(2);
        std::vector<uint64_t> shape;
        uint64_t elements = 1;
        std::istringstream dimList(dims);
        std::string d;
        while (std::getline(dimList, d, ',')) {
            if (d.empty() || d.size() > 6 || d.find_first_not_of("0123456789") != std::string::npos) return "";
            shape.push_back(std::stoull(d));
            elements *= shape.back();
        }
        const uint64_t size = dtype == "F32" ? 4 : dtype == "F64" || dtype == "I64" ? 8 : dtype == "U8" ? 1 : 2;
        if (shape.size() > 6 || elements > kMaxDataBytes || dataBytes + elements * size > kMaxDataBytes) return "";
        header[key] = {{"dtype", dtype}, {"shape", shape}, {"data_offsets", {dataBytes, dataBytes + elements * size}}};
        dataBytes += elements * size;
    }
    std::string json;
    try {
        json = header.dump();
    } catch (const nlohmann::json::type_error&) {
        return "";  // a key that is not UTF-8 cannot be written (fuzz_safetensors covers such headers)
    }
    std::string bytes(8, '\0');
    for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((json.size() >> (8 * i)) & 0xff);
    return bytes + json;
}

void mapAll(const std::shared_ptr<const io::SafetensorsFile>& file, const models::MappingOptions& options) {
    try {
        const models::SingleFileWeights w = models::mapSingleFileCheckpoint(file, options);
        (void)w.unet.tensors().size();
    } catch (const Error&) {
    }
}

std::string compactHeader(const std::string& path) {
    io::SafetensorsFile file(path);
    std::string out;
    for (const auto& e : file.entries()) {
        std::string key = e.name;
        for (const auto& [s, full] : kShortPrefixes)
            if (key.rfind(full, 0) == 0) key = s + key.substr(std::string(full).size());
        std::string dims;
        for (size_t i = 0; i < e.shape.size(); ++i) dims += (i ? "," : "") + std::to_string(e.shape[i]);
        out += key + " " + dims + (e.dtype == io::StDtype::F16 ? "" : std::string(" ") + io::dtypeName(e.dtype)) + "\n";
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    if (auto dir = fuzz::seedFolder(); !dir.empty()) {
        // DRAGDIFF_FUZZ_SEED_FROM: colon-separated single-file checkpoints (the golden cases' tiny
        // model.ldm.safetensors) whose headers become seeds.
        std::istringstream from(std::getenv("DRAGDIFF_FUZZ_SEED_FROM") ? std::getenv("DRAGDIFF_FUZZ_SEED_FROM") : "");
        std::string path;
        int n = 0;
        while (std::getline(from, path, ':'))
            if (!path.empty()) fuzz::writeSeed(dir, "checkpoint" + std::to_string(n++), compactHeader(path));
        fuzz::writeSeed(dir, "not_sd", "down_blocks.0.resnets.0.conv1.weight 8,4,3,3\n");
        fuzz::writeSeed(dir, "sdxl", "U:input_blocks.0.0.weight 8,4,3,3\nconditioner.embedders.0.x 1\n");
        fuzz::writeSeed(dir, "ignored", "U:input_blocks.0.0.weight 8,4,3,3\nbetas 1000 F32\nmodel_ema.decay 1 F32\n");
        std::exit(0);
    }
    // Warm-up (LibTorch's lazy initialisation) before libFuzzer's per-input timeout applies.
    const std::string warm = "U:input_blocks.0.0.weight 8,4,3,3\nU:input_blocks.0.0.bias 8\n";
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(warm.data()), warm.size());
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    uint64_t dataBytes = 0;
    const std::string header = buildHeader(std::string(reinterpret_cast<const char*>(data), size), dataBytes);
    if (header.empty()) return 0;
    fuzz::MemFile mem(header, dataBytes);
    std::shared_ptr<const io::SafetensorsFile> file;
    try {
        file = std::make_shared<const io::SafetensorsFile>(mem.path());
    } catch (const Error&) {
        return 0;  // e.g. a key given twice
    }
    try {
        if (models::classifyCheckpoint(*file).family == "sdxl") {
            const models::SDXLArchitecture a = models::inferSDXLArchitecture(*file);
            (void)models::mapSDXLSingleFileCheckpoint(file, a).unet.tensors().size();
            return 0;
        }
    } catch (const Error&) {
        return 0;
    }
    try {
        mapAll(file, models::inferArchitecture(*file).mappingOptions());
    } catch (const Error&) {
        // Not inferable: map against a preset instead (which one, by the input's length).
        if (size % 2) mapAll(file, {models::UNetConfig::sd15(), models::VAEConfig::sd(), models::CLIPTextConfig::sd15()});
        else mapAll(file, {models::UNetConfig::sd21(), models::VAEConfig::sd(), models::CLIPTextConfig::sd21()});
    }
    return 0;
}
