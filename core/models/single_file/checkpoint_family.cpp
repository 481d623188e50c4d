#include "models/single_file/checkpoint_family.h"

#include "dragdiff/error.h"
#include "io/safetensors.h"
#include "models/single_file/ldm_key_mapping.h"
#include "models/single_file/sdxl_single_file.h"

namespace dragdiff::models {
namespace {

bool startsWith(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

[[noreturn]] void refuse(const io::SafetensorsFile& file, const std::string& family, const std::string& key,
                         const std::string& instead) {
    throw LoadError("'" + file.path() + "' is " + family + " (tensor '" + key + "'), which DragDiff does not run; " +
                    instead);
}

}  // namespace

CheckpointFamily classifyCheckpoint(const io::SafetensorsFile& file) {
    CheckpointFamily out;
    std::string sdxlKey, refinerKey;
    for (const auto& e : file.entries()) {
        const std::string& k = e.name;
        if (k.find("joint_blocks.") != std::string::npos)
            refuse(file, "a Stable Diffusion 3 / 3.5 (MMDiT) checkpoint", k,
                   "use a Stable Diffusion 1.x, 2.x or SDXL checkpoint");
        if (k.find("double_blocks.") != std::string::npos)
            refuse(file, "a FLUX checkpoint", k, "use a Stable Diffusion 1.x, 2.x or SDXL checkpoint");
        if (k == "v_pred") out.vPrediction = true;
        if (k == "ztsnr") out.zeroTerminalSnr = true;
        if (startsWith(k, kSgmClipPrefix) && sdxlKey.empty()) sdxlKey = k;
        if (startsWith(k, "conditioner.embedders.0.model.") && refinerKey.empty()) refinerKey = k;
    }
    const std::string label = std::string(kLdmUNetPrefix) + "label_emb.0.0.weight";
    if (file.contains(label)) {
        const auto& shape = file.entry(label).shape;
        if (shape.size() == 2 && shape[1] == 2560) refinerKey = label;
    }
    if (!refinerKey.empty())
        refuse(file, "an SDXL refiner", refinerKey,
               "it only refines finished pictures; use an SDXL base model or a fine-tune of it");
    const std::string convIn = std::string(kLdmUNetPrefix) + "input_blocks.0.0.weight";
    if (file.contains(convIn)) {
        const auto& shape = file.entry(convIn).shape;
        if (shape.size() == 4 && shape[1] == 9)
            refuse(file, std::string("an inpainting ") + (sdxlKey.empty() ? "Stable Diffusion" : "SDXL") +
                             " UNet (9 input channels)",
                   convIn, "use the regular (non-inpainting) version of the model; DragDiff masks edits itself");
    }
    out.family = sdxlKey.empty() && !file.contains(label) ? "sd" : "sdxl";
    return out;
}

}  // namespace dragdiff::models
