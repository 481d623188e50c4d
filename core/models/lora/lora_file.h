#pragma once
// Reads a kohya-format LoRA file (sd-scripts `networks/lora.py`, the format A1111, ComfyUI and
// Civitai use): per adapted module `<name>.lora_down.weight` [r, in(, kh, kw)],
// `<name>.lora_up.weight` [out, r(, 1, 1)] and optionally `<name>.alpha` (a scalar; rank when
// absent), with `<name>` = `lora_unet_*`, `lora_te_*`, `lora_te1_*` or `lora_te2_*` followed by the
// module's path with '_' for '.'. Other adapter formats (LyCORIS LoHa/LoKr, DoRA, diffusers/PEFT)
// are refused with a LoadError naming the key and the format.
#include <ATen/ATen.h>

#include <memory>
#include <string>
#include <vector>

namespace dragdiff::io {
class SafetensorsFile;
}

namespace dragdiff::models {

struct LoraModule {
    std::string name;     // "lora_unet_down_blocks_0_attentions_0_proj_in"
    std::string downKey;  // "<name>.lora_down.weight", for messages
    at::Tensor down;      // [r, in] or [r, in, kh, kw], float32, owned
    at::Tensor up;        // [out, r] or [out, r, 1, 1], float32, owned
    double alpha = 0;     // the file's alpha, or the rank when it has none

    int64_t rank() const { return down.size(0); }
};

struct LoraFile {
    std::string path;
    std::vector<LoraModule> modules;                  // sorted by name
    std::shared_ptr<const io::SafetensorsFile> file;  // for messages naming keys in it
};

// Throws LoadError naming the file and key: a pickle file, a file that is not a kohya LoRA, a
// module without its up or down matrix, ranks that disagree, an alpha that is not one finite number.
LoraFile readLoraFile(const std::string& path);

}  // namespace dragdiff::models
