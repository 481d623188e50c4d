#include "support/catch.h"

#include "diffusion/ddim_inversion.h"
#include "diffusion/ddim_scheduler.h"
#include "dragdiff/error.h"
#include "models/model_configs.h"

#include <algorithm>
#include <utility>
#include <vector>

using namespace dragdiff;
using diffusion::DDIMScheduler;

namespace {

DDIMScheduler sdScheduler(int steps, const std::string& prediction = "epsilon") {
    models::DDIMConfig c = models::DDIMConfig::stableDiffusion();
    c.predictionType = prediction;
    DDIMScheduler s(c);
    s.setTimesteps(steps);
    return s;
}

double maxAbsDiff(const at::Tensor& a, const at::Tensor& b) {
    return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>();
}

}  // namespace

TEST_CASE("DDIM inversion visits the schedule upwards and keeps every latent", "[unit][diffusion]") {
    auto s = sdScheduler(50);
    at::manual_seed(5);
    const at::Tensor z0 = at::randn({1, 4, 8, 6});
    std::vector<std::pair<int64_t, int64_t>> calls;  // (t, the latent's level before the step)
    std::vector<int64_t> levels{diffusion::kCleanTimestep};
    auto model = [&](const at::Tensor& latent, int64_t t) {
        calls.emplace_back(t, levels.back());
        levels.push_back(t);
        return 0.5 * latent;
    };
    std::vector<int> progress;
    auto callback = [&](const diffusion::InversionProgress& p) {
        progress.push_back(p.stepsDone);
        CHECK(p.totalSteps == 35);
        CHECK(p.latent != nullptr);
        return true;
    };
    const int start = s.startIndex(0.7);
    REQUIRE(start == 15);
    auto result = diffusion::invertDDIM(s, z0, start, model, callback);

    REQUIRE(result.latents.size() == 36);
    REQUIRE(result.timesteps.size() == 36);
    CHECK(result.timesteps.front() == diffusion::kCleanTimestep);
    CHECK(result.timesteps[1] == 1);
    CHECK(result.timesteps[2] == 21);
    CHECK(result.timesteps.back() == 681);
    CHECK(result.timesteps.back() == s.timestepList()[start]);
    CHECK(at::equal(result.latents.front(), z0));
    CHECK(&result.last() == &result.latents.back());
    CHECK(&result.latentAt(681) == &result.latents.back());
    CHECK(&result.latentAt(diffusion::kCleanTimestep) == &result.latents.front());
    CHECK_THROWS_AS(result.latentAt(701), InvalidRequest);
    REQUIRE(calls.size() == 35);
    CHECK(calls.front() == std::make_pair(int64_t{1}, diffusion::kCleanTimestep));
    CHECK(calls.back() == std::make_pair(int64_t{681}, int64_t{661}));
    CHECK(progress.size() == 36);
    CHECK(progress.front() == 0);
    CHECK(progress.back() == 35);

    // Each stored latent is one inverseStep of the previous one with the model output at its t.
    for (size_t k = 1; k < result.latents.size(); ++k) {
        const at::Tensor& prev = result.latents[k - 1];
        const int64_t t = result.timesteps[k];
        CHECK(at::allclose(result.latents[k], s.inverseStep(0.5 * prev, t, prev).prevSample));
    }
}

TEST_CASE("DDIM inversion then denoising returns to the start for a smooth model", "[unit][diffusion]") {
    at::manual_seed(9);
    const at::Tensor z0 = at::randn({1, 4, 8, 6});
    auto model = [](const at::Tensor& x, int64_t t) { return 0.2 * at::sin(x) + 1e-4 * static_cast<double>(t); };
    // Inverts half the schedule, denoises back; returns the worst distance to the inverted
    // latents on the way and to z0 at the end.
    auto roundTrip = [&](int steps, const char* prediction) {
        auto s = sdScheduler(steps, prediction);
        const int start = s.startIndex(0.5);
        auto inverted = diffusion::invertDDIM(s, z0, start, model);
        at::Tensor x = inverted.last();
        const auto ts = s.timestepList();
        double worst = 0;
        for (size_t i = start; i < ts.size(); ++i) {
            x = s.step(model(x, ts[i]), ts[i], x).prevSample;
            // Denoising passes the inverted levels again; the last step lands on ᾱ_0
            // (set_alpha_to_one = false), the level inversion's first step started from.
            const at::Tensor& there = i + 1 < ts.size() ? inverted.latentAt(ts[i + 1]) : z0;
            worst = std::max(worst, maxAbsDiff(x, there));
        }
        return std::make_pair(worst, maxAbsDiff(x, z0));
    };
    for (const char* prediction : {"epsilon", "v_prediction"}) {
        const auto coarse = roundTrip(20, prediction);
        const auto fine = roundTrip(200, prediction);
        INFO(prediction << ": N = 20 -> " << coarse.first << ", N = 200 -> " << fine.first);
        CHECK(fine.first < 5e-2);
        CHECK(fine.second <= fine.first);
        CHECK(fine.first < coarse.first / 3);  // the error comes from the step size
    }
}

