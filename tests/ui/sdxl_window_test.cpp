// The window on the REAL engine with each golden SDXL model (issue 15's "an edit on tiny-sdxl runs
// through the GUI"): it loads as family sdxl, analyses the picture, takes a prompt and a working
// size, and Run gives what the facade gives headless for the saved project.
#include "support/catch_compat.h"

#include "ui/document.h"
#include "ui/engine_controller.h"
#include "ui/main_window.h"
#include "ui/parameter_panel.h"
#include "ui/side_panel.h"
#include "ui_test_support.h"

#include <QLineEdit>
#include <QSpinBox>

using namespace dragdiff::ui;
using namespace dragdiff::ui::test;

TEST_CASE("an SDXL model in the window: analysis, a prompt, an edit as headless", "[ui][real][sdxl]") {
    const QStringList models = sdxlModels();
    REQUIRE_FALSE(models.isEmpty());
    for (const QString& model : models) {
        INFO(model.toStdString());
        QTemporaryDir dir;
        MainWindow window(testOptions());  // the real engine
        showWindow(window);
        const dragdiff::ModelSpec spec = loadRealModel(window, model, writeTestImage(dir.path(), "picture.png", 64, 48), 60000);
        CHECK(window.engine()->modelInfo().family == "sdxl");
        auto* prompt = qobject_cast<QLineEdit*>(window.sidePanel()->parameters()->editor("prompt"));
        REQUIRE(prompt != nullptr);
        CHECK(prompt->isEnabled());  // both text encoders read it

        clickImage(window, QPointF(20, 24));
        clickImage(window, QPointF(34, 24));
        REQUIRE(window.document()->completePairCount() == 1);
        auto* steps = qobject_cast<QSpinBox*>(window.sidePanel()->parameters()->editor("steps"));
        REQUIRE(steps != nullptr);
        steps->setValue(4);
        // At a working size of its own (the size ids follow it), typed as a user would.
        auto* size = qobject_cast<QSpinBox*>(window.sidePanel()->parameters()->editor("working_size"));
        REQUIRE(size != nullptr);
        size->setValue(window.engine()->modelInfo().imageSize == 128 ? 192 : 128);
        REQUIRE(window.document()->parameters().workingSize == size->value());
        REQUIRE(waitFor([&] { return window.engine()->imageState() == EngineController::ImageState::Prepared; }, 60000));
        const QString project = dir.path() + "/edit.dragdiff.json";
        REQUIRE(window.saveProjectTo(project));
        const QImage before = window.document()->image();
        const QImage result = runEdit(window, 120000);
        REQUIRE(result.size() == before.size());
        CHECK(result != before);
        // The saved project through a fresh engine gives the same bytes.
        CHECK(headlessReplay(project, spec) == result);
    }
}
