// The shared blocks against direct computations: attention (both code paths), the timestep
// embedding, the samplers' padding and sizes, the VAE posterior clamp.
#include "support/catch.h"

#include "dragdiff/error.h"
#include "models/blocks/attention.h"
#include "models/blocks/attention_recompute.h"
#include "models/blocks/embeddings.h"
#include "models/blocks/resampling.h"
#include "models/vae/autoencoder_kl.h"
#include "tiny_configs.h"

#include <ATen/core/grad_mode.h>

#include <cmath>

using namespace dragdiff;

namespace {

// softmax(q kᵀ · scale) v per head in double precision.
at::Tensor referenceAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, int64_t heads,
                              double scale) {
    auto split = [&](const at::Tensor& t) {
        return t.to(at::kDouble).reshape({t.size(0), t.size(1), heads, -1}).permute({0, 2, 1, 3});
    };
    at::Tensor p = at::softmax(at::matmul(split(q), split(k).transpose(-1, -2)) * scale, -1);
    at::Tensor o = at::matmul(p, split(v));  // [B, h, Lq, dv]
    return o.permute({0, 2, 1, 3}).reshape({q.size(0), q.size(1), -1});
}

}  // namespace

TEST_CASE("Attention matches a direct computation on both code paths", "[unit][attention]") {
    at::manual_seed(11);
    // Long enough keys that the inference path splits the queries into several chunks, the last partial.
    const at::Tensor q = at::randn({2, 1000, 32}), k = at::randn({2, 4096, 32}) * 2, v = at::randn({2, 4096, 32});
    const double scale = 1.0 / std::sqrt(16.0);
    const at::Tensor expected = referenceAttention(q, k, v, /*heads=*/2, scale).to(at::kFloat);
    {
        at::NoGradGuard noGrad;
        CHECK(at::allclose(models::scaledDotProductAttention(q, k, v, 2, scale), expected, 1e-4, 1e-5));
        CHECK(at::allclose(models::scaledDotProductAttention(q, k, v, 2, scale, true, true), expected, 1e-4, 1e-5));
    }
    const at::Tensor qg = q.clone().requires_grad_(true);
    const at::Tensor withGraph = models::scaledDotProductAttention(qg, k, v, 2, scale);
    CHECK(withGraph.requires_grad());
    CHECK(at::allclose(withGraph.detach(), expected, 1e-4, 1e-5));
}

TEST_CASE("Cross-attention with different key and value widths per head", "[unit][attention]") {
    at::manual_seed(12);
    const at::Tensor q = at::randn({1, 50, 24}), k = at::randn({1, 77, 24}), v = at::randn({1, 77, 12});
    at::NoGradGuard noGrad;
    const at::Tensor out = models::scaledDotProductAttention(q, k, v, /*heads=*/3, 0.5);
    CHECK(out.sizes() == at::IntArrayRef({1, 50, 12}));
    CHECK(at::allclose(out, referenceAttention(q, k, v, 3, 0.5).to(at::kFloat), 1e-4, 1e-5));
}

TEST_CASE("attention recomputed in backward gives the same gradients and keeps no weights", "[unit][attention]") {
    at::manual_seed(13);
    const at::Tensor q = at::randn({1, 40, 16}), k = at::randn({1, 40, 16}), v = at::randn({1, 40, 16});
    const at::Tensor w = at::randn({1, 40, 16});  // a fixed projection of the output: a scalar loss
    auto gradients = [&](bool recompute) {
        const models::AttentionRecomputeScope scope(recompute);
        const at::Tensor qg = q.clone().requires_grad_(true), kg = k.clone().requires_grad_(true);
        const at::Tensor vg = v.clone().requires_grad_(true);
        const at::Tensor out = models::scaledDotProductAttention(qg, kg, vg, 2, 0.25);
        (out * w).sum().backward();
        return std::vector<at::Tensor>{out.detach(), qg.grad(), kg.grad(), vg.grad()};
    };
    const auto kept = gradients(false), recomputed = gradients(true);
    for (size_t i = 0; i < kept.size(); ++i) {
        INFO("tensor " << i);
        CHECK(at::allclose(recomputed[i], kept[i], 1e-4, 1e-6));
    }
    {
        // The graph holds q, k and v only: the one node behind the output is the checkpoint's.
        const models::AttentionRecomputeScope scope(true);
        const at::Tensor out = models::scaledDotProductAttention(q.clone().requires_grad_(true), k, v, 2, 0.25);
        REQUIRE(out.grad_fn());
        CHECK(out.grad_fn()->name().find("CheckpointFunction") != std::string::npos);
    }
    // The scope ends: attention records its usual graph again.
    const at::Tensor out = models::scaledDotProductAttention(q.clone().requires_grad_(true), k, v, 2, 0.25);
    CHECK(out.grad_fn()->name().find("CheckpointFunction") == std::string::npos);
}

