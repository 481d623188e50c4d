// The engine worker plumbing: model-load failure, runs with streamed previews, cancellation,
// errors, undoable results, live heatmaps, and an event loop that never stalls during a run.
#include "support/catch_compat.h"

#include "ui/canvas.h"
#include "ui/document.h"
#include "ui/engine_controller.h"
#include "ui/engine_worker.h"
#include "ui/heatmap_worker.h"
#include "ui/main_actions.h"
#include "ui/message_banner.h"
#include "ui_test_support.h"

#include <QAction>
#include <QApplication>
#include <QMouseEvent>
#include <QElapsedTimer>
#include <QLabel>
#include <QStatusBar>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>
#include <QTimer>
#include <QUndoStack>

#include <limits>
#include <string>

using namespace dragdiff::ui;
using namespace dragdiff::ui::test;

namespace {

// A picture analysed by a loaded (fake) model, with one handle-target pair.
struct Fixture : PictureWindow {
    Fixture() {
        loadModel();
        addPair(QPointF(40, 40), QPointF(120, 90));
    }
};

}  // namespace

TEST_CASE("a model that fails to load shows an actionable error and the window stays usable", "[ui]") {
    QTemporaryDir dir;
    MainWindow window(testOptions());  // the real engine
    showWindow(window);
    REQUIRE(window.openFile(writeTestImage(dir.path())));
    dragdiff::ModelSpec spec;
    spec.path = (dir.path() + "/missing-model.safetensors").toStdString();
    window.engine()->loadModel(spec);
    REQUIRE(waitFor([&] { return window.engine()->modelState() == EngineController::ModelState::Failed; }));
    QApplication::processEvents();
    CHECK(window.banner()->isVisible());
    CHECK(window.banner()->kind() == MessageBanner::Kind::Error);
    CHECK(window.banner()->text().contains("missing-model.safetensors"));
    REQUIRE(window.banner()->actionButton()->isVisible());
    CHECK(window.banner()->actionButton()->text().contains("Embedded"));
    // Still usable: points, undo, and Run explains instead of failing.
    clickImage(window, QPointF(20, 20));
    clickImage(window, QPointF(60, 60));
    CHECK(window.document()->completePairCount() == 1);
    window.actions()->run->trigger();
    CHECK_FALSE(window.engine()->editRunning());
    CHECK(window.banner()->text().contains("No model"));
    window.actions()->undo->trigger();
    CHECK(window.document()->completePairCount() == 0);
    // The banner's way out loads a model that works (the embedded one), and the error goes.
    REQUIRE(window.banner()->actionButton()->isVisible());
    window.banner()->actionButton()->click();
    REQUIRE(waitFor([&] { return window.engine()->modelState() != EngineController::ModelState::Loading; }, 30000));
    CHECK(window.engine()->modelState() == EngineController::ModelState::Ready);
    REQUIRE(waitFor([&] { return window.engine()->imageState() == EngineController::ImageState::Prepared; }, 30000));
}

TEST_CASE("a run streams previews and its result is one undoable step", "[ui]") {
    Fixture f;
    f.backend->steps = 8;
    QSignalSpy progress(f.window->engine(), &EngineController::editProgress);
    QSignalSpy finished(f.window->engine(), &EngineController::editFinished);
    const QImage before = f.window->document()->image();
    const int undoCount = f.window->document()->undoStack()->count();
    f.window->actions()->run->trigger();
    REQUIRE(f.window->engine()->editRunning());
    CHECK(f.window->canvas()->busy());
    CHECK(f.window->actions()->cancel->isEnabled());
    REQUIRE(waitFor([&] { return f.window->canvas()->showingPreview(); }));
    REQUIRE(waitFor([&] { return finished.count() == 1; }));
    CHECK(progress.count() >= 1);
    CHECK_FALSE(f.window->canvas()->busy());
    CHECK_FALSE(f.window->canvas()->showingPreview());
    CHECK(f.window->document()->image() != before);
    CHECK(f.window->document()->undoStack()->count() == undoCount + 1);
    CHECK(f.window->document()->points().size() == 1);  // kept for another round
    CHECK(f.window->actions()->compare->isEnabled());
    f.window->document()->undoStack()->undo();
    CHECK(f.window->document()->image() == before);
}

