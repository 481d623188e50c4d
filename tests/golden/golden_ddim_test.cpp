#include "support/catch.h"

#include "diffusion/ddim_scheduler.h"
#include "io/config_json.h"
#include "models/model_configs.h"
#include "support/golden_case.h"
#include "support/test_support.h"

#include <string>

using namespace dragdiff;

namespace {

// The case's own scheduler config (nothing depends on the case's name), with its step count.
diffusion::DDIMScheduler caseScheduler(const test::GoldenCase& c) {
    auto config = models::DDIMConfig::read(io::ConfigReader::fromFile(c.path("scheduler/scheduler_config.json")));
    diffusion::DDIMScheduler scheduler(config);
    scheduler.setTimesteps(c.spec().at("ddim").at("num_inference_steps").get<int>());
    return scheduler;
}

int stepIndex(const test::GoldenCase& c) { return c.spec().at("ddim").at("step_index").get<int>(); }

}  // namespace

TEST_CASE("golden: DDIM alphas_cumprod and timesteps match the reference", "[golden][ddim]") {
    for (const auto& c : test::allGoldenCases()) {
        INFO("case " << c.name());
        auto scheduler = caseScheduler(c);
        // Listed as an input (no tolerance in case.json): a float32 cumprod done the reference's
        // way should agree to the last bit or two.
        const std::string failure =
            test::compareTensors(scheduler.alphasCumprod(), c.tensor("ddim/alphas_cumprod"), 1e-7, 1e-6);
        INFO("ddim/alphas_cumprod: " << failure);
        CHECK(failure.empty());
        CHECK(scheduler.alphasCumprod().scalar_type() == at::kFloat);

        CHECK(scheduler.timesteps().scalar_type() == at::kLong);
        CHECK_GOLDEN(c, "ddim/timesteps", scheduler.timesteps());
        CHECK_GOLDEN(c, "ddim_inverse/timesteps", scheduler.inverseTimesteps());

        // case.json records the timesteps it stepped at; they must be ours at step_index.
        const int index = stepIndex(c);
        CHECK(scheduler.timestepList().at(index) == c.spec().at("ddim").at("t").get<int64_t>());
        CHECK(scheduler.inverseTimesteps()[index].item<int64_t>() == c.spec().at("ddim").at("inverse_t").get<int64_t>());
    }
}

TEST_CASE("golden: one DDIM step (eta = 0) and add_noise", "[golden][ddim]") {
    for (const auto& c : test::allGoldenCases()) {
        INFO("case " << c.name());
        auto scheduler = caseScheduler(c);
        const at::Tensor modelOutput = c.tensor("ddim/model_output");  // [1, 4, h, w]
        const at::Tensor sample = c.tensor("ddim/sample");
        const int64_t t = c.spec().at("ddim").at("t").get<int64_t>();

        auto out = scheduler.step(modelOutput, t, sample);
        CHECK_GOLDEN(c, "ddim/prev_sample", out.prevSample);
        CHECK_GOLDEN(c, "ddim/pred_original_sample", out.predOriginalSample);
        if (!scheduler.config().clipSample)
            CHECK_GOLDEN(c, "ddim/pred_original_sample", scheduler.predictOriginal(modelOutput, sample, t));

        // ddim/add_noise_t{T} = add_noise(sample, noise = model_output, T)
        const std::string prefix = "ddim/add_noise_t";
        const auto noised = c.tensorsWithPrefix(prefix);
        REQUIRE(!noised.empty());
        for (const auto& name : noised) {
            const int64_t noiseT = std::stoll(name.substr(prefix.size()));
            CHECK_GOLDEN(c, name, scheduler.addNoise(sample, modelOutput, noiseT));
            CHECK_GOLDEN(c, name, scheduler.addNoise(sample, modelOutput, at::tensor({noiseT}, at::kLong)));
        }
    }
}

TEST_CASE("golden: one DDIM inversion step (DDIMInverseScheduler.step)", "[golden][ddim]") {
    for (const auto& c : test::allGoldenCases()) {
        INFO("case " << c.name());
        auto scheduler = caseScheduler(c);
        // The reference stepped ddim/sample with ddim/model_output to inverse_t, i.e. from
        // inverse_t - T//N (checked against the neighbouring levels, which miss by far).
        const int64_t inverseT = c.spec().at("ddim").at("inverse_t").get<int64_t>();
        auto out = scheduler.inverseStep(c.tensor("ddim/model_output"), inverseT, c.tensor("ddim/sample"));
        CHECK_GOLDEN(c, "ddim_inverse/prev_sample", out.prevSample);
        CHECK_GOLDEN(c, "ddim_inverse/pred_original_sample", out.predOriginalSample);
    }
}