TEST_CASE("Spatial (VAE) attention adds its input back", "[unit][attention]") {
    models::AttentionOptions o;
    o.queryDim = 16;
    o.heads = 1;
    o.dimHead = 16;
    o.bias = true;
    o.normNumGroups = 4;
    o.eps = 1e-6;
    o.residualConnection = true;
    o.upcastSoftmax = true;
    models::Attention attention(o);
    at::NoGradGuard noGrad;
    attention->to_out[0]->as<torch::nn::Linear>()->weight.zero_();
    attention->to_out[0]->as<torch::nn::Linear>()->bias.fill_(0.5);
    const at::Tensor x = at::randn({2, 16, 5, 3});
    CHECK(at::allclose(attention->forwardSpatial(x), x + 0.5));
}

TEST_CASE("Timestep embedding is diffusers' sinusoidal projection", "[unit][embeddings]") {
    const at::Tensor t = at::tensor({int64_t{0}, int64_t{261}, int64_t{901}});
    const int64_t dim = 32, half = 16;
    const at::Tensor flipped = models::timestepEmbedding(t, dim, /*flipSinToCos=*/true, /*shift=*/0);
    const at::Tensor plain = models::timestepEmbedding(t, dim, /*flipSinToCos=*/false, /*shift=*/1);
    REQUIRE(flipped.sizes() == at::IntArrayRef({3, 32}));
    CHECK(flipped.scalar_type() == at::kFloat);
    for (int64_t i = 0; i < 3; ++i)
        for (int64_t j = 0; j < half; ++j) {
            const double ts = static_cast<double>(t[i].item<int64_t>());
            const double a0 = ts * std::exp(-std::log(10000.0) * j / half);
            const double a1 = ts * std::exp(-std::log(10000.0) * j / (half - 1));
            CHECK(flipped[i][j].item<double>() == Approx(std::cos(a0)).margin(2e-4));
            CHECK(flipped[i][j + half].item<double>() == Approx(std::sin(a0)).margin(2e-4));
            CHECK(plain[i][j].item<double>() == Approx(std::sin(a1)).margin(2e-4));
            CHECK(plain[i][j + half].item<double>() == Approx(std::cos(a1)).margin(2e-4));
        }
    CHECK(models::timestepEmbedding(t, 33, true, 0).size(1) == 33);
}

TEST_CASE("Downsample2D with padding 0 pads right and bottom only", "[unit][sampling]") {
    models::Downsample2D down(4, 4, /*padding=*/0);
    at::NoGradGuard noGrad;
    const at::Tensor x = at::randn({1, 4, 7, 6});
    const at::Tensor out = down(x);
    CHECK(out.sizes() == at::IntArrayRef({1, 4, 3, 3}));
    const at::Tensor padded = at::constant_pad_nd(x, {0, 1, 0, 1}, 0);
    CHECK(at::allclose(out, at::conv2d(padded, down->conv->weight, down->conv->bias, 2)));
    CHECK(models::Downsample2D(4, 8, 1)(x).sizes() == at::IntArrayRef({1, 8, 4, 3}));
}

TEST_CASE("Upsample2D doubles or follows an explicit size with nearest neighbours", "[unit][sampling]") {
    models::Upsample2D up(2, 2);
    at::NoGradGuard noGrad;
    auto& conv = *up->conv;
    conv.weight.zero_();
    conv.bias.zero_();
    for (int c = 0; c < 2; ++c) conv.weight[c][c][1][1] = 1.0;  // identity conv
    const at::Tensor x = at::arange(12, at::kFloat).reshape({1, 2, 3, 2});
    CHECK(at::equal(up(x), x.repeat_interleave(2, 2).repeat_interleave(2, 3)));
    const at::Tensor odd = up(x, std::make_pair(int64_t{5}, int64_t{4}));
    REQUIRE(odd.sizes() == at::IntArrayRef({1, 2, 5, 4}));
    // source row = floor(dst · 3/5): 0 0 1 1 2; source column = floor(dst · 2/4): 0 0 1 1.
    const int64_t rows[] = {0, 0, 1, 1, 2}, cols[] = {0, 0, 1, 1};
    for (int64_t r = 0; r < 5; ++r)
        for (int64_t c = 0; c < 4; ++c) CHECK(odd[0][1][r][c].item<float>() == x[0][1][rows[r]][cols[c]].item<float>());
}

TEST_CASE("The VAE posterior's logvar is clamped to [-30, 20]", "[unit][vae]") {
    auto vae = models::AutoencoderKL(test::tinyVAEConfig());
    at::NoGradGuard noGrad;
    vae->quant_conv->weight.zero_();
    vae->quant_conv->bias.copy_(at::tensor({1.f, 2.f, 3.f, 4.f, 100.f, -100.f, 5.f, -5.f}));
    const auto posterior = vae->encode(at::zeros({1, 3, 8, 8}));
    CHECK(posterior.mean.sizes() == at::IntArrayRef({1, 4, 4, 4}));
    CHECK(posterior.mean[0][3][0][0].item<float>() == 4.f);
    CHECK(posterior.logvar[0][0][1][1].item<float>() == 20.f);
    CHECK(posterior.logvar[0][1][1][1].item<float>() == -30.f);
    CHECK(posterior.logvar[0][3][1][1].item<float>() == -5.f);
    CHECK_THROWS_AS(vae->decode(at::zeros({1, 3, 4, 4})), InvalidRequest);
}
