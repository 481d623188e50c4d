#pragma once
// Ports transformers 4.38 CLIPVisionModelWithProjection (models/clip/modeling_clip.py), the image
// encoder of image-conditioned Stable Diffusion (lambdalabs/sd-image-variations-diffusers):
// class token + bias-free patch convolution + position embeddings, pre_layrnorm (transformers'
// spelling), the encoder layers shared with the text tower (clip_encoder.h, no mask),
// post_layernorm on the class token, bias-free visual_projection. Eval mode. Module and parameter
// names equal the checkpoint keys: vision_model.embeddings.class_embedding, visual_projection.weight, ...
#include "models/clip/clip_encoder.h"
#include "models/model_configs.h"

#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include <string>
#include <vector>

namespace dragdiff::models {

// Ports transformers CLIPVisionEmbeddings. Positions are always 0..T-1: the `position_ids` buffer
// is not a module state here (see isIgnoredCLIPVisionWeight).
class CLIPVisionEmbeddingsImpl : public torch::nn::Module {
public:
    explicit CLIPVisionEmbeddingsImpl(const CLIPVisionConfig& config);
    // pixelValues [B, C, S, S] -> [B, 1 + (S/patch)^2, D] (class token first)
    at::Tensor forward(const at::Tensor& pixelValues);

    at::Tensor class_embedding;  // [D]
    torch::nn::Conv2d patch_embedding{nullptr};
    torch::nn::Embedding position_embedding{nullptr};
};
TORCH_MODULE(CLIPVisionEmbeddings);

struct CLIPVisionOutput {
    at::Tensor lastHiddenState;  // [B, T, D], the encoder's output (before post_layernorm)
    at::Tensor poolerOutput;     // [B, D], post_layernorm(lastHiddenState[:, 0])
    at::Tensor imageEmbeds;      // [B, P], visual_projection(poolerOutput); only from the model with projection
    // When requested: transformers' hidden_states, N + 1 tensors [B, T, D] (the embeddings after
    // pre_layrnorm, then each layer's output); hiddenStates[N - 1] is hidden_states[-2].
    std::vector<at::Tensor> hiddenStates;
};

// Ports transformers CLIPVisionTransformer.
class CLIPVisionTransformerImpl : public torch::nn::Module {
public:
    explicit CLIPVisionTransformerImpl(const CLIPVisionConfig& config);
    CLIPVisionOutput forward(const at::Tensor& pixelValues, bool outputHiddenStates = false);

    CLIPVisionEmbeddings embeddings{nullptr};
    torch::nn::LayerNorm pre_layrnorm{nullptr};
    CLIPEncoder encoder{nullptr};
    torch::nn::LayerNorm post_layernorm{nullptr};
};
TORCH_MODULE(CLIPVisionTransformer);

// Ports transformers CLIPVisionModelWithProjection.
class CLIPVisionModelWithProjectionImpl : public torch::nn::Module {
public:
    explicit CLIPVisionModelWithProjectionImpl(const CLIPVisionConfig& config);
    // pixelValues [B, num_channels, image_size, image_size] floating point (InvalidRequest
    // otherwise); runs in the parameters' dtype and on their device.
    CLIPVisionOutput forward(const at::Tensor& pixelValues, bool outputHiddenStates = false);

    const CLIPVisionConfig& config() const { return config_; }

    CLIPVisionTransformer vision_model{nullptr};
    torch::nn::Linear visual_projection{nullptr};

private:
    CLIPVisionConfig config_;
};
TORCH_MODULE(CLIPVisionModelWithProjection);

// Checkpoint keys the loader accepts without a matching parameter: the
// `vision_model.embeddings.position_ids` buffer older transformers saved.
bool isIgnoredCLIPVisionWeight(const std::string& key);

// Reads `folder`/config.json and its weights (model.safetensors, or the fp16 variant), converted
// to `dtype` on `device`, eval mode, parameters frozen. Throws LoadError naming file/tensor.
CLIPVisionModelWithProjection loadCLIPVisionModelWithProjection(const std::string& folder,
                                                                at::ScalarType dtype = at::kFloat,
                                                                at::Device device = at::kCPU);

}  // namespace dragdiff::models
