#include "support/catch.h"

#include "diffusion/ddim_scheduler.h"
#include "dragdiff/error.h"
#include "models/model_configs.h"

#include <cmath>
#include <string>
#include <vector>

using namespace dragdiff;
using diffusion::DDIMScheduler;
using models::DDIMConfig;

namespace {

DDIMConfig sdConfig(const std::string& spacing = "leading", int offset = 1, const std::string& prediction = "epsilon") {
    DDIMConfig c = DDIMConfig::stableDiffusion();
    c.timestepSpacing = spacing;
    c.stepsOffset = offset;
    c.predictionType = prediction;
    return c;
}

std::vector<int64_t> plus(std::vector<int64_t> v, int64_t k) {
    for (auto& x : v) x += k;
    return v;
}

double maxAbsDiff(const at::Tensor& a, const at::Tensor& b) {
    return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>();
}

}  // namespace

// Expected values written out from the diffusers 0.27.2 formulas (T = 1000):
//   leading:  (np.arange(0, N) * (T // N)).round()[::-1] + steps_offset
//   trailing: np.round(np.arange(T, 0, -T / N)) - 1          (steps_offset not used)
//   linspace: np.linspace(0, T - 1, N).round()[::-1]          (steps_offset not used)
TEST_CASE("DDIM timesteps: leading, trailing and linspace spacing x steps_offset 0/1 x N = 50, 20, 7",
          "[unit][diffusion]") {
    const std::vector<int64_t> leading50 = {980, 960, 940, 920, 900, 880, 860, 840, 820, 800, 780, 760, 740,
                                            720, 700, 680, 660, 640, 620, 600, 580, 560, 540, 520, 500, 480,
                                            460, 440, 420, 400, 380, 360, 340, 320, 300, 280, 260, 240, 220,
                                            200, 180, 160, 140, 120, 100, 80,  60,  40,  20,  0};
    const std::vector<int64_t> leading20 = {950, 900, 850, 800, 750, 700, 650, 600, 550, 500,
                                            450, 400, 350, 300, 250, 200, 150, 100, 50,  0};
    const std::vector<int64_t> leading7 = {852, 710, 568, 426, 284, 142, 0};  // T // 7 = 142
    const std::vector<int64_t> trailing50 = {999, 979, 959, 939, 919, 899, 879, 859, 839, 819, 799, 779, 759,
                                             739, 719, 699, 679, 659, 639, 619, 599, 579, 559, 539, 519, 499,
                                             479, 459, 439, 419, 399, 379, 359, 339, 319, 299, 279, 259, 239,
                                             219, 199, 179, 159, 139, 119, 99,  79,  59,  39,  19};
    const std::vector<int64_t> trailing20 = {999, 949, 899, 849, 799, 749, 699, 649, 599, 549,
                                             499, 449, 399, 349, 299, 249, 199, 149, 99,  49};
    // 1000 - i·142.857…: 857.14, 714.29, 571.43, 428.57, 285.71, 142.86 rounded, minus 1.
    const std::vector<int64_t> trailing7 = {999, 856, 713, 570, 428, 285, 142};
    const std::vector<int64_t> linspace50 = {999, 979, 958, 938, 917, 897, 877, 856, 836, 816, 795, 775, 754,
                                             734, 714, 693, 673, 652, 632, 612, 591, 571, 550, 530, 510, 489,
                                             469, 449, 428, 408, 387, 367, 347, 326, 306, 285, 265, 245, 224,
                                             204, 183, 163, 143, 122, 102, 82,  61,  41,  20,  0};
    const std::vector<int64_t> linspace20 = {999, 946, 894, 841, 789, 736, 684, 631, 578, 526,
                                             473, 421, 368, 315, 263, 210, 158, 105, 53,  0};
    // i·166.5: 832.5 and 166.5 round half to even (832, 166); 499.5 -> 500.
    const std::vector<int64_t> linspace7 = {999, 832, 666, 500, 333, 166, 0};

    struct Row {
        std::string spacing;
        int n;
        std::vector<int64_t> offset0;
        std::vector<int64_t> offset1;
    };
    const std::vector<Row> rows = {
        {"leading", 50, leading50, plus(leading50, 1)},   {"leading", 20, leading20, plus(leading20, 1)},
        {"leading", 7, leading7, plus(leading7, 1)},      {"trailing", 50, trailing50, trailing50},
        {"trailing", 20, trailing20, trailing20},         {"trailing", 7, trailing7, trailing7},
        {"linspace", 50, linspace50, linspace50},         {"linspace", 20, linspace20, linspace20},
        {"linspace", 7, linspace7, linspace7},
    };
    for (const auto& row : rows) {
        for (int offset : {0, 1}) {
            INFO(row.spacing << ", N = " << row.n << ", steps_offset = " << offset);
            const auto& expected = offset == 0 ? row.offset0 : row.offset1;
            CHECK(diffusion::ddimTimesteps(row.spacing, 1000, row.n, offset) == expected);
            DDIMScheduler s(sdConfig(row.spacing, offset));
            s.setTimesteps(row.n);
            CHECK(s.numInferenceSteps() == row.n);
            CHECK(s.timesteps().scalar_type() == at::kLong);
            CHECK(s.timesteps().dim() == 1);
            CHECK(s.timestepList() == expected);
            std::vector<int64_t> reversed(expected.rbegin(), expected.rend());
            at::Tensor inv = s.inverseTimesteps().contiguous();
            CHECK(std::vector<int64_t>(inv.data_ptr<int64_t>(), inv.data_ptr<int64_t>() + inv.numel()) == reversed);
            CHECK(s.stepRatio() == 1000 / row.n);
        }
    }
    // Edge counts: one step, and every training step.
    CHECK(diffusion::ddimTimesteps("leading", 1000, 1, 1) == std::vector<int64_t>{1});
    CHECK(diffusion::ddimTimesteps("trailing", 1000, 1, 0) == std::vector<int64_t>{999});
    CHECK(diffusion::ddimTimesteps("linspace", 1000, 1, 0) == std::vector<int64_t>{0});
    CHECK(diffusion::ddimTimesteps("trailing", 1000, 3, 0) == std::vector<int64_t>{999, 666, 332});
    for (const char* spacing : {"leading", "trailing", "linspace"}) {
        auto all = diffusion::ddimTimesteps(spacing, 1000, 1000, 0);
        REQUIRE(all.size() == 1000);
        CHECK(all.front() == 999);
        CHECK(all.back() == 0);
    }
}