TEST_CASE("DDIM inversion: cancellation and bad requests", "[unit][diffusion]") {
    auto s = sdScheduler(20);
    const at::Tensor z0 = at::zeros({1, 4, 4, 4});
    int modelCalls = 0;
    auto model = [&](const at::Tensor& x, int64_t) {
        ++modelCalls;
        return x;
    };

    // Cancelled before the first step: the model is never called.
    CHECK_THROWS_AS(diffusion::invertDDIM(s, z0, 0, model, [](const diffusion::InversionProgress&) { return false; }),
                    Cancelled);
    CHECK(modelCalls == 0);

    // Cancelled after three steps: no fourth model call.
    auto stopAfter3 = [](const diffusion::InversionProgress& p) { return p.stepsDone < 3; };
    CHECK_THROWS_AS(diffusion::invertDDIM(s, z0, 0, model, stopAfter3), Cancelled);
    CHECK(modelCalls == 3);

    CHECK_THROWS_AS(diffusion::invertDDIM(s, z0, -1, model), InvalidRequest);
    CHECK_THROWS_AS(diffusion::invertDDIM(s, z0, 20, model), InvalidRequest);
    auto wrongShape = [](const at::Tensor&, int64_t) { return at::zeros({1, 4, 2, 2}); };
    CHECK_THROWS_AS(diffusion::invertDDIM(s, z0, 10, wrongShape), InvalidRequest);
    DDIMScheduler unset(models::DDIMConfig::stableDiffusion());
    CHECK_THROWS_AS(diffusion::invertDDIM(unset, z0, 0, model), InvalidRequest);

    // Runs without gradient tracking even for a latent that requires grad.
    const at::Tensor leaf = at::ones({1, 4, 4, 4}).requires_grad_();
    auto result = diffusion::invertDDIM(s, leaf, 18, [](const at::Tensor& x, int64_t) { return 0.1 * x; });
    CHECK_FALSE(result.last().requires_grad());
}

TEST_CASE("An inversion carried on from where an earlier one stopped equals one inversion to the end",
          "[unit][diffusion]") {
    auto s = sdScheduler(15);
    at::manual_seed(9);
    const at::Tensor z0 = at::randn({1, 4, 6, 6});
    int calls = 0;
    auto model = [&](const at::Tensor& latent, int64_t t) {
        ++calls;
        return at::tanh(latent) * (0.01 * double(t));
    };
    const int start = s.startIndex(0.7), part = 10;
    const auto whole = diffusion::invertDDIM(s, z0, start, model);
    calls = 0;
    const auto first = diffusion::invertDDIM(s, z0, part, model);
    CHECK(calls == 15 - part);
    std::vector<int> progress;
    auto callback = [&](const diffusion::InversionProgress& p) {
        progress.push_back(p.stepsDone);
        CHECK(p.totalSteps == part - start);
        return true;
    };
    calls = 0;
    const auto carried = diffusion::extendInversion(s, first, start, model, callback);
    CHECK(calls == part - start);  // no step of the first part again
    CHECK(progress.front() == 0);
    CHECK(progress.back() == part - start);
    REQUIRE(carried.latents.size() == whole.latents.size());
    CHECK(carried.timesteps == whole.timesteps);
    for (size_t k = 0; k < whole.latents.size(); ++k) CHECK(at::equal(carried.latents[k], whole.latents[k]));

    // Already there or past it: unchanged, no model call.
    calls = 0;
    const auto again = diffusion::extendInversion(s, whole, part, model);
    CHECK(calls == 0);
    CHECK(again.latents.size() == whole.latents.size());

    // A trajectory of another schedule cannot be carried on.
    auto other = sdScheduler(50);
    CHECK_THROWS_AS(diffusion::extendInversion(other, first, other.startIndex(0.7), model), InvalidRequest);
}
