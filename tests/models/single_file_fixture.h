#pragma once
// Tiny single-file checkpoints in the ldm layout for the unit tests: the real key structure of an
// SD 1.x/2.x checkpoint (UNet, VAE, CLIP or OpenCLIP text encoder) at a few channels, random values.
#include "models/single_file/ldm_key_mapping.h"

#include <ATen/ATen.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace dragdiff::io {
class SafetensorsFile;
}

namespace dragdiff::test {

struct TinyLdmSpec {
    std::vector<int64_t> channels{8, 16};  // UNet block_out_channels
    std::vector<bool> attention{true, false};  // per down block (up blocks mirror it)
    int layersPerBlock = 1;
    int transformerDepth = 1;
    bool linearProjection = false;  // SD 2.x: proj_in/proj_out are linears
    int64_t context = 12;           // cross_attention_dim
    bool vae = true;
    std::vector<int64_t> vaeChannels{8, 16};
    int vaeLayersPerBlock = 1;
    // "clip" (SD 1.x), "clip-old" (SD 1.x without the `text_model.` level), "openclip" (SD 2.x), "".
    std::string text = "clip";
    int64_t textWidth = 12;
    int textLayers = 2;  // layers (CLIP) or resblocks (OpenCLIP) in the file
    bool openClipWholeTower = false;  // adds text_projection and logit_scale, as ldm saves them
};

// The spec's tensors under their ldm keys.
std::map<std::string, at::Tensor> makeTinyLdm(const TinyLdmSpec& spec);

// The configs a diffusers folder for the spec would hold (all text layers kept).
models::MappingOptions tinyOptions(const TinyLdmSpec& spec);

// Writes `tensors` to `path` and opens it.
std::shared_ptr<const io::SafetensorsFile> writeCheckpoint(const std::string& path,
                                                           const std::map<std::string, at::Tensor>& tensors);

}  // namespace dragdiff::test
