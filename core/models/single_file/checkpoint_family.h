#pragma once
// Which model family a single-file .safetensors checkpoint holds, from its tensor names and shapes,
// and a clear refusal for the families DragDiff recognises but does not run.
#include <string>

namespace dragdiff::io {
class SafetensorsFile;
}

namespace dragdiff::models {

struct CheckpointFamily {
    std::string family;             // "sd" (1.x/2.x: architecture_inference.h decides which) or "sdxl"
    bool vPrediction = false;       // marker tensor `v_pred` (NoobAI-style v-prediction files)
    bool zeroTerminalSnr = false;   // marker tensor `ztsnr`: rescale the betas to zero terminal SNR
};

// Throws LoadError naming the file, the family and the tensor that shows it, with what to use
// instead, for: SD3/3.5 (`joint_blocks.*`), FLUX (`double_blocks.*`), the SDXL refiner (OpenCLIP
// only, label_emb input 2560), inpainting UNets (9 input channels).
CheckpointFamily classifyCheckpoint(const io::SafetensorsFile& file);

}  // namespace dragdiff::models
