// The facade's threading rules (engine.h): prepareImage() reports its stages and can be
// cancelled between them; heatmap() is safe from any thread while a model loads or another picture
// is prepared, answering NotReady rather than from stale features.
#include "support/catch.h"

#include "dragdiff/engine.h"
#include "support/model_loading.h"
#include "support/test_support.h"

#include <algorithm>
#include <atomic>
#include <numeric>
#include <thread>
#include <vector>

using namespace dragdiff;

namespace {

RgbaImage flatImage(int w, int h, uint8_t shade) {
    RgbaImage img;
    img.width = w;
    img.height = h;
    img.pixels.assign(size_t(w) * h * 4, shade);
    for (size_t i = 0; i < img.pixels.size(); i += 4) {
        img.pixels[i] = uint8_t((i / 4) % w * 255 / w);  // a horizontal ramp in red
        img.pixels[i + 3] = 255;
    }
    return img;
}

}  // namespace

TEST_CASE("prepareImage reports its stages in order and heatmaps follow the newest picture", "[engine]") {
    Engine engine;
    engine.loadModel(test::goldenSpec());
    std::vector<int> steps, totals;
    double lastElapsed = -1;
    bool ordered = true;
    engine.prepareImage(flatImage(64, 48, 90), "", nullptr, [&](const EditProgress& p) {
        CHECK(p.phase == "preparing");
        totals.push_back(p.totalSteps);
        ordered = ordered && p.elapsedSeconds >= lastElapsed;
        lastElapsed = p.elapsedSeconds;
        steps.push_back(p.step);
    });
    // Encoding, each inversion step up to the part step (default 15 steps: t = 1, 67, ..., 265), the features.
    REQUIRE(!totals.empty());
    CHECK(totals.front() == 7);
    CHECK(std::all_of(totals.begin(), totals.end(), [&](int t) { return t == totals.front(); }));
    std::vector<int> expected(size_t(totals.front()) + 1);
    std::iota(expected.begin(), expected.end(), 0);
    CHECK(steps == expected);
    CHECK(ordered);
    REQUIRE(engine.imagePrepared());
    CHECK(engine.heatmap({10, 10}).width == 64);

    // A second picture: the first one's features are gone from the start of its preparation.
    bool sawNotReady = false;
    engine.prepareImage(flatImage(40, 30, 160), "", nullptr, [&](const EditProgress& p) {
        if (p.step == 1) {
            try {
                engine.heatmap({10, 10});
            } catch (const NotReady&) {
                sawNotReady = true;
            }
        }
    });
    CHECK(sawNotReady);
    const HeatMap h = engine.heatmap({10, 10});
    CHECK(h.width == 40);
    CHECK(h.height == 30);
}

TEST_CASE("a preparation cancelled between stages leaves no features and the engine reusable", "[engine]") {
    Engine engine;
    engine.loadModel(test::goldenSpec());
    std::atomic<bool> cancel{false};
    int lastStep = -1;
    CHECK_THROWS_AS(engine.prepareImage(flatImage(64, 48, 90), "", &cancel,
                                        [&](const EditProgress& p) {
                                            lastStep = p.step;
                                            if (p.step == 1) cancel = true;
                                        }),
                    Cancelled);
    CHECK(lastStep == 1);
    CHECK_FALSE(engine.imagePrepared());
    CHECK_THROWS_AS(engine.heatmap({5, 5}), NotReady);
    cancel = false;
    engine.prepareImage(flatImage(64, 48, 90), "", &cancel);
    CHECK(engine.imagePrepared());
}

TEST_CASE("heatmap is NotReady before preparation and while a model loads, and never crashes meanwhile", "[engine]") {
    Engine engine;
    CHECK_FALSE(engine.hasModel());
    CHECK_THROWS_AS(engine.heatmap({1, 1}), NotReady);
    engine.loadModel(test::goldenSpec());
    engine.prepareImage(flatImage(64, 48, 90));
    REQUIRE(engine.imagePrepared());

    // A reader hammers heatmap(), hasModel() and modelInfo() while the model is replaced twice and
    // a picture is prepared again: every answer is a heatmap of the right size or NotReady.
    std::atomic<bool> stop{false};
    std::atomic<int> answered{0}, notReady{0}, wrong{0};
    std::thread reader([&] {
        while (!stop) {
            try {
                const HeatMap h = engine.heatmap({20, 20});
                if (h.width == 64 && h.height == 48) ++answered;
                else ++wrong;
            } catch (const NotReady&) {
                ++notReady;
            } catch (...) {
                ++wrong;
            }
            if (engine.hasModel()) {
                try {
                    (void)engine.modelInfo();
                } catch (const InvalidRequest&) {
                    // unloaded between the two calls: allowed
                }
            }
        }
    });
    for (int i = 0; i < 2; ++i) {
        engine.loadModel(test::goldenSpec());
        CHECK_THROWS_AS(engine.heatmap({20, 20}), NotReady);  // the old model's features are gone
        engine.prepareImage(flatImage(64, 48, 90));
    }
    stop = true;
    reader.join();
    INFO("answered " << answered << ", not ready " << notReady);
    CHECK(wrong == 0);
    CHECK(answered + notReady > 0);
    CHECK(engine.heatmap({20, 20}).width == 64);
}

TEST_CASE("a model that fails to load leaves no model and heatmaps NotReady", "[engine]") {
    Engine engine;
    engine.loadModel(test::goldenSpec());
    engine.prepareImage(flatImage(32, 32, 90));
    ModelSpec missing;
    missing.path = "/nonexistent/model-folder";
    CHECK_THROWS_AS(engine.loadModel(missing), LoadError);
    CHECK_FALSE(engine.hasModel());
    CHECK_THROWS_AS(engine.modelInfo(), InvalidRequest);
    CHECK_THROWS_AS(engine.heatmap({1, 1}), NotReady);
    CHECK_THROWS_AS(engine.prepareImage(flatImage(32, 32, 90)), InvalidRequest);
}
