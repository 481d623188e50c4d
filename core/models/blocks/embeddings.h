#pragma once
// The UNet's timestep embedding: sinusoidal projection, then a two-layer MLP.
#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>

namespace dragdiff::models {

// Ports diffusers get_timestep_embedding (models/embeddings.py) with scale 1 and max_period
// 10000, op for op so the float rounding matches: timesteps [N] (any numeric dtype) -> [N, dim] fp32.
at::Tensor timestepEmbedding(const at::Tensor& timesteps, int64_t dim, bool flipSinToCos, double downscaleFreqShift);

// Ports diffusers Timesteps (models/embeddings.py): no parameters.
class TimestepsImpl : public torch::nn::Module {
public:
    TimestepsImpl(int64_t numChannels, bool flipSinToCos, double downscaleFreqShift)
        : numChannels_(numChannels), flipSinToCos_(flipSinToCos), shift_(downscaleFreqShift) {}
    at::Tensor forward(const at::Tensor& timesteps) {  // [N] -> [N, numChannels] fp32
        return timestepEmbedding(timesteps, numChannels_, flipSinToCos_, shift_);
    }

private:
    int64_t numChannels_;
    bool flipSinToCos_;
    double shift_;
};
TORCH_MODULE(Timesteps);

// Ports diffusers TimestepEmbedding (models/embeddings.py) with act_fn silu and no condition
// projection: linear_1 → silu → linear_2.
class TimestepEmbeddingImpl : public torch::nn::Module {
public:
    TimestepEmbeddingImpl(int64_t inChannels, int64_t timeEmbedDim);
    at::Tensor forward(const at::Tensor& sample);  // [N, in] -> [N, timeEmbedDim]

    torch::nn::Linear linear_1{nullptr};
    torch::nn::Linear linear_2{nullptr};
};
TORCH_MODULE(TimestepEmbedding);

}  // namespace dragdiff::models
