// UNet2DConditionModel's forward API on a small random model: the self-attention hook, early
// stop after an up block, odd latent sizes, timestep forms, gradients and input checks.
#include "support/catch.h"

#include "dragdiff/error.h"
#include "models/unet/unet_2d_condition.h"
#include "tiny_configs.h"

#include <ATen/core/grad_mode.h>
#include <torch/csrc/autograd/autograd.h>

#include <set>
#include <tuple>
#include <vector>

using namespace dragdiff;

namespace {

struct Inputs {
    at::Tensor sample, ehs;
};

Inputs inputs(int64_t batch, int64_t h, int64_t w, int64_t crossDim = 24) {
    return {at::randn({batch, 4, h, w}), at::randn({batch, 7, crossDim})};
}

at::Tensor t261() { return at::scalar_tensor(int64_t{261}, at::kLong); }

}  // namespace

TEST_CASE("The self-attention hook sees every attn1 and can replace its key and value", "[unit][unet]") {
    at::manual_seed(1);
    auto unet = models::UNet2DConditionModel(test::tinyUNetConfig(3));
    const auto in = inputs(2, 8, 8);
    at::NoGradGuard noGrad;
    const at::Tensor plain = unet(in.sample, t261(), in.ehs).sample;

    std::vector<models::AttentionSite> sites;
    models::UNetForwardOptions observe;
    observe.selfAttentionHook = [&](const models::AttentionSite& site, const at::Tensor& k, const at::Tensor& v) {
        CHECK(k.dim() == 3);
        CHECK(k.sizes() == v.sizes());
        CHECK(k.size(0) == 2);
        sites.push_back(site);
        return std::make_pair(at::Tensor(), at::Tensor());  // keep both
    };
    CHECK(at::equal(unet(in.sample, t261(), in.ehs, observe).sample, plain));
    // 2 cross-attention down blocks × 1 layer, the mid block, 2 cross-attention up blocks × 2 layers.
    REQUIRE(sites.size() == 7);
    std::set<std::tuple<int, int, int>> seen;
    for (const auto& s : sites) seen.insert({s.upBlock, s.attention, s.transformerBlock});
    CHECK(seen.count({1, 0, 0}) == 1);
    CHECK(seen.count({1, 1, 0}) == 1);
    CHECK(seen.count({2, 1, 0}) == 1);
    CHECK(seen.count({-1, 0, 0}) == 1);
    CHECK(sites.back().upBlock == 2);

    // Replacing the keys/values of the up blocks' self-attention with a reference (here: the
    // other batch element's, extended to twice the tokens) changes the result.
    models::UNetForwardOptions replace;
    int replaced = 0;
    replace.selfAttentionHook = [&](const models::AttentionSite& site, const at::Tensor& k, const at::Tensor& v) {
        if (site.upBlock < 0) return std::make_pair(at::Tensor(), at::Tensor());
        ++replaced;
        return std::make_pair(at::cat({k, k.flip(0)}, 1), at::cat({v, v.flip(0)}, 1));  // [B, 2L, C]
    };
    const at::Tensor edited = unet(in.sample, t261(), in.ehs, replace).sample;
    CHECK(replaced == 4);
    CHECK_FALSE(at::allclose(edited, plain, 1e-4, 1e-4));

    models::UNetForwardOptions bad;
    bad.selfAttentionHook = [](const models::AttentionSite&, const at::Tensor& k, const at::Tensor& v) {
        return std::make_pair(k.narrow(2, 0, 4), v);
    };
    CHECK_THROWS_WITH(unet(in.sample, t261(), in.ehs, bad), Catch::Contains("self-attention hook"));
}

TEST_CASE("stopAfterUpBlock returns the same features as a full pass", "[unit][unet]") {
    at::manual_seed(2);
    auto unet = models::UNet2DConditionModel(test::tinyUNetConfig(3));
    const auto in = inputs(1, 8, 12);
    at::NoGradGuard noGrad;
    models::UNetForwardOptions all;
    all.returnUpBlockOutputs = true;
    const auto full = unet(in.sample, t261(), in.ehs, all);
    REQUIRE(full.upBlockOutputs.size() == 3);
    CHECK(full.upBlockOutputs[2].sizes() == at::IntArrayRef({1, 16, 8, 12}));
    for (int k = 0; k < 3; ++k) {
        INFO("k = " << k);
        models::UNetForwardOptions stop;
        stop.stopAfterUpBlock = k;
        const auto part = unet(in.sample, t261(), in.ehs, stop);
        CHECK_FALSE(part.sample.defined());
        REQUIRE(part.upBlockOutputs.size() == static_cast<size_t>(k + 1));
        for (int i = 0; i <= k; ++i) CHECK(at::equal(part.upBlockOutputs[i], full.upBlockOutputs[i]));
    }
    models::UNetForwardOptions past;
    past.stopAfterUpBlock = 3;
    CHECK_THROWS_AS(unet(in.sample, t261(), in.ehs, past), InvalidRequest);
    CHECK(unet(in.sample, t261(), in.ehs).upBlockOutputs.empty());
}