TEST_CASE("DDIM betas: linear and scaled_linear at both ends, float32 cumprod", "[unit][diffusion]") {
    DDIMConfig linear;  // diffusers defaults: linear 1e-4 .. 0.02
    DDIMScheduler lin(linear);
    REQUIRE(lin.betas().scalar_type() == at::kFloat);
    REQUIRE(lin.alphasCumprod().scalar_type() == at::kFloat);
    REQUIRE(lin.alphasCumprod().numel() == 1000);
    CHECK(lin.betas()[0].item<float>() == 0.0001f);
    CHECK(lin.betas()[999].item<float>() == 0.02f);
    CHECK(lin.betas()[500].item<double>() == Approx(0.010059959959959959).epsilon(1e-6));
    CHECK(lin.alphasCumprod()[0].item<float>() == 1.0f - 0.0001f);
    // float64 numpy: cumprod(1 - linspace(1e-4, 0.02, 1000))
    CHECK(lin.alphasCumprod()[500].item<double>() == Approx(0.07779665836502389).epsilon(1e-5));
    CHECK(lin.alphasCumprod()[999].item<double>() == Approx(4.035829765375676e-05).epsilon(1e-4));

    DDIMScheduler scaled(DDIMConfig::stableDiffusion());  // scaled_linear 0.00085 .. 0.012
    CHECK(scaled.betas()[0].item<double>() == Approx(0.00085).epsilon(1e-6));
    CHECK(scaled.betas()[999].item<double>() == Approx(0.012).epsilon(1e-6));
    // Squared linspace of square roots: the middle lies below the plain linear midpoint.
    CHECK(scaled.betas()[500].item<double>() == Approx(0.00481495414171188).epsilon(1e-5));
    CHECK(scaled.alphasCumprod()[0].item<double>() == Approx(0.99915).epsilon(1e-7));
    CHECK(scaled.alphasCumprod()[500].item<double>() == Approx(0.2763326838229746).epsilon(1e-5));
    CHECK(scaled.alphasCumprod()[999].item<double>() == Approx(0.004660098513077238).epsilon(1e-4));

    // trained_betas bypass the schedule; rescale_betas_zero_snr drives ᾱ_T to zero.
    DDIMConfig trained;
    trained.numTrainTimesteps = 4;
    trained.trainedBetas = {0.1, 0.2, 0.3, 0.4};
    DDIMScheduler tr(trained);
    CHECK(tr.alphasCumprod()[3].item<double>() == Approx(0.9 * 0.8 * 0.7 * 0.6).epsilon(1e-6));
    DDIMConfig zeroSnr = DDIMConfig::stableDiffusion();
    zeroSnr.rescaleBetasZeroSnr = true;
    DDIMScheduler zs(zeroSnr);
    CHECK(zs.alphasCumprod()[999].item<double>() == Approx(0.0).margin(1e-12));
    CHECK(zs.alphasCumprod()[0].item<double>() == Approx(0.99915).epsilon(1e-5));
}

