// The window on the REAL engine with each golden image-variation model (sd-image-variations, the
// picture is its own condition): it loads and analyses the picture, the prompt field is off, the
// image transform re-analyses the picture (its heatmaps change), and Run gives what the facade
// gives headless for the saved project.
#include "support/catch_compat.h"

#include "dragdiff/dragdiff.h"
#include "dragdiff/edit_spec.h"
#include "ui/canvas.h"
#include "ui/document.h"
#include "ui/engine_controller.h"
#include "ui/image_convert.h"
#include "ui/main_actions.h"
#include "ui/main_window.h"
#include "ui/parameter_panel.h"
#include "ui/side_panel.h"
#include "ui_test_support.h"

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QLineEdit>
#include <QMouseEvent>
#include <QSignalSpy>
#include <QSpinBox>

using namespace dragdiff::ui;
using namespace dragdiff::ui::test;

namespace {

template <typename Editor>
Editor* editor(MainWindow& window, const char* key) {
    auto* e = qobject_cast<Editor*>(window.sidePanel()->parameters()->editor(key));
    REQUIRE(e != nullptr);
    return e;
}

QImage hoverHeatmap(MainWindow& window, QPointF imagePoint, const QImage& other = QImage()) {
    Canvas* canvas = window.canvas();
    canvas->clearHeatmap();
    const QPointF at = canvas->imageToWidget(imagePoint);
    QMouseEvent move(QEvent::MouseMove, at, canvas->mapToGlobal(at), Qt::NoButton, Qt::NoButton, Qt::NoModifier);
    QApplication::sendEvent(canvas, &move);
    REQUIRE(waitFor([&] { return !canvas->heatmap().isNull() && canvas->heatmap() != other; }, 30000));
    return canvas->heatmap();
}

}  // namespace

TEST_CASE("an image-variation model in the window: analysis, transform, an edit as headless", "[ui][real][imgvar]") {
    const QStringList models = imageVariationModels();
    REQUIRE_FALSE(models.isEmpty());
    for (const QString& model : models) {
        INFO(model.toStdString());
        QTemporaryDir dir;
        MainWindow window(testOptions());  // the real engine
        showWindow(window);
        const dragdiff::ModelSpec spec = loadRealModel(window, model, writeTestImage(dir.path(), "picture.png", 64, 48), 30000);
        EngineController* engine = window.engine();
        CHECK(engine->modelInfo().family == "sd-image-variations");
        CHECK_FALSE(editor<QLineEdit>(window, "prompt")->isEnabled());

        // The heatmap under the model card's transform (the default), then under the processor's:
        // choosing it re-analyses the picture, and the same point's heatmap changes.
        CHECK(window.document()->parameters().imageTransform == "modelcard");
        const QPointF handle(20, 24), target(34, 24);
        const QImage modelcard = hoverHeatmap(window, handle);
        QSignalSpy prepared(engine, &EngineController::imageStateChanged);
        editor<QComboBox>(window, "image_transform")->setCurrentText("processor");
        CHECK(window.document()->parameters().imageTransform == "processor");
        CHECK(engine->preparedConditioning().imageTransform == "processor");
        REQUIRE(waitFor([&] { return engine->imageState() == EngineController::ImageState::Prepared; }, 30000));
        CHECK(prepared.count() >= 2);  // preparing, prepared
        CHECK(hoverHeatmap(window, handle, modelcard) != modelcard);

        // One pair, a short schedule, Run.
        clickImage(window, handle);
        clickImage(window, target);
        REQUIRE(window.document()->completePairCount() == 1);
        editor<QSpinBox>(window, "steps")->setValue(6);
        const QString project = dir.path() + "/edit.dragdiff.json";
        REQUIRE(window.saveProjectTo(project));
        const QImage before = window.document()->image();
        const QImage result = runEdit(window, 60000);
        REQUIRE(result.size() == before.size());
        CHECK(result != before);

        // The saved project through a fresh engine (nothing cached) gives the same bytes: the window
        // conditioned the model on the picture with the chosen transform.
        CHECK(dragdiff::readEditSpec(project.toStdString()).parameters.imageTransform == "processor");
        CHECK(headlessReplay(project, spec) == result);
    }
}
