#pragma once
// Ports transformers 4.38 CLIPTextModelWithProjection (models/clip/modeling_clip.py): SDXL's second
// text encoder (OpenCLIP bigG in transformers' layout). The CLIPTextTransformer of
// clip_text_model.h plus a bias-free `text_projection` of the pooled output. Module and parameter
// names equal the checkpoint keys (text_model.*, text_projection.weight).
#include "models/clip/clip_text_model.h"

#include <torch/nn/modules/linear.h>

#include <string>

namespace dragdiff::models {

struct CLIPTextWithProjectionOutput {
    CLIPTextOutput text;  // last_hidden_state, pooler_output, hidden_states (when requested)
    at::Tensor textEmbeds;  // [B, projection_dim] = text_projection(pooler_output)
};

class CLIPTextModelWithProjectionImpl : public torch::nn::Module {
public:
    explicit CLIPTextModelWithProjectionImpl(const CLIPTextConfig& config);
    // inputIds as for CLIPTextModel (InvalidRequest for ids outside the vocabulary or too many).
    CLIPTextWithProjectionOutput forward(const at::Tensor& inputIds, bool outputHiddenStates = false);

    const CLIPTextConfig& config() const { return config_; }

    CLIPTextTransformer text_model{nullptr};
    torch::nn::Linear text_projection{nullptr};

private:
    CLIPTextConfig config_;
};
TORCH_MODULE(CLIPTextModelWithProjection);

// Reads `folder`/config.json and model[.fp16].safetensors (CPU float16 refused, as for
// loadCLIPTextModel). Throws LoadError naming the file and tensor at fault.
CLIPTextModelWithProjection loadCLIPTextModelWithProjection(const std::string& folder,
                                                            at::ScalarType dtype = at::kFloat,
                                                            at::Device device = at::kCPU);

}  // namespace dragdiff::models
