// The feature-block editor offers only the loaded model's up-blocks: a higher block would be
// accepted by the panel and refused only when Run starts.
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