TEST_CASE("Odd and non-square latents come back at their own size", "[unit][unet]") {
    at::manual_seed(3);
    auto unet = models::UNet2DConditionModel(test::tinyUNetConfig(3));
    at::NoGradGuard noGrad;
    for (auto [h, w] : {std::pair<int64_t, int64_t>{9, 7}, {5, 12}, {1, 1}, {6, 10}}) {
        INFO(h << "x" << w);
        const auto in = inputs(1, h, w);
        models::UNetForwardOptions o;
        o.returnUpBlockOutputs = true;
        const auto out = unet(in.sample, t261(), in.ehs, o);
        CHECK(out.sample.sizes() == in.sample.sizes());
        CHECK(out.upBlockOutputs.back().size(2) == h);
        CHECK(out.upBlockOutputs.back().size(3) == w);
        CHECK(out.sample.isfinite().all().item<bool>());
    }
}

TEST_CASE("Timesteps broadcast over the batch like diffusers", "[unit][unet]") {
    at::manual_seed(4);
    auto unet = models::UNet2DConditionModel(test::tinyUNetConfig(2, /*sd2Style=*/true));
    const auto in = inputs(2, 8, 8);
    at::NoGradGuard noGrad;
    const at::Tensor scalar = unet(in.sample, t261(), in.ehs).sample;
    CHECK(at::equal(unet(in.sample, at::full({2}, 261, at::kLong), in.ehs).sample, scalar));
    CHECK(at::equal(unet(in.sample, at::full({1}, 261, at::kLong), in.ehs).sample, scalar));
    CHECK(at::allclose(unet(in.sample, at::scalar_tensor(261.0), in.ehs).sample, scalar));
    // Per-sample timesteps: each batch element as if run alone.
    const at::Tensor mixed = unet(in.sample, at::tensor({int64_t{261}, int64_t{901}}), in.ehs).sample;
    const at::Tensor second =
        unet(in.sample.narrow(0, 1, 1), at::scalar_tensor(int64_t{901}, at::kLong), in.ehs.narrow(0, 1, 1)).sample;
    CHECK(at::allclose(mixed.narrow(0, 0, 1), scalar.narrow(0, 0, 1), 1e-5, 1e-6));
    CHECK(at::allclose(mixed.narrow(0, 1, 1), second, 1e-5, 1e-6));
    CHECK_THROWS_AS(unet(in.sample, at::full({3}, 261, at::kLong), in.ehs), InvalidRequest);
}

TEST_CASE("The forward pass is differentiable with respect to its inputs only", "[unit][unet]") {
    at::manual_seed(5);
    for (bool sd2 : {false, true}) {
        INFO("sd2 style: " << sd2);
        auto unet = models::UNet2DConditionModel(test::tinyUNetConfig(2, sd2));
        const auto in = inputs(1, 6, 4);
        const at::Tensor sample = in.sample.clone().requires_grad_(true);
        const at::Tensor ehs = in.ehs.clone().requires_grad_(true);
        models::UNetForwardOptions stop;
        stop.stopAfterUpBlock = 0;
        const auto out = unet(sample, t261(), ehs, stop);
        const auto grads = torch::autograd::grad({out.upBlockOutputs[0].square().sum()}, {sample, ehs});
        CHECK(grads[0].abs().sum().item<double>() > 0);
        CHECK(grads[1].abs().sum().item<double>() > 0);
        for (const auto& p : unet->parameters()) CHECK_FALSE(p.grad().defined());
        // The inference path (chunked attention, in-place ops) gives the same numbers.
        at::NoGradGuard noGrad;
        const at::Tensor inference = unet(in.sample, t261(), in.ehs, stop).upBlockOutputs[0];
        const at::Tensor reference = out.upBlockOutputs[0].detach();
        INFO("max difference " << (inference - reference).abs().max().item<double>() << " of max "
                               << reference.abs().max().item<double>());
        CHECK(at::allclose(inference, reference, 1e-5, 1e-6));
    }
}

TEST_CASE("Bad UNet inputs are refused with what was expected", "[unit][unet]") {
    auto unet = models::UNet2DConditionModel(test::tinyUNetConfig());
    at::NoGradGuard noGrad;
    const auto in = inputs(1, 8, 8);
    CHECK_THROWS_WITH(unet(at::randn({1, 3, 8, 8}), t261(), in.ehs), Catch::Contains("[B, 4, h, w]"));
    CHECK_THROWS_WITH(unet(in.sample, t261(), at::randn({1, 7, 32})), Catch::Contains("encoder hidden states"));
    CHECK_THROWS_WITH(unet(in.sample, t261(), at::randn({2, 7, 24})), Catch::Contains("encoder hidden states"));
    CHECK_THROWS_WITH(unet(in.sample.to(at::kDouble), t261(), in.ehs.to(at::kDouble)), Catch::Contains("runs in"));
    CHECK_THROWS_AS(unet(in.sample, at::Tensor(), in.ehs), InvalidRequest);
}

TEST_CASE("The UNet also runs in bfloat16", "[unit][unet]") {
    at::manual_seed(6);
    auto unet = models::UNet2DConditionModel(test::tinyUNetConfig(2, /*sd2Style=*/true));
    const auto in = inputs(1, 6, 5);
    at::NoGradGuard noGrad;
    const at::Tensor reference = unet(in.sample, t261(), in.ehs).sample;
    unet->to(at::kBFloat16);
    const at::Tensor bf16 = unet(in.sample.to(at::kBFloat16), t261(), in.ehs.to(at::kBFloat16)).sample;
    CHECK(bf16.scalar_type() == at::kBFloat16);
    const double relative = ((bf16.to(at::kFloat) - reference).norm() / reference.norm()).item<double>();
    INFO("relative error " << relative);
    CHECK(relative < 0.05);
}
