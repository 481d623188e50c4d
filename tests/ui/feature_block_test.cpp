// The feature-block editor offers only the loaded model's up-blocks: a higher block would be
// accepted by the panel and refused only when Run starts. Choosing one re-analyses the picture
// (the heatmap showed the default block's features whatever was chosen).
#include "support/catch_compat.h"

#include "ui/document.h"
#include "ui/engine_controller.h"
#include "ui/main_window.h"
#include "ui/parameter_panel.h"
#include "ui/side_panel.h"
#include "ui_test_support.h"

#include <QSpinBox>

using namespace dragdiff::ui;
using namespace dragdiff::ui::test;

TEST_CASE("the feature block is capped by the model's up-blocks", "[ui]") {
    auto backend = std::make_shared<FakeBackend>();
    backend->upBlocks = 3;
    PictureWindow w(backend);
    auto* block = qobject_cast<QSpinBox*>(w.window->sidePanel()->parameters()->editor("feature_block"));
    REQUIRE(block != nullptr);
    w.loadModel();
    CHECK(block->maximum() == 2);
    CHECK(block->minimum() == -1);  // the model's default
    block->setValue(7);
    CHECK(block->value() == 2);
    CHECK(w.window->document()->parameters().featureBlock == 2);

    // A model with more up-blocks lifts the cap.
    backend->upBlocks = 4;
    w.loadModel();
    CHECK(block->maximum() == 3);
}

TEST_CASE("choosing a feature block re-analyses the picture with it, so the heatmap shows what the edit uses", "[ui]") {
    auto backend = std::make_shared<FakeBackend>();
    backend->upBlocks = 4;
    PictureWindow w(backend);
    w.loadModel();
    const int prepared = backend->prepareCalls.load();
    CHECK(backend->lastPrepared().featureBlock == -1);
    auto* block = qobject_cast<QSpinBox*>(w.window->sidePanel()->parameters()->editor("feature_block"));
    REQUIRE(block != nullptr);
    block->setValue(1);
    REQUIRE(waitFor([&] { return w.window->engine()->imageState() == EngineController::ImageState::Prepared; }));
    CHECK(backend->prepareCalls.load() == prepared + 1);
    CHECK(backend->lastPrepared().featureBlock == 1);
    // The threshold only reshapes the heatmap of the same features: no new analysis.
    dragdiff::EditParameters p = w.window->document()->parameters();
    p.heatmapThreshold = 0.5;
    w.window->document()->setParameters(p);
    CHECK(backend->prepareCalls.load() == prepared + 1);
}
