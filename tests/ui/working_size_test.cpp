// The working-size editor: 0 reads as the model's own size, and a typed size is committed once,
// when it is finished: every accepted size re-analyses the picture, so "768" must not first
// analyse it at 7 and 76 (refused) or "1536" at 153.
#include "support/catch_compat.h"

#include "ui/document.h"
#include "ui/engine_controller.h"
#include "ui/main_window.h"
#include "ui/parameter_panel.h"
#include "ui/side_panel.h"
#include "ui_test_support.h"

#include <QLineEdit>
#include <QSpinBox>
#include <QTest>

using namespace dragdiff::ui;
using namespace dragdiff::ui::test;

TEST_CASE("the working size is typed in one go and re-analyses the picture at that size", "[ui]") {
    PictureWindow w;
    w.loadModel();
    REQUIRE(waitFor([&] { return w.window->engine()->imageState() == EngineController::ImageState::Prepared; }));
    auto* box = qobject_cast<QSpinBox*>(w.window->sidePanel()->parameters()->editor("working_size"));
    REQUIRE(box != nullptr);
    CHECK(box->value() == 0);
    CHECK(box->text() == "model's own");
    const int prepared = w.backend->prepareCalls.load();

    box->setFocus();
    box->selectAll();
    QTest::keyClicks(box, "1536");
    CHECK(w.window->document()->parameters().workingSize == 0);  // not while typing
    QTest::keyClick(box, Qt::Key_Return);
    CHECK(w.window->document()->parameters().workingSize == 1536);
    REQUIRE(waitFor([&] { return w.window->engine()->imageState() == EngineController::ImageState::Prepared; }));
    CHECK(w.backend->prepareCalls.load() == prepared + 1);
    CHECK(w.backend->lastPrepared().workingSize == 1536);

    // The arrows go 0, 128, 256, ...: never through a size the engine refuses (1-127).
    box->setValue(0);
    box->stepBy(1);
    CHECK(box->value() == 128);
    CHECK(w.window->document()->parameters().workingSize == 128);
}
