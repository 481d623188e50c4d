#pragma once
// SDXL's text and size conditioning, as diffusers v0.27.2 StableDiffusionXLPipeline computes it
// (pipelines/stable_diffusion_xl/pipeline_stable_diffusion_xl.py: encode_prompt, _get_add_time_ids).
#include "models/clip/clip_text_model.h"
#include "models/clip/clip_text_model_with_projection.h"
#include "models/clip/clip_tokenizer.h"

#include <ATen/ATen.h>

#include <string>
#include <vector>

namespace dragdiff::models {

struct SDXLPromptEmbeds {
    at::Tensor promptEmbeds;        // [B, 77, D1 + D2]: both encoders' hidden_states[-2], concatenated
    at::Tensor pooledPromptEmbeds;  // [B, P]: encoder 2's text_embeds (projected EOS state)
};

// encode_prompt for `prompts` with clip_skip None: each tokenizer pads to its max length with its
// own pad token; both encoders run without attention mask. InvalidRequest when a tokenizer has no
// vocabulary and a prompt has words, or the two sequence lengths differ.
SDXLPromptEmbeds encodeSDXLPrompts(CLIPTextModel& textEncoder, const CLIPTokenizer& tokenizer,
                                   CLIPTextModelWithProjection& textEncoder2, const CLIPTokenizer& tokenizer2,
                                   const std::vector<std::string>& prompts);

// The embeddings of "no prompt" when model_index.json's force_zeros_for_empty_prompt is true:
// zeros shaped like `like` (encode_prompt's zero_out_negative_prompt).
SDXLPromptEmbeds zeroSDXLPromptEmbeds(const SDXLPromptEmbeds& like);

// _get_add_time_ids for an uncropped picture generated at its own size: [1, 6] fp32
// (original height, width, crop top, crop left, target height, width) = (H, W, 0, 0, H, W).
at::Tensor sdxlAddTimeIds(int64_t height, int64_t width);

// Whether a prompt has anything but whitespace.
bool promptIsBlank(const std::string& prompt);

}  // namespace dragdiff::models
