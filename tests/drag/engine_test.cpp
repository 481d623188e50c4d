// The drag engine end to end on a small golden model (random weights, real architecture).
#include "support/catch.h"

#include "dragdiff/engine.h"
#include "drag/correspondence.h"
#include "io/image_io.h"
#include "support/test_support.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>

using namespace dragdiff;

namespace {

std::string goldenModel() {
    auto cases = test::goldenCases();
    REQUIRE(!cases.empty());
    return cases.front();
}


Engine& sharedEngine() {
    static Engine engine;
    if (!engine.hasModel()) {
        ModelSpec spec;
        spec.path = goldenModel();
        engine.loadModel(spec);
    }
    return engine;
}

EditRequest smallRequest() {
    EditRequest r;
    r.image = test::discScene(64, 48);
    r.drags = {{{21, 24}, {36, 24}}};
    r.parameters.steps = 10;
    r.parameters.strength = 0.6;
    return r;
}

}  // namespace

TEST_CASE("heatmap of an image against itself peaks at the handle", "[engine]") {
    Engine& engine = sharedEngine();
    RgbaImage img = test::discScene(64, 48);
    engine.prepareImage(img);
    REQUIRE(engine.imagePrepared());
    for (PointF p : {PointF{21, 24}, PointF{50, 10}, PointF{10, 40}}) {
        EditParameters params;
        params.heatmapMode = "softmax";
        HeatMap h = engine.heatmap(p, params);
        REQUIRE(h.width == img.width);
        REQUIRE(h.height == img.height);
        auto it = std::max_element(h.values.begin(), h.values.end());
        const int idx = int(it - h.values.begin());
        const int px = idx % h.width, py = idx / h.width;
        INFO("point " << p.x << "," << p.y << " peak at " << px << "," << py);
        // The peak lies within a couple of latent pixels (this model's latents are 1/2 scale).
        CHECK(std::hypot(px + 0.5 - p.x, py + 0.5 - p.y) <= 4.0);
    }
    CHECK_THROWS_AS(engine.heatmap({-5, 3}), InvalidRequest);
}

TEST_CASE("the centroid's gradient reaches the latent and is finite", "[engine]") {
    at::Tensor z = at::randn({1, 8, 12, 10}).requires_grad_(true);
    at::Tensor feat = at::tanh(z * 3);
    drag::HeatmapSettings s;
    at::Tensor q = drag::sampleFeature(feat.detach(), {4.5, 6.5});
    at::Tensor heat = drag::sharpen(drag::cosineMap(feat, q, feat.detach()[0].mean({1, 2}), true), s);
    at::Tensor c = drag::softCentroid(heat);
    at::Tensor target = at::tensor({0.9f, 0.1f});
    at::Tensor e = (c - target).abs().sum();
    e.backward();
    REQUIRE(z.grad().defined());
    CHECK(at::isfinite(z.grad()).all().item<bool>());
    CHECK(z.grad().abs().sum().item<double>() > 0);
    CHECK(c[0].item<double>() >= 0);
    CHECK(c[0].item<double>() <= 1);
}

TEST_CASE("guidance lowers the move energy compared with no guidance", "[engine]") {
    Engine& engine = sharedEngine();
    EditRequest r = smallRequest();
    r.parameters.latentMove = false;
    r.parameters.guidanceWindow = 1.0;
    r.parameters.guidanceWeight = 0;
    EditResult plain = engine.edit(r);
    r.parameters.guidanceWeight = 2000;
    EditResult guided = engine.edit(r);
    REQUIRE(!plain.steps.empty());
    REQUIRE(guided.steps.size() == plain.steps.size());
    CHECK(guided.steps.front().guided);
    INFO("move energy without " << plain.steps.back().moveEnergy << ", with " << guided.steps.back().moveEnergy);
    CHECK(guided.steps.back().moveEnergy < plain.steps.back().moveEnergy);
}

TEST_CASE("a masked edit leaves every pixel outside the mask unchanged", "[engine]") {
    Engine& engine = sharedEngine();
    EditRequest r = smallRequest();
    r.image = test::discScene(160, 120);  // larger than the model: composited back at full resolution
    r.drags = {{{53, 60}, {90, 60}}};
    r.mask.width = r.image.width;
    r.mask.height = r.image.height;
    r.mask.values.assign(size_t(r.mask.width) * r.mask.height, 0);
    for (int y = 30; y < 90; ++y)
        for (int x = 30; x < 110; ++x) r.mask.values[size_t(y) * r.mask.width + x] = 255;
    EditResult res = engine.edit(r);
    REQUIRE(res.image.width == 160);
    REQUIRE(res.image.height == 120);
    size_t changedOutside = 0, changedInside = 0;
    for (int y = 0; y < 120; ++y)
        for (int x = 0; x < 160; ++x) {
            const size_t i = (size_t(y) * 160 + x) * 4;
            const bool differs = !std::equal(res.image.pixels.begin() + long(i), res.image.pixels.begin() + long(i) + 4,
                                             r.image.pixels.begin() + long(i));
            (r.mask.values[size_t(y) * 160 + x] ? changedInside : changedOutside) += differs;
        }
    CHECK(changedOutside == 0);
    CHECK(changedInside > 0);
}

