// The window on the REAL engine with each golden SDXL model (issue 15's "an edit on tiny-sdxl runs
// through the GUI"): it loads as family sdxl, analyses the picture, takes a prompt, and Run gives
// what the facade gives headless for the saved project.
#include "support/catch_compat.h"

#include "dragdiff/dragdiff.h"
#include "dragdiff/edit_spec.h"
#include "ui/document.h"
#include "ui/engine_controller.h"
#include "ui/image_convert.h"
#include "ui/main_actions.h"
#include "ui/main_window.h"
#include "ui/parameter_panel.h"
#include "ui/side_panel.h"
#include "ui_test_support.h"

#include <QAction>
#include <QLineEdit>
#include <QSignalSpy>
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
        dragdiff::ModelSpec spec;
        spec.path = model.toStdString();
        window.engine()->loadModel(spec);
        REQUIRE(window.openFile(writeTestImage(dir.path(), "picture.png", 64, 48)));
        EngineController* engine = window.engine();
        REQUIRE(waitFor([&] { return engine->modelState() != EngineController::ModelState::Loading; }, 60000));
        INFO(engine->modelError().toStdString());
        REQUIRE(engine->modelState() == EngineController::ModelState::Ready);
        CHECK(engine->modelInfo().family == "sdxl");
        REQUIRE(waitFor([&] { return engine->imageState() == EngineController::ImageState::Prepared; }, 60000));
        auto* prompt = qobject_cast<QLineEdit*>(window.sidePanel()->parameters()->editor("prompt"));
        REQUIRE(prompt != nullptr);
        CHECK(prompt->isEnabled());  // both text encoders read it

        clickImage(window, QPointF(20, 24));
        clickImage(window, QPointF(34, 24));
        REQUIRE(window.document()->completePairCount() == 1);
        auto* steps = qobject_cast<QSpinBox*>(window.sidePanel()->parameters()->editor("steps"));
        REQUIRE(steps != nullptr);
        steps->setValue(4);
        const QString project = dir.path() + "/edit.dragdiff.json";
        REQUIRE(window.saveProjectTo(project));
        const QImage before = window.document()->image();
        QSignalSpy finished(engine, &EngineController::editFinished);
        QSignalSpy failed(engine, &EngineController::editFailed);
        window.actions()->run->trigger();
        REQUIRE(waitFor([&] { return finished.count() + failed.count() > 0; }, 120000));
        INFO("failure: " << (failed.isEmpty() ? std::string() : failed.first().at(0).toString().toStdString()));
        REQUIRE(finished.count() == 1);
        const QImage result = window.document()->image();
        REQUIRE(result.size() == before.size());
        CHECK(result != before);

        // The saved project through a fresh engine gives the same bytes.
        const dragdiff::EditSpec saved = dragdiff::readEditSpec(project.toStdString());
        dragdiff::EditRequest request;
        request.image = dragdiff::loadImage(saved.imagePath);
        request.drags = saved.drags;
        request.parameters = saved.parameters;
        dragdiff::Engine headless;
        headless.loadModel(spec);
        CHECK(toQImage(headless.edit(request).image) == result);
    }
}
