// The working_size parameter: the long side the model works on the picture at (issue 15: SDXL's
// native 1024 traded for speed at 768). Features, warp previews, edit previews and the inversion
// cache all follow it; the result keeps the picture's own size.
#include "support/catch.h"

#include "dragdiff/engine.h"
#include "support/test_support.h"

using namespace dragdiff;

namespace {

constexpr int kWidth = 256, kHeight = 192;

EditParameters atSize(int workingSize) {
    EditParameters p;
    p.steps = 6;
    p.strength = 0.5;
    p.workingSize = workingSize;
    return p;
}

EditRequest dragOf(const RgbaImage& image, const EditParameters& parameters) {
    EditRequest r;
    r.image = image;
    r.drags = {{{80, 120}, {120, 120}, DragMode::Move}};
    r.parameters = parameters;
    return r;
}

}  // namespace

TEST_CASE("working_size: 0 or 128..4096 pixels, and it changes what conditions the features", "[parameters]") {
    EditParameters p;
    CHECK(p.workingSize == 0);
    setParameter(p, "working_size", "768");
    CHECK(p.workingSize == 768);
    CHECK(getParameter(p, "working_size") == "768");
    setParameter(p, "working_size", "0");
    CHECK(p.workingSize == 0);
    for (const char* bad : {"100", "-64", "5000", "768px"}) {
        INFO(bad);
        try {
            setParameter(p, "working_size", bad);
            FAIL("accepted");
        } catch (const InvalidRequest& e) {
            CHECK_THAT(std::string(e.what()), Catch::Contains("0 (the model's own size) or a whole number of pixels from 128"));
        }
    }
    CHECK(p.workingSize == 0);
    p.workingSize = 50;
    CHECK_THROWS_AS(validateParameters(p), InvalidRequest);

    EditParameters a, b;
    b.workingSize = 768;
    CHECK_FALSE(sameConditioning(a, b));
}

TEST_CASE("an edit at another working size: features, previews and inversion at that size, the result at the picture's",
          "[engine][drag]") {
    Engine engine;
    const ModelInfo info = engine.loadModel(ModelSpec());
    REQUIRE(info.imageSize == 64);  // the embedded model's own size: 128 is twice it
    const RgbaImage image = test::discScene(kWidth, kHeight);

    const std::vector<DragPair> pair = dragOf(image, atSize(0)).drags;
    engine.prepareImage(image, atSize(0));
    CHECK(engine.warpPreview(pair, Mask(), atSize(0)).image.width == 64);
    engine.prepareImage(image, atSize(128));
    const WarpPreview warp = engine.warpPreview(pair, Mask(), atSize(128));
    CHECK(warp.image.width == 128);
    CHECK(warp.image.height == 96);
    const HeatMap heat = engine.heatmap({80, 120}, atSize(128));
    CHECK(heat.width == kWidth);  // heatmaps come back at the picture's size whatever the working size
    CHECK(heat.height == kHeight);

    // At 6 steps and strength 0.5 the heatmaps' step is the start step: preparing the picture
    // inverted it all the way already.
    CHECK_FALSE(engine.prepareInversion(image, atSize(128)));
    int previewWidth = 0, previewHeight = 0;
    const EditResult big = engine.edit(dragOf(image, atSize(128)), [&](const EditProgress& e) {
        if (!e.preview.empty()) previewWidth = e.preview.width, previewHeight = e.preview.height;
    });
    CHECK(big.counts.at("inversion_cached") == 1);  // the inversion made at 128 px
    CHECK(previewWidth == 128);
    CHECK(previewHeight == 96);
    CHECK(big.image.width == kWidth);
    CHECK(big.image.height == kHeight);
    CHECK(big.parameters.workingSize == 128);

    // The native size is another picture for the cache (inverted when it was prepared above), and
    // a different edit.
    const EditResult native = engine.edit(dragOf(image, atSize(0)));
    CHECK(native.counts.at("inversion_cached") == 1);
    CHECK(native.image.width == kWidth);
    CHECK(native.image.pixels != big.image.pixels);
}