TEST_CASE("cancel stops within one step and the engine is reusable", "[engine]") {
    Engine& engine = sharedEngine();
    EditRequest r = smallRequest();
    std::atomic<bool> cancel{false};
    int stepsAfterCancel = 0;
    bool cancelled = false;
    try {
        engine.edit(r, [&](const EditProgress& p) {
            if (cancel) ++stepsAfterCancel;
            if (p.phase == "editing" && p.step == 2) cancel = true;
        }, &cancel);
    } catch (const Cancelled&) {
        cancelled = true;
    }
    CHECK(cancelled);
    CHECK(stepsAfterCancel == 0);
    cancel = false;
    CHECK_NOTHROW(engine.edit(r, nullptr, &cancel));
}

TEST_CASE("same inputs and seed give the same bytes", "[engine]") {
    Engine& engine = sharedEngine();
    EditRequest r = smallRequest();
    EditResult a = engine.edit(r);
    EditResult b = engine.edit(r);
    CHECK(a.image.pixels == b.image.pixels);
}

TEST_CASE("bad edit requests get clear errors", "[engine]") {
    Engine& engine = sharedEngine();
    EditRequest r = smallRequest();
    r.drags = {{{-1, 5}, {10, 10}}};
    CHECK_THROWS_WITH(engine.edit(r), Catch::Contains("outside"));
    r.drags = {{{10, 10}, {10, 10}}};
    CHECK_THROWS_WITH(engine.edit(r), Catch::Contains("same point"));
    // The rule the app's live drag checks before asking (DragPair::targetOnHandle): under half a pixel.
    CHECK(DragPair{{10, 10}, {10.3, 10.3}}.targetOnHandle());
    CHECK_FALSE(DragPair{{10, 10}, {10.4, 10.4}}.targetOnHandle());
    r.drags = {{{10, 10}, {10.3, 10.3}}};
    CHECK_THROWS_WITH(engine.edit(r), Catch::Contains("same point"));
    r.drags = {};
    CHECK_THROWS_WITH(engine.edit(r), Catch::Contains("at least one"));
    r = smallRequest();
    r.mask.width = 10;
    r.mask.height = 10;
    r.mask.values.assign(100, 255);
    CHECK_THROWS_WITH(engine.edit(r), Catch::Contains("resize it"));
    r.mask.width = r.image.width;
    r.mask.height = r.image.height;
    r.mask.values.assign(size_t(r.image.width) * r.image.height, 0);
    CHECK_THROWS_WITH(engine.edit(r), Catch::Contains("mask is empty"));
    r = smallRequest();
    r.parameters.prompt = "a horse";
    CHECK_NOTHROW(engine.edit(r));  // the golden model has a text encoder and a tokenizer
    // The model says how many up-blocks it has (the GUI caps feature_block by it): the last one
    // gives features, the next does not exist.
    const int upBlocks = engine.modelInfo().upBlocks;
    REQUIRE(upBlocks > 0);
    r.parameters.featureBlock = upBlocks;
    CHECK_THROWS_WITH(engine.edit(r), Catch::Contains("up-blocks") && Catch::Contains(std::to_string(upBlocks) + " up-blocks"));
    r.parameters.featureBlock = upBlocks - 1;
    r.parameters.steps = 4;
    CHECK_NOTHROW(engine.edit(r));
    Engine empty;
    CHECK_THROWS_AS(empty.edit(smallRequest()), InvalidRequest);
    ModelSpec bad;
    bad.path = "/nonexistent/model";
    CHECK_THROWS_AS(empty.loadModel(bad), LoadError);
    CHECK_FALSE(empty.hasModel());
}

TEST_CASE("sharing the original's attention changes the edit and stays deterministic", "[engine]") {
    Engine& engine = sharedEngine();
    EditRequest r = smallRequest();
    EditResult plain = engine.edit(r);
    r.parameters.shareAttention = true;
    EditResult shared = engine.edit(r);
    EditResult again = engine.edit(r);
    CHECK(shared.image.pixels != plain.image.pixels);
    CHECK(shared.image.pixels == again.image.pixels);
}