TEST_CASE("DDIM set_alpha_to_one: the ᾱ past the last step is 1 or ᾱ_0", "[unit][diffusion]") {
    const at::Tensor x0 = at::linspace(-1, 1, 24, at::kFloat).reshape({1, 2, 3, 4});
    const at::Tensor eps = at::cos(at::arange(24, at::kFloat)).reshape({1, 2, 3, 4});
    for (bool toOne : {true, false}) {
        INFO("set_alpha_to_one = " << toOne);
        DDIMConfig c = sdConfig("leading", 1);
        c.setAlphaToOne = toOne;
        DDIMScheduler s(c);
        s.setTimesteps(50);
        const double a0 = s.alphasCumprod()[0].item<double>();
        const double expected = toOne ? 1.0 : a0;
        CHECK(s.finalAlphaCumprod().item<double>() == expected);
        CHECK(s.alphaProduct(-1) == expected);
        CHECK(s.alphaProduct(-19) == expected);
        CHECK(s.alphaProduct(0) == a0);

        // The last step (t = 1 -> 1 - 20 < 0) lands on the final ᾱ.
        const int64_t t = s.timestepList().back();
        REQUIRE(t == 1);
        const at::Tensor xt = s.addNoise(x0, eps, t);
        auto out = s.step(eps, t, xt);
        CHECK(maxAbsDiff(out.predOriginalSample, x0) < 1e-5);
        const at::Tensor want = std::sqrt(expected) * x0 + std::sqrt(1.0 - expected) * eps;
        CHECK(maxAbsDiff(out.prevSample, want) < 1e-5);
        if (toOne) CHECK(maxAbsDiff(out.prevSample, out.predOriginalSample) == 0.0);
    }
}

TEST_CASE("DDIM prediction types: x0 and ε recovered from ε, v and x0 outputs", "[unit][diffusion]") {
    at::manual_seed(7);
    const at::Tensor x0 = at::randn({2, 4, 5, 3}, at::kFloat);   // [B, C, h, w]
    const at::Tensor eps = at::randn({2, 4, 5, 3}, at::kFloat);
    for (int64_t t : {0, 1, 261, 500, 901, 999}) {
        INFO("t = " << t);
        DDIMScheduler vs(sdConfig("leading", 1, "v_prediction"));
        const at::Tensor xt = vs.addNoise(x0, eps, t);
        const double a = vs.alphaProduct(t);
        const at::Tensor v = vs.getVelocity(x0, eps, at::tensor({t, t}, at::kLong));
        CHECK(maxAbsDiff(v, std::sqrt(a) * eps - std::sqrt(1 - a) * x0) < 1e-5);
        CHECK(maxAbsDiff(vs.predictOriginal(v, xt, t), x0) < 1e-4);
        CHECK(maxAbsDiff(vs.predictEpsilon(v, xt, t), eps) < 1e-4);

        DDIMScheduler es(sdConfig("leading", 1, "epsilon"));
        CHECK(maxAbsDiff(es.predictEpsilon(eps, xt, t), eps) == 0.0);
        // x0 = (x_t - sqrt(1-ᾱ)ε)/sqrt(ᾱ) amplifies rounding by 1/sqrt(ᾱ) (≈ 15 at t = 999).
        CHECK(maxAbsDiff(es.predictOriginal(eps, xt, t), x0) < 1e-3);

        DDIMScheduler ss(sdConfig("leading", 1, "sample"));
        CHECK(maxAbsDiff(ss.predictOriginal(x0, xt, t), x0) == 0.0);
        if (t > 0) CHECK(maxAbsDiff(ss.predictEpsilon(x0, xt, t), eps) < 1e-3);
    }
    // Batched timesteps: one ᾱ per batch item.
    DDIMScheduler s(sdConfig());
    const at::Tensor both = s.addNoise(x0, eps, at::tensor({int64_t{10}, int64_t{900}}, at::kLong));
    CHECK(maxAbsDiff(both[0], s.addNoise(x0[0], eps[0], 10)) < 1e-6);
    CHECK(maxAbsDiff(both[1], s.addNoise(x0[1], eps[1], 900)) < 1e-6);
}

