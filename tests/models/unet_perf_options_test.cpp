// The UNet's performance options change how it computes, never what: channels-last layout,
// activation checkpointing of the up-blocks, and no autograd after the feature block.
#include "support/catch.h"

#include "models/tiny_configs.h"
#include "models/unet/unet_2d_condition.h"

#include <torch/csrc/autograd/autograd.h>

using namespace dragdiff;

namespace {

struct Inputs {
    at::Tensor sample, context, t;
};

Inputs inputs(const models::UNetConfig& c, int64_t h = 8, int64_t w = 8) {
    at::manual_seed(3);
    return {at::randn({1, c.inChannels, h, w}), at::randn({1, 5, c.crossAttentionDim}),
            at::scalar_tensor(int64_t{261}, at::kLong)};
}

double maxAbs(const at::Tensor& a) { return a.abs().max().item<double>(); }

// The gradient of an energy on up_blocks[k]'s output with respect to the sample.
at::Tensor featureGradient(models::UNet2DConditionModel& unet, const Inputs& in, int k, models::UNetForwardOptions o) {
    at::AutoGradMode enable(true);
    at::Tensor z = in.sample.clone().requires_grad_(true);
    o.returnUpBlockOutputs = true;
    auto out = unet->forward(z, in.t, in.context, o);
    at::Tensor energy = out.upBlockOutputs[size_t(k)].square().mean() + out.upBlockOutputs[size_t(k)].mean({2, 3}).abs().sum();
    return torch::autograd::grad({energy}, {z})[0];
}

}  // namespace

TEST_CASE("channels-last gives the NCHW results", "[unit][unet][perf]") {
    for (bool sd2 : {false, true}) {
        at::manual_seed(1);
        models::UNet2DConditionModel unet(test::tinyUNetConfig(3, sd2));
        const Inputs in = inputs(unet->config(), 8, 12);
        at::NoGradGuard noGrad;
        models::UNetForwardOptions o;
        o.returnUpBlockOutputs = true;
        const auto ref = unet->forward(in.sample, in.t, in.context, o);
        unet->setChannelsLast(true);
        CHECK(unet->channelsLast());
        const auto cl = unet->forward(in.sample, in.t, in.context, o);
        CHECK(cl.sample.sizes() == ref.sample.sizes());
        CHECK(maxAbs(cl.sample - ref.sample) <= 1e-4 * (1 + maxAbs(ref.sample)));
        for (size_t i = 0; i < ref.upBlockOutputs.size(); ++i)
            CHECK(maxAbs(cl.upBlockOutputs[i] - ref.upBlockOutputs[i]) <= 1e-4 * (1 + maxAbs(ref.upBlockOutputs[i])));
        unet->setChannelsLast(false);
        CHECK(maxAbs(unet->forward(in.sample, in.t, in.context, o).sample - ref.sample) == 0);
    }
}

TEST_CASE("checkpointed up-blocks and the gradient cut give the same latent gradient", "[unit][unet][perf]") {
    at::manual_seed(2);
    models::UNet2DConditionModel unet(test::tinyUNetConfig(3));
    const Inputs in = inputs(unet->config());
    const int k = 1;
    const at::Tensor ref = featureGradient(unet, in, k, {});
    REQUIRE(maxAbs(ref) > 0);

    models::UNetForwardOptions checkpointed;
    checkpointed.checkpointUpBlocks = true;
    const at::Tensor ckpt = featureGradient(unet, in, k, checkpointed);
    CHECK(maxAbs(ckpt - ref) <= 1e-5 * maxAbs(ref));

    models::UNetForwardOptions cut;
    cut.gradientUpToUpBlock = k;
    const at::Tensor cutGrad = featureGradient(unet, in, k, cut);
    CHECK(maxAbs(cutGrad - ref) <= 1e-6 * maxAbs(ref));

    cut.checkpointUpBlocks = true;
    CHECK(maxAbs(featureGradient(unet, in, k, cut) - ref) <= 1e-5 * maxAbs(ref));

    unet->setChannelsLast(true);
    CHECK(maxAbs(featureGradient(unet, in, k, checkpointed) - ref) <= 1e-4 * maxAbs(ref));
}

TEST_CASE("after the gradient cut the sample carries no graph, before it, it does", "[unit][unet][perf]") {
    at::manual_seed(4);
    models::UNet2DConditionModel unet(test::tinyUNetConfig(2));
    const Inputs in = inputs(unet->config());
    at::AutoGradMode enable(true);
    at::Tensor z = in.sample.clone().requires_grad_(true);
    models::UNetForwardOptions o;
    o.returnUpBlockOutputs = true;
    o.gradientUpToUpBlock = 0;
    auto out = unet->forward(z, in.t, in.context, o);
    CHECK(out.upBlockOutputs[0].requires_grad());
    CHECK_FALSE(out.upBlockOutputs[1].requires_grad());
    CHECK_FALSE(out.sample.requires_grad());
    CHECK(at::GradMode::is_enabled());  // the guard ended with the call
    // Same numbers as a full pass.
    at::NoGradGuard noGrad;
    CHECK(maxAbs(unet->forward(in.sample, in.t, in.context).sample - out.sample) == 0);
}
