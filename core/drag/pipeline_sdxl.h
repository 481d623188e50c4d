#pragma once
// The SDXL part of loading a Pipeline (pipeline.h): the second text encoder and tokenizer of a
// diffusers folder, and SDXL single files (sgm layout, see models/single_file/sdxl_single_file.h).
#include "drag/pipeline.h"
#include "models/single_file/checkpoint_family.h"

#include <memory>
#include <string>

namespace dragdiff::io {
class SafetensorsFile;
}

namespace dragdiff::drag {

// `dir`/`sub`/`name`; LoadError naming the config folder when it is missing.
std::string findConfigFile(const std::string& dir, const char* sub, const char* name);

// A single file's marker tensors: `v_pred` selects v-prediction, `ztsnr` zero-terminal-SNR betas.
void applyScheduleMarkers(models::DDIMConfig& scheduler, const models::CheckpointFamily& family);

// A diffusers folder whose UNet is SDXL's: text_encoder_2/ and tokenizer_2/ (text_encoder/ loaded
// already), and model_index.json's force_zeros_for_empty_prompt (default true, as diffusers).
void loadSDXLText(Pipeline& p, const std::string& folder, at::Device device);

// An SDXL single file; the architecture from spec.configDir (a diffusers SDXL folder) when given,
// else from the tensor shapes.
Pipeline loadSDXLSingleFile(const ModelSpec& spec, std::shared_ptr<const io::SafetensorsFile> file,
                            const models::CheckpointFamily& family, at::Device device);

}  // namespace dragdiff::drag