TEST_CASE("DDIM step: the eta = 0 update, clip_sample honoured", "[unit][diffusion]") {
    at::manual_seed(3);
    const at::Tensor x0 = 3 * at::randn({1, 4, 6, 5}, at::kFloat);
    const at::Tensor eps = at::randn({1, 4, 6, 5}, at::kFloat);
    for (const char* prediction : {"epsilon", "v_prediction", "sample"}) {
        INFO(prediction);
        DDIMScheduler s(sdConfig("trailing", 0, prediction));
        s.setTimesteps(7);
        const int64_t t = s.timestepList()[1];  // 856; trailing still steps by T // N = 142 (as the reference)
        const int64_t prev = t - 142;
        const at::Tensor xt = s.addNoise(x0, eps, t);
        const at::Tensor out = std::string(prediction) == "epsilon" ? eps
                               : std::string(prediction) == "sample"
                                   ? x0
                                   : s.getVelocity(x0, eps, at::tensor({t}, at::kLong));
        auto step = s.step(out, t, xt);
        CHECK(maxAbsDiff(step.predOriginalSample, x0) < 1e-4);
        CHECK(maxAbsDiff(step.prevSample, s.addNoise(x0, eps, prev)) < 1e-4);
    }

    DDIMConfig clipped = sdConfig();
    clipped.clipSample = true;
    clipped.clipSampleRange = 1.5;
    DDIMScheduler c(clipped);
    c.setTimesteps(50);
    const int64_t t = 501;
    auto step = c.step(eps, t, c.addNoise(x0, eps, t));
    CHECK(step.predOriginalSample.max().item<double>() == 1.5);
    CHECK(step.predOriginalSample.min().item<double>() == -1.5);
    // ε is not re-derived from the clipped x0 (use_clipped_model_output = False).
    const double a = c.alphaProduct(t - 20);
    CHECK(maxAbsDiff(step.prevSample, std::sqrt(a) * x0.clamp(-1.5, 1.5) + std::sqrt(1 - a) * eps) < 1e-4);
    // predictOriginal itself never clips.
    CHECK(c.predictOriginal(eps, c.addNoise(x0, eps, t), t).abs().max().item<double>() > 1.5);
}

TEST_CASE("DDIM step and inversion step undo each other", "[unit][diffusion]") {
    at::manual_seed(11);
    const at::Tensor z = at::randn({1, 4, 8, 6}, at::kFloat);
    // A smooth stand-in for the UNet: ε depends on the latent and on t.
    auto model = [](const at::Tensor& x, int64_t t) { return 0.3 * at::tanh(x) + 0.001 * static_cast<double>(t); };

    for (const char* prediction : {"epsilon", "v_prediction"}) {
        INFO(prediction);
        // With the same model output both ways, inverseStep(t) exactly undoes step(t).
        DDIMScheduler s(sdConfig("leading", 1, prediction));
        s.setTimesteps(50);
        const int64_t t = 501;
        const at::Tensor xt = s.addNoise(z, at::randn_like(z), t);
        const at::Tensor out = model(xt, t);
        const at::Tensor down = s.step(out, t, xt).prevSample;  // at t - 20
        if (std::string(prediction) == "epsilon") {
            CHECK(maxAbsDiff(s.inverseStep(out, t, down).prevSample, xt) < 1e-5);
        } else {
            // v depends on the level it is read at: convert it to ε first, then back to v at t - 20.
            const at::Tensor e = s.predictEpsilon(out, xt, t);
            const at::Tensor x0 = s.predictOriginal(out, xt, t);
            const double ap = s.alphaProduct(t - 20);
            const at::Tensor vPrev = std::sqrt(ap) * e - std::sqrt(1 - ap) * x0;
            CHECK(maxAbsDiff(s.inverseStep(vPrev, t, down).prevSample, xt) < 1e-5);
        }
    }

    // With the model evaluated where each direction stands (the inversion reads it at the lower
    // level), the round trip is only approximate, and the error shrinks with the step size.
    auto roundTripError = [&](int n) {
        DDIMScheduler s(sdConfig("leading", 0));
        s.setTimesteps(n);
        const int64_t t = s.timestepList()[n / 2];
        const at::Tensor xt = s.addNoise(z, model(z, 0), t);
        const at::Tensor down = s.step(model(xt, t), t, xt).prevSample;
        const at::Tensor back = s.inverseStep(model(down, t), t, down).prevSample;
        return maxAbsDiff(back, xt);
    };
    const double coarse = roundTripError(10);
    const double fine = roundTripError(1000);
    INFO("round trip error: N = 10 -> " << coarse << ", N = 1000 -> " << fine);
    CHECK(fine < 1e-3);
    CHECK(fine < coarse / 10);
}

