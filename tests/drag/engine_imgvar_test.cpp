// The facade's Engine on each golden image-variation model (sd-image-variations): the picture is
// its own condition when features are prepared and when an edit runs, the transform parameter
// changes the condition, a prompt is refused, and an edit is deterministic.
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
    }
}
