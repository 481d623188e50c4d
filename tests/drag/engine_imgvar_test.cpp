// The facade's Engine on each golden image-variation model (sd-image-variations): the picture is
// its own condition when features are prepared and when an edit runs, the transform parameter
// changes the condition (features, heatmaps and inversion), a prompt is refused, and an edit is
// deterministic.
#include "support/catch.h"

#include "dragdiff/dragdiff.h"
#include "dragdiff/engine.h"
#include "dragdiff/error.h"
#include "support/golden_case.h"
#include "support/test_support.h"

using namespace dragdiff;

TEST_CASE("an image-variation model prepares, edits and refuses prompts through the engine", "[engine][imgvar]") {
    const auto cases = test::goldenCasesWith("image_encoder");
    REQUIRE_FALSE(cases.empty());
    for (const auto& c : cases) {
        INFO(c.name());
        Engine engine;
        ModelSpec spec;
        spec.path = c.dir();
        const ModelInfo info = engine.loadModel(spec);
        CHECK(info.family == "sd-image-variations");
        CHECK_FALSE(info.usesPrompt);
        CHECK_FALSE(info.hasTextEncoder);
        CHECK(info.imageEncoderSize > 0);
        CHECK(info.parameterCounts.count("image_encoder") == 1);

        const RgbaImage img = test::discScene(57, 43);
        CHECK_THROWS_AS(engine.prepareImage(img, "a red ball"), InvalidRequest);
        engine.prepareImage(img);
        REQUIRE(engine.imagePrepared());
        const HeatMap h = engine.heatmap({19, 21});
        CHECK(h.width == img.width);

        EditRequest r;
        r.image = img;
        r.drags = {{{19, 21}, {30, 21}}};
        r.parameters.steps = 6;
        r.parameters.strength = 0.5;
        r.parameters.prompt = "a red ball";
        CHECK_THROWS_AS(engine.edit(r), InvalidRequest);
        r.parameters.prompt.clear();
        const EditResult a = engine.edit(r);
        CHECK(a.image.width == img.width);
        CHECK(a.image.height == img.height);
        CHECK(engine.edit(r).image.pixels == a.image.pixels);  // deterministic
        // The other transform conditions the UNet on another embedding of the same picture.
        r.parameters.imageTransform = "processor";
        const EditResult b = engine.edit(r);
        CHECK(b.image.width == img.width);
        CHECK(b.image.pixels != a.image.pixels);
        // ...and inverts the picture under that embedding: the engine must not answer from the
        // inversion it cached under the other transform (a fresh engine has nothing cached).
        Engine fresh;
        fresh.loadModel(spec);
        CHECK(fresh.edit(r).image.pixels == b.image.pixels);
    }
}

TEST_CASE("an image-variation model's heatmaps follow the image transform", "[engine][imgvar]") {
    for (const auto& c : test::goldenCasesWith("image_encoder")) {
        INFO(c.name());
        Engine engine;
        ModelSpec spec;
        spec.path = c.dir();
        engine.loadModel(spec);
        const RgbaImage img = test::discScene(57, 43);
        EditParameters modelcard, processor;
        processor.imageTransform = "processor";
        engine.prepareImage(img, modelcard);
        const HeatMap a = engine.heatmap({19, 21});
        engine.prepareImage(img);  // the default parameters' transform
        CHECK(engine.heatmap({19, 21}).values == a.values);
        engine.prepareImage(img, processor);
        const HeatMap b = engine.heatmap({19, 21});
        REQUIRE(b.values.size() == a.values.size());
        CHECK(b.values != a.values);
        processor.imageTransform = "bogus";
        CHECK_THROWS_AS(engine.prepareImage(img, processor), InvalidRequest);
    }
}