TEST_CASE("DDIM partial schedules: startIndex keeps the last ceil(s·N) steps", "[unit][diffusion]") {
    DDIMScheduler s(sdConfig());
    s.setTimesteps(50);
    CHECK(s.startIndex(1.0) == 0);
    CHECK(s.startIndex(0.7) == 15);  // 35 steps: 681, 661, ..., 1
    CHECK(s.timestepList()[s.startIndex(0.7)] == 681);
    CHECK(s.startIndex(0.3) == 35);
    CHECK(s.startIndex(0.71) == 14);  // 35.5 -> 36 steps
    CHECK(s.startIndex(0.001) == 49);
    s.setTimesteps(7);
    CHECK(s.startIndex(0.5) == 3);  // ceil(3.5) = 4 steps
}

TEST_CASE("DDIM invalid requests", "[unit][diffusion]") {
    DDIMScheduler s(sdConfig());
    const at::Tensor x = at::zeros({1, 4, 2, 2});
    CHECK_THROWS_AS(s.step(x, 981, x), InvalidRequest);  // before setTimesteps
    CHECK_THROWS_AS(s.startIndex(0.5), InvalidRequest);
    CHECK_THROWS_AS(s.setTimesteps(0), InvalidRequest);
    CHECK_THROWS_AS(s.setTimesteps(-3), InvalidRequest);
    CHECK_THROWS_AS(s.setTimesteps(1001), InvalidRequest);
    try {
        s.setTimesteps(1001);
    } catch (const InvalidRequest& e) {
        CHECK(std::string(e.what()).find("1001") != std::string::npos);
        CHECK(std::string(e.what()).find("1000") != std::string::npos);
    }
    CHECK_NOTHROW(s.setTimesteps(1000));
    s.setTimesteps(50);
    CHECK_THROWS_AS(s.step(x, 1000, x), InvalidRequest);
    CHECK_THROWS_AS(s.step(x, -1, x), InvalidRequest);
    CHECK_THROWS_AS(s.inverseStep(x, 1000, x), InvalidRequest);
    CHECK_THROWS_AS(s.alphaProduct(1000), InvalidRequest);
    CHECK_THROWS_AS(s.predictOriginal(x, x, 1000), InvalidRequest);
    CHECK_THROWS_AS(s.addNoise(x, x, 1000), InvalidRequest);
    CHECK_THROWS_AS(s.addNoise(x, x, at::tensor({int64_t{5}, int64_t{-1}}, at::kLong)), InvalidRequest);
    CHECK_THROWS_AS(s.startIndex(0.0), InvalidRequest);
    CHECK_THROWS_AS(s.startIndex(1.5), InvalidRequest);
    CHECK_THROWS_AS(s.startIndex(std::nan("")), InvalidRequest);

    DDIMConfig bad = sdConfig();
    bad.predictionType = "flow";
    CHECK_THROWS_AS(DDIMScheduler(bad), InvalidRequest);
    bad = sdConfig("karras");
    CHECK_THROWS_AS(DDIMScheduler(bad), InvalidRequest);
    bad = sdConfig();
    bad.betaSchedule = "squaredcos_cap_v2";
    CHECK_THROWS_AS(DDIMScheduler(bad), InvalidRequest);
    bad = sdConfig();
    bad.trainedBetas = {0.1, 0.2};
    CHECK_THROWS_AS(DDIMScheduler(bad), InvalidRequest);
}
