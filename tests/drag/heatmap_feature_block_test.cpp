// The heatmap shows the features the edit will use: prepareImage took them from the model's default
// up-block whatever feature_block said, so the GUI's heatmap (and the bench's sheets) showed block
// 1 while the edit moved what block 0 or 2 found.
#include "support/catch.h"

#include "dragdiff/engine.h"
#include "support/test_support.h"

using namespace dragdiff;

namespace {

EditParameters block(int k) {
    EditParameters p;
    p.featureBlock = k;
    return p;
}

HeatMap heatmapAt(Engine& engine, const RgbaImage& image, int k) {
    engine.prepareImage(image, block(k));
    return engine.heatmap({80, 120}, block(k));
}

}  // namespace

TEST_CASE("the heatmap comes from the feature block the parameters name", "[engine]") {
    Engine engine;
    const ModelInfo info = engine.loadModel(ModelSpec());
    REQUIRE(info.upBlocks == 3);  // the embedded model; its default is block 1
    const RgbaImage image = test::discScene(256, 192);

    const HeatMap byDefault = heatmapAt(engine, image, -1);
    CHECK(heatmapAt(engine, image, 1).values == byDefault.values);
    const HeatMap first = heatmapAt(engine, image, 0), last = heatmapAt(engine, image, 2);
    CHECK(first.values != byDefault.values);
    CHECK(last.values != byDefault.values);
    CHECK(first.values != last.values);

    try {
        engine.prepareImage(image, block(3));
        FAIL("block 3 accepted");
    } catch (const InvalidRequest& e) {
        CHECK_THAT(std::string(e.what()), Catch::Contains("feature_block 3 does not exist: this UNet has 3 up-blocks"));
    }
    CHECK_FALSE(engine.imagePrepared());
}

TEST_CASE("a picture prepared for one feature block does not answer for another", "[parameters]") {
    CHECK(samePreparation(block(-1), block(-1)));
    CHECK_FALSE(samePreparation(block(-1), block(0)));
    EditParameters prompt = block(0);
    prompt.prompt = "a ball";
    CHECK_FALSE(samePreparation(block(0), prompt));
    EditParameters other = block(0);
    other.heatmapThreshold = 0.5;  // heatmap settings apply to the prepared features
    CHECK(samePreparation(block(0), other));
}