TEST_CASE("cancel stops within a step and returns to the pre-run state", "[ui]") {
    Fixture f;
    f.backend->steps = 200;
    f.backend->stepMs = 20;
    QSignalSpy cancelled(f.window->engine(), &EngineController::editCancelled);
    const QImage before = f.window->document()->image();
    const int undoCount = f.window->document()->undoStack()->count();
    f.window->runEdit();
    REQUIRE(waitFor([&] { return f.backend->stepsRun.load() >= 3; }));
    QElapsedTimer clock;
    clock.start();
    f.window->actions()->cancel->trigger();
    REQUIRE(waitFor([&] { return cancelled.count() == 1; }));
    CHECK(clock.elapsed() < 500);
    CHECK(f.backend->stepsRun.load() < 200);
    CHECK_FALSE(f.window->engine()->editRunning());
    CHECK_FALSE(f.window->canvas()->busy());
    CHECK_FALSE(f.window->canvas()->showingPreview());
    CHECK(f.window->document()->image() == before);
    CHECK(f.window->document()->undoStack()->count() == undoCount);
    CHECK(f.window->actions()->run->isEnabled());
}

TEST_CASE("an engine failure during a run shows a message and nothing is lost", "[ui]") {
    Fixture f;
    f.backend->failEdit = true;
    QSignalSpy failed(f.window->engine(), &EngineController::editFailed);
    const QImage before = f.window->document()->image();
    f.window->runEdit();
    REQUIRE(waitFor([&] { return failed.count() == 1; }));
    CHECK(failed.at(0).at(0).toString().contains("out of memory"));
    CHECK(f.window->banner()->isVisible());
    CHECK(f.window->document()->image() == before);
    CHECK(f.window->document()->points().size() == 1);
    CHECK_FALSE(f.window->canvas()->busy());
}

namespace {
// Runs one edit while a 5 ms timer probes the event loop and the view zooms as a user would;
// returns the longest gap between two probe ticks.
qint64 longestStallDuringRun(Fixture& f) {
    QSignalSpy finished(f.window->engine(), &EngineController::editFinished);
    QElapsedTimer clock;
    qint64 last = 0, worst = 0;
    QTimer probe;
    probe.setInterval(5);
    QObject::connect(&probe, &QTimer::timeout, [&] {
        const qint64 now = clock.elapsed();
        worst = std::max(worst, now - last);
        last = now;
    });
    clock.start();
    probe.start();
    f.window->runEdit();
    int zooms = 0;
    while (finished.count() == 0 && clock.elapsed() < 10000) {
        QApplication::processEvents(QEventLoop::AllEvents, 5);
        if (clock.elapsed() / 100 > zooms) {
            ++zooms;
            f.window->canvas()->zoomBy(zooms % 2 ? 1.3 : 1 / 1.3, QPointF(200, 200));
            f.window->canvas()->repaint();
        }
    }
    probe.stop();
    REQUIRE(finished.count() == 1);
    return worst;
}
}  // namespace

TEST_CASE("the event loop never stalls more than 50 ms during a run", "[ui]") {
    Fixture f;
    f.backend->steps = 40;
    f.backend->stepMs = 25;
    // The machine is shared: one preempted tick can exceed 50 ms without any fault of ours. A
    // real stall (the UI waiting on the engine) happens on every run, so the best of three counts.
    qint64 best = std::numeric_limits<qint64>::max();
    std::string all;
    for (int attempt = 0; attempt < 3 && best > 50; ++attempt) {
        const qint64 worst = longestStallDuringRun(f);
        best = std::min(best, worst);
        all += std::to_string(worst) + " ms ";
    }
    INFO("longest stall per run: " << all);
    CHECK(best <= 50);
}

