// The window on the REAL engine and the embedded model (weights/embedded), end to end as an
// artist uses it: open the sample, watch the picture being analysed, hover for a heatmap, place a
// drag, paint a mask, set the steps in the parameter panel, run, see progress and previews stream
// in, get the result as one undoable step, export it, and replay the saved project headless (the
// CLI's path through the facade) to the very same bytes. A second case cancels a real run.
#include "support/catch_compat.h"

#include "dragdiff/dragdiff.h"
#include "dragdiff/edit_spec.h"
#include "ui/canvas.h"
#include "ui/document.h"
#include "ui/engine_controller.h"
#include "ui/image_convert.h"
#include "ui/main_actions.h"
#include "ui/main_window.h"
#include "ui/mask_brush_tool.h"
#include "ui/message_banner.h"
#include "ui/parameter_panel.h"
#include "ui/side_panel.h"
#include "ui_test_support.h"

#include <QAction>
#include <QApplication>
#include <QElapsedTimer>
#include <QLineEdit>
#include <QMouseEvent>
#include <QProgressBar>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTimer>
#include <QUndoStack>

using namespace dragdiff::ui;
using namespace dragdiff::ui::test;

namespace {

// The sample's red ball and a spot up the grass to drag it to (picture pixels, 256 x 256).
const QPointF kBall(76, 196);
const QPointF kBallTarget(112, 172);

// A window on the real engine with the embedded model loaded and the sample analysed.
void openSampleOnEmbeddedModel(MainWindow& window, QSignalSpy& prepareProgress) {
    showWindow(window);
    window.engine()->loadModel(dragdiff::ModelSpec{});  // "embedded"
    REQUIRE(window.openSample());
    REQUIRE(waitFor([&] { return window.engine()->modelState() != EngineController::ModelState::Loading; }, 30000));
    INFO(window.engine()->modelError().toStdString());
    REQUIRE(window.engine()->modelState() == EngineController::ModelState::Ready);
    CHECK(window.engine()->modelInfo().family == "embedded");
    REQUIRE(waitFor([&] { return window.engine()->imageState() == EngineController::ImageState::Prepared; }, 30000));
    QApplication::processEvents();
    CHECK_FALSE(window.progressBar()->isVisible());  // the analysis progress is gone once done
    REQUIRE(prepareProgress.count() >= 1);
    CHECK(prepareProgress.last().at(1).toInt() > 0);
    CHECK(prepareProgress.last().at(0).toInt() == prepareProgress.last().at(1).toInt());
}

void setSteps(MainWindow& window, int steps) {
    auto* box = qobject_cast<QSpinBox*>(window.sidePanel()->parameters()->editor("steps"));
    REQUIRE(box != nullptr);
    box->setValue(steps);
    REQUIRE(window.document()->parameters().steps == steps);
}

}  // namespace

