#include "models/blocks/embeddings.h"

#include "models/blocks/block_utils.h"

#include <cmath>

namespace dragdiff::models {

at::Tensor timestepEmbedding(const at::Tensor& timesteps, int64_t dim, bool flipSinToCos, double downscaleFreqShift) {
    const int64_t half = dim / 2;
    const auto options = at::TensorOptions().dtype(at::kFloat).device(timesteps.device());
    at::Tensor exponent = at::arange(0, half, options) * (-std::log(10000.0));
    // Python divides by `half_dim - downscale_freq_shift`, an int when the shift is integral.
    const double divisor = static_cast<double>(half) - downscaleFreqShift;
    if (divisor == std::floor(divisor))
        exponent = exponent / static_cast<int64_t>(divisor);
    else
        exponent = exponent / divisor;
    at::Tensor freqs = at::exp(exponent);                                          // [half]
    at::Tensor args = timesteps.unsqueeze(1).to(at::kFloat) * freqs.unsqueeze(0);  // [N, half]
    at::Tensor emb = flipSinToCos ? at::cat({at::cos(args), at::sin(args)}, -1)    // [N, 2·half]
                                  : at::cat({at::sin(args), at::cos(args)}, -1);
    if (dim % 2 == 1) emb = at::constant_pad_nd(emb, {0, 1, 0, 0}, 0);
    return emb;
}

TimestepEmbeddingImpl::TimestepEmbeddingImpl(int64_t inChannels, int64_t timeEmbedDim) {
    linear_1 = register_module("linear_1", torch::nn::Linear(inChannels, timeEmbedDim));
    linear_2 = register_module("linear_2", torch::nn::Linear(timeEmbedDim, timeEmbedDim));
}

at::Tensor TimestepEmbeddingImpl::forward(const at::Tensor& sample) { return linear_2(siluTemp(linear_1(sample))); }

}  // namespace dragdiff::models