TEST_CASE("hover heatmaps are coalesced: only the newest point is computed", "[ui]") {
    Fixture f;
    QSignalSpy ready(f.window->engine(), &EngineController::heatmapReady);
    for (int i = 0; i < 50; ++i) f.window->engine()->requestHeatmap(QPointF(10 + i, 20), dragdiff::EditParameters());
    REQUIRE(waitFor([&] { return ready.count() >= 1 && ready.last().at(1).toPointF() == QPointF(59, 20); }, 3000));
    // 50 requests, each taking 15 ms: without coalescing all 50 would run.
    CHECK(f.backend->heatmapCalls.load() < 10);
    const QPointF last = ready.last().at(1).toPointF();
    CHECK(last == QPointF(59, 20));

    // Hovering with the point tool shows it on the canvas.
    Canvas* canvas = f.window->canvas();
    const QPointF at = canvas->imageToWidget(QPointF(100, 100));
    QMouseEvent move(QEvent::MouseMove, at, canvas->mapToGlobal(at), Qt::NoButton, Qt::NoButton, Qt::NoModifier);
    QApplication::sendEvent(canvas, &move);
    REQUIRE(waitFor([&] { return !canvas->heatmap().isNull(); }));
    CHECK(canvas->heatmap().size() == QSize(200, 150));
}

TEST_CASE("changing a heatmap parameter redraws the heatmap shown, without moving the mouse", "[ui]") {
    Fixture f;
    Canvas* canvas = f.window->canvas();
    const QPointF at = canvas->imageToWidget(QPointF(100, 100));
    QMouseEvent move(QEvent::MouseMove, at, canvas->mapToGlobal(at), Qt::NoButton, Qt::NoButton, Qt::NoModifier);
    QApplication::sendEvent(canvas, &move);
    REQUIRE(waitFor([&] { return !canvas->heatmap().isNull(); }));
    const int calls = f.backend->heatmapCalls.load();
    dragdiff::EditParameters p = f.window->document()->parameters();
    p.heatmapThreshold = 0.55;
    f.window->document()->setParameters(p);
    REQUIRE(waitFor([&] { return f.backend->heatmapCalls.load() > calls; }));
    CHECK(f.backend->lastHeatmapThreshold.load() == Approx(0.55));

    // Once the heatmap is cleared (the mouse left the picture, no pair selected), a change asks for none.
    canvas->setSelectedPair(-1);
    QEvent leave(QEvent::Leave);
    QApplication::sendEvent(canvas, &leave);
    REQUIRE(waitFor([&] { return canvas->heatmap().isNull(); }));
    const int after = f.backend->heatmapCalls.load();
    p.heatmapThreshold = 0.8;
    f.window->document()->setParameters(p);
    QTest::qWait(100);
    CHECK(f.backend->heatmapCalls.load() == after);
}

TEST_CASE("preparing a picture shows its stages in the progress bar, and a hover meanwhile is answered after", "[ui]") {
    QTemporaryDir dir;
    auto backend = std::make_shared<FakeBackend>();
    backend->prepareStageMs = 150;
    MainWindow window(testOptions(backend));
    showWindow(window);
    window.engine()->loadModel(dragdiff::ModelSpec{});
    REQUIRE(waitFor([&] { return window.engine()->modelState() == EngineController::ModelState::Ready; }));
    QSignalSpy stages(window.engine(), &EngineController::prepareProgress);
    REQUIRE(window.openFile(writeTestImage(dir.path())));
    CHECK(window.engine()->imageState() == EngineController::ImageState::Preparing);
    REQUIRE(waitFor([&] { return window.progressBar()->format().contains("1/3"); }, 3000));
    CHECK(window.progressBar()->isVisible());
    CHECK(window.progressBar()->maximum() == 3);
    CHECK(window.progressBar()->value() == 1);

    // Hovering while the picture is analysed: no heatmap yet, then the newest point's.
    Canvas* canvas = window.canvas();
    const QPointF at = canvas->imageToWidget(QPointF(60, 70));
    QMouseEvent move(QEvent::MouseMove, at, canvas->mapToGlobal(at), Qt::NoButton, Qt::NoButton, Qt::NoModifier);
    QApplication::sendEvent(canvas, &move);
    CHECK(canvas->heatmap().isNull());
    REQUIRE(waitFor([&] { return window.engine()->imageState() == EngineController::ImageState::Prepared; }, 3000));
    REQUIRE(waitFor([&] { return !canvas->heatmap().isNull(); }, 3000));
    CHECK_FALSE(window.progressBar()->isVisible());
    REQUIRE(stages.count() >= 4);
    CHECK(stages.first().at(0).toInt() == 0);
    CHECK(stages.last().at(0).toInt() == 3);
}