TEST_CASE("a real edit on the embedded model: previews, progress, undoable result, export, headless replay",
          "[ui][real]") {
    QTemporaryDir dir;
    MainWindow window(testOptions());  // no backend given: the real engine
    QSignalSpy prepareProgress(window.engine(), &EngineController::prepareProgress);
    openSampleOnEmbeddedModel(window, prepareProgress);
    Document* doc = window.document();
    Canvas* canvas = window.canvas();
    const QImage before = doc->image();
    REQUIRE(before.size() == QSize(256, 256));
    // The embedded model has no text encoder: its prompt field is off, saying why.
    auto* prompt = qobject_cast<QLineEdit*>(window.sidePanel()->parameters()->editor("prompt"));
    REQUIRE(prompt != nullptr);
    CHECK_FALSE(prompt->isEnabled());
    CHECK(prompt->placeholderText().contains("not used"));

    // Hovering the ball with the point tool shows its heatmap, computed by the engine.
    const QPointF at = canvas->imageToWidget(kBall);
    QMouseEvent move(QEvent::MouseMove, at, canvas->mapToGlobal(at), Qt::NoButton, Qt::NoButton, Qt::NoModifier);
    QElapsedTimer hoverClock;
    hoverClock.start();
    QApplication::sendEvent(canvas, &move);
    REQUIRE(waitFor([&] { return !canvas->heatmap().isNull(); }, 10000));
    WARN("hover to heatmap on the canvas: " << hoverClock.elapsed() << " ms");
    CHECK(canvas->heatmap().size() == before.size());
    CHECK(canvas->heatmap().pixel(int(kBall.x()), int(kBall.y())) != canvas->heatmap().pixel(250, 5));

    // The drag, a mask around the ball and its destination, a short schedule.
    clickImage(window, kBall);
    clickImage(window, kBallTarget);
    REQUIRE(doc->completePairCount() == 1);
    window.actions()->brushTool->trigger();
    window.sidePanel()->brushSize()->setValue(70);
    dragImage(window, QPointF(70, 200), QPointF(115, 170));
    REQUIRE(doc->hasMask());
    window.actions()->pointTool->trigger();
    setSteps(window, 10);

    // Saved before the run: the project replays the same edit headless below.
    const QString project = dir.path() + "/ball.dragdiff.json";
    REQUIRE(window.saveProjectTo(project));

    QSignalSpy progress(window.engine(), &EngineController::editProgress);
    QSignalSpy finished(window.engine(), &EngineController::editFinished);
    QSignalSpy failed(window.engine(), &EngineController::editFailed);
    const int undoCount = doc->undoStack()->count();
    QElapsedTimer clock;
    qint64 lastTick = 0, longestStall = 0;
    QTimer probe;  // the event loop's longest gap while the real engine works (reported, see engine_test)
    probe.setInterval(5);
    QObject::connect(&probe, &QTimer::timeout, [&] {
        longestStall = std::max(longestStall, clock.elapsed() - lastTick);
        lastTick = clock.elapsed();
    });
    clock.start();
    probe.start();
    window.actions()->run->trigger();
    REQUIRE(window.engine()->editRunning());
    bool sawPreview = false, sawStepText = false;
    REQUIRE(waitFor([&] {
        sawPreview = sawPreview || canvas->showingPreview();
        sawStepText = sawStepText || (window.progressBar()->isVisible() &&
                                      QRegularExpression("^(Inversion|Editing) \\d+/\\d+").match(window.progressBar()->format()).hasMatch());
        return finished.count() + failed.count() > 0;
    }, 60000));
    INFO("failure: " << (failed.isEmpty() ? std::string() : failed.first().at(0).toString().toStdString()));
    probe.stop();
    REQUIRE(finished.count() == 1);
    WARN("real edit in the window: " << clock.elapsed() << " ms, " << progress.count()
                                      << " progress updates, longest event-loop stall " << longestStall << " ms");

    // Progress and previews arrived while it ran.
    CHECK(sawPreview);
    CHECK(sawStepText);
    bool previewWithCentroid = false;
    QStringList phases;
    for (const QList<QVariant>& args : progress) {
        const auto u = args.at(0).value<EditUpdate>();
        if (!phases.contains(u.phase)) phases << u.phase;
        if (u.phase == "editing" && !u.preview.isNull() && u.centroids.size() == 1) previewWithCentroid = true;
    }
    INFO("phases: " << phases.join(", ").toStdString());
    // The picture was inverted in the background once the 10 steps were set (the engine thread
    // did it before the run): the run started denoising at once, and says so.
    CHECK_FALSE(phases.contains("inversion"));
    CHECK(phases.contains("editing"));
    CHECK(finished.first().at(0).value<EditOutcome>().inversionCached);
    CHECK(window.engine()->inversionParameters().steps == 10);
    CHECK(previewWithCentroid);
    CHECK_FALSE(canvas->busy());
    CHECK_FALSE(canvas->showingPreview());

    // The result is the picture now, at full resolution, changed only inside the mask.
    const QImage result = doc->image();
    REQUIRE(result.size() == before.size());
    CHECK(result != before);
    const dragdiff::Mask mask = toMask(doc->mask());
    int changedOutside = 0, changedInside = 0;
    for (int y = 0; y < result.height(); ++y)
        for (int x = 0; x < result.width(); ++x) {
            const bool differs = result.pixel(x, y) != before.pixel(x, y);
            if (mask.values[size_t(y) * mask.width + x]) changedInside += differs;
            else changedOutside += differs;
        }
    CHECK(changedOutside == 0);
    CHECK(changedInside > 0);
    CHECK(doc->undoStack()->count() == undoCount + 1);
    CHECK(doc->completePairCount() == 1);  // kept for another round
    CHECK(window.actions()->compare->isEnabled());

    // Undo and redo the edit.
    window.actions()->undo->trigger();
    CHECK(doc->image() == before);
    window.actions()->redo->trigger();
    CHECK(doc->image() == result);

    // Export, read back through the core.
    const QString exported = dir.path() + "/ball-edited.png";
    REQUIRE(window.exportTo(exported));
    CHECK(toQImage(dragdiff::loadImage(exported.toStdString())) == result);

    // The saved project, replayed as `dragdiff-cli edit --spec` does (a fresh engine: encoding and
    // inversion computed, not cached), gives the same bytes.
    const dragdiff::EditSpec spec = dragdiff::readEditSpec(project.toStdString());
    dragdiff::EditRequest request;
    request.image = dragdiff::loadImage(spec.imagePath);
    request.drags = spec.drags;
    request.mask = dragdiff::loadMask(spec.maskPath);
    request.parameters = spec.parameters;
    CHECK(request.parameters.steps == 10);
    dragdiff::Engine headless;
    headless.loadModel(dragdiff::ModelSpec{});
    const dragdiff::EditResult replay = headless.edit(request);
    CHECK(toQImage(replay.image) == result);
}

TEST_CASE("cancelling a real run returns the window to where it was", "[ui][real]") {
    MainWindow window(testOptions());
    QSignalSpy prepareProgress(window.engine(), &EngineController::prepareProgress);
    openSampleOnEmbeddedModel(window, prepareProgress);
    Document* doc = window.document();
    clickImage(window, kBall);
    clickImage(window, kBallTarget);
    setSteps(window, 200);  // long enough that the cancel lands mid-run
    const QImage before = doc->image();
    const int undoCount = doc->undoStack()->count();
    QSignalSpy progress(window.engine(), &EngineController::editProgress);
    QSignalSpy cancelled(window.engine(), &EngineController::editCancelled);
    QSignalSpy finished(window.engine(), &EngineController::editFinished);
    window.runEdit();
    REQUIRE(waitFor([&] { return progress.count() >= 2; }, 30000));
    QElapsedTimer clock;
    clock.start();
    window.actions()->cancel->trigger();
    REQUIRE(waitFor([&] { return cancelled.count() + finished.count() > 0; }, 30000));
    REQUIRE(cancelled.count() == 1);
    WARN("cancel took " << clock.elapsed() << " ms");
    CHECK(clock.elapsed() < 3000);
    CHECK_FALSE(window.engine()->editRunning());
    CHECK_FALSE(window.canvas()->busy());
    CHECK_FALSE(window.canvas()->showingPreview());
    CHECK(doc->image() == before);
    CHECK(doc->undoStack()->count() == undoCount);
    CHECK(doc->completePairCount() == 1);
    CHECK(window.actions()->run->isEnabled());
    // The engine is usable again: a short run completes.
    setSteps(window, 6);
    window.runEdit();
    REQUIRE(waitFor([&] { return finished.count() == 1; }, 60000));
    CHECK(doc->image() != before);
}
