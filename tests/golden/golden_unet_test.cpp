// UNet2DConditionModel against diffusers on every golden case: the prediction and every up-block
// output at each reference timestep, and the gradients of a weighted sum of the prediction (SDXL
// cases: with their text_embeds and time_ids, and the gradient with respect to text_embeds too).
#include "support/catch.h"

#include "io/safetensors.h"
#include "models/component_files.h"
#include "models/unet/unet_2d_condition.h"
#include "support/golden_case.h"

#include <ATen/core/grad_mode.h>
#include <torch/csrc/autograd/autograd.h>

#include <map>
#include <set>
#include <string>

using namespace dragdiff;

namespace {

// The case's UNet conditioning: the context, plus SDXL's text_embeds and time_ids when it has them.
models::UNetConditioning conditioning(const test::GoldenCase& c, const at::Tensor& ehs) {
    models::UNetConditioning cond(ehs);
    if (c.has("unet/text_embeds")) cond.textEmbeds = c.tensor("unet/text_embeds");
    if (c.has("unet/time_ids")) cond.timeIds = c.tensor("unet/time_ids");
    return cond;
}

}  // namespace

TEST_CASE("UNet parameter names and shapes equal the golden checkpoint's", "[golden][unet]") {
    for (const auto& c : test::allGoldenCases()) {
        INFO(c.name());
        auto unet = models::UNet2DConditionModel(
            models::UNetConfig::read(io::ConfigReader::fromFile(c.path("unet/config.json"))));
        io::SafetensorsFile file(models::findComponentWeights(c.path("unet"), "diffusion_pytorch_model"));
        std::map<std::string, std::vector<int64_t>> expected;
        for (const auto& e : file.entries()) expected[e.name] = e.shape;
        std::map<std::string, std::vector<int64_t>> ours;
        for (const auto& p : unet->named_parameters()) ours[p.key()] = p.value().sizes().vec();
        CHECK(ours.size() == expected.size());
        for (const auto& [name, shape] : expected) {
            INFO(name);
            REQUIRE(ours.count(name) == 1);
            CHECK(ours[name] == shape);
        }
        for (const auto& p : unet->parameters()) CHECK_FALSE(p.requires_grad());
    }
}

TEST_CASE("UNet reproduces diffusers' prediction and up-block outputs", "[golden][unet]") {
    for (const auto& c : test::allGoldenCases()) {
        INFO(c.name());
        auto unet = models::loadUNet(c.path("unet"), at::kFloat, at::kCPU);
        const at::Tensor sample = c.tensor("unet/sample");
        const models::UNetConditioning cond = conditioning(c, c.tensor("unet/encoder_hidden_states"));
        const at::Tensor timesteps = c.tensor("unet/timesteps");
        REQUIRE(timesteps.numel() > 0);
        at::NoGradGuard noGrad;
        for (int64_t i = 0; i < timesteps.numel(); ++i) {
            const int64_t t = timesteps[i].item<int64_t>();
            const std::string prefix = "unet/t" + std::to_string(t) + "/";
            INFO("t = " << t);
            models::UNetForwardOptions options;
            options.returnUpBlockOutputs = true;
            const auto out = unet(sample, at::scalar_tensor(t, at::kLong), cond, options);
            CHECK_GOLDEN(c, prefix + "out", out.sample);
            REQUIRE(out.upBlockOutputs.size() == unet->numUpBlocks());
            const auto features = c.tensorsWithPrefix(prefix + "up_ft");
            CHECK_FALSE(features.empty());
            for (const auto& name : features) {
                const size_t index = std::stoul(name.substr(prefix.size() + 5));
                INFO(name);
                REQUIRE(index < out.upBlockOutputs.size());
                CHECK_GOLDEN(c, name, out.upBlockOutputs[index]);
            }
        }
    }
}

TEST_CASE("UNet gradients with respect to the sample and the text embedding match diffusers", "[golden][unet]") {
    for (const auto& c : test::allGoldenCases()) {
        INFO(c.name());
        if (!c.has("grad/R")) {
            // Only the test-size cases carry gradients (README: "grad (test-size cases)").
            REQUIRE_FALSE(c.has("grad/d_sample"));
            continue;
        }
        auto unet = models::loadUNet(c.path("unet"), at::kFloat, at::kCPU);
        const at::Tensor sample = c.tensor("unet/sample").requires_grad_(true);
        const at::Tensor ehs = c.tensor("unet/encoder_hidden_states").requires_grad_(true);
        models::UNetConditioning cond = conditioning(c, ehs);
        if (cond.textEmbeds.defined()) cond.textEmbeds.requires_grad_(true);
        const int64_t t = c.spec().at("grad").at("t").get<int64_t>();
        const auto out = unet(sample, at::scalar_tensor(t, at::kLong), cond);
        const at::Tensor loss = (out.sample * c.tensor("grad/R")).sum();
        std::vector<at::Tensor> inputs{sample, ehs};
        if (cond.textEmbeds.defined()) inputs.push_back(cond.textEmbeds);
        const auto grads = torch::autograd::grad({loss}, inputs);
        CHECK_GOLDEN(c, "grad/d_sample", grads[0]);
        CHECK_GOLDEN(c, "grad/d_encoder_hidden_states", grads[1]);
        CHECK(c.has("grad/d_text_embeds") == cond.textEmbeds.defined());
        if (cond.textEmbeds.defined()) CHECK_GOLDEN(c, "grad/d_text_embeds", grads[2]);
        for (const auto& p : unet->parameters()) CHECK_FALSE(p.grad().defined());
    }
}