TEST_CASE("the progress bar shows a model load that waited behind an edit", "[ui]") {
    Fixture f;
    f.backend->steps = 30;
    f.backend->stepMs = 20;
    QSignalSpy finished(f.window->engine(), &EngineController::editFinished);
    f.window->runEdit();
    REQUIRE(waitFor([&] { return f.backend->stepsRun.load() >= 2; }));
    f.window->engine()->loadModel(dragdiff::ModelSpec{});  // runs on the worker after the edit
    // Right after the window has taken the result, the load is still to come: it shows.
    bool shownAfterEdit = false;
    QString format;
    QObject::connect(f.window->engine(), &EngineController::editFinished, f.window.get(), [&] {
        shownAfterEdit = f.window->progressBar()->isVisibleTo(f.window.get());
        format = f.window->progressBar()->format();
    });
    REQUIRE(waitFor([&] { return finished.count() == 1; }));
    CHECK(shownAfterEdit);
    CHECK(format.contains("Loading"));
    REQUIRE(waitFor([&] { return f.window->engine()->imageState() == EngineController::ImageState::Prepared; }));
    QApplication::processEvents();
    CHECK_FALSE(f.window->progressBar()->isVisible());
}

TEST_CASE("with a mask the run preview shows only inside it, and the mask overlay can be hidden", "[ui]") {
    Fixture f;
    f.backend->steps = 60;
    f.backend->stepMs = 20;
    Document* doc = f.window->document();
    doc->beginMaskStroke(false);
    doc->strokeMaskSegment(QPointF(30, 30), QPointF(60, 30), 20);
    doc->endMaskStroke();
    f.window->runEdit();
    Canvas* canvas = f.window->canvas();
    REQUIRE(waitFor([&] { return canvas->showingPreview(); }));
    const QImage preview = canvas->preview();
    REQUIRE(preview.size() == QSize(200, 150));  // the fake's preview is at full size
    CHECK(qAlpha(preview.pixel(45, 30)) == 255);  // inside the stroke
    CHECK(qAlpha(preview.pixel(150, 120)) == 0);  // outside: the original shows through
    f.window->cancelEdit();
    REQUIRE(waitFor([&] { return !f.window->engine()->editRunning(); }));

    CHECK(canvas->maskVisible());
    f.window->actions()->toggleMask->trigger();
    CHECK_FALSE(canvas->maskVisible());
    CHECK(doc->hasMask());  // hiding is a view matter
    f.window->actions()->brushTool->trigger();  // painting shows it again
    CHECK(canvas->maskVisible());
}

TEST_CASE("the message about an applied edit survives the analysis of the result", "[ui]") {
    Fixture f;
    f.backend->steps = 3;
    f.backend->prepareStageMs = 30;
    QSignalSpy finished(f.window->engine(), &EngineController::editFinished);
    f.window->runEdit();
    REQUIRE(waitFor([&] { return finished.count() == 1; }));
    REQUIRE(waitFor([&] { return f.window->engine()->imageState() == EngineController::ImageState::Prepared; }));
    QApplication::processEvents();
    const auto labels = f.window->statusBar()->findChildren<QLabel*>();
    bool found = false;
    for (QLabel* l : labels) found = found || l->text().startsWith("Edit applied");
    CHECK(found);
}
