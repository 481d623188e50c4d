// Live drag through the real window: L turns it on (and is remembered), the edit follows a target
// dragged with real mouse events, stale requests are dropped or cancelled, the document is
// unchanged until Run, Run makes the full-quality edit as one undo step, a model too slow for it
// shows the warp preview and says why. First on the scripted engine, then on the embedded model
// (how fast the answer comes after the mouse stops, how long the UI thread is ever held).
#include "support/catch_compat.h"

#include "ui/canvas.h"
#include "ui/document.h"
#include "ui/engine_controller.h"
#include "ui/live_drag.h"
#include "ui/live_edit_worker.h"
#include "ui/main_actions.h"
#include "ui/settings_store.h"
#include "ui_test_support.h"

#include <QAction>
#include <QApplication>
#include <QElapsedTimer>
#include <QMouseEvent>
#include <QTest>
#include <QTimer>
#include <QUndoStack>

#include <algorithm>
#include <cstdio>

using namespace dragdiff;
using namespace dragdiff::ui;
using namespace dragdiff::ui::test;

namespace {

bool liveUpToDate(MainWindow& window) {
    const LiveDrag* live = window.liveDrag();
    return live->lastRequest() > 0 && live->lastShown() == live->lastRequest() && window.canvas()->showingLive();
}

// The longest gap between two runs of a 5 ms timer on the UI thread since it was made: how long
// the UI thread was held.
struct StallMeter {
    QTimer timer;
    QElapsedTimer clock;
    qint64 last = 0;
    double worstMs = 0;
    StallMeter() {
        clock.start();
        timer.setInterval(5);
        QObject::connect(&timer, &QTimer::timeout, [this] {
            const qint64 now = clock.nsecsElapsed();
            worstMs = std::max(worstMs, (now - last) / 1e6);
            last = now;
        });
        timer.start();
    }
};

}  // namespace

TEST_CASE("L turns live drag on: the edit follows a dragged target, the document waits for Run", "[ui][live]") {
    PictureWindow w;
    w.loadModel();
    MainWindow& window = *w.window;
    Canvas* canvas = window.canvas();
    Document* doc = window.document();
    MainActions* a = window.actions();
    const QImage picture = doc->image().copy();
    const QPointF handle(50, 75), target(110, 75);
    w.addPair(handle, target);
    const int stepsBefore = doc->undoStack()->count();
    REQUIRE(waitFor([&] { return window.engine()->inversionState() == EngineController::InversionState::Ready; }));
    CHECK(w.backend->editCalls.load() == 0);  // off by default: nothing runs before Run

    window.activateWindow();
    REQUIRE(QTest::qWaitForWindowActive(&window));
    canvas->setFocus();
    QTest::keyClick(canvas, Qt::Key_L);
    REQUIRE(a->liveDrag->isChecked());
    CHECK(settings::value("view/liveDrag").toBool());
    REQUIRE(waitFor([&] { return liveUpToDate(window); }));
    // The live edit is the document's edit with guidance off and no previews.
    CHECK(w.backend->lastEditDrags().at(0).target.x == Approx(target.x()).margin(0.5));
    CHECK(w.backend->lastEditParameters().guidanceWeight == 0);
    CHECK(w.backend->lastEditParameters().previewEvery == 0);
    CHECK(w.backend->lastEditParameters().steps == doc->parameters().steps);
    // The fake edit inverts red: that is what the canvas shows, not the picture.
    CHECK(canvas->liveResult().pixelColor(20, 20).red() == 255 - picture.pixelColor(20, 20).red());
    CHECK(doc->image() == picture);

    // A slow edit (10 steps of 40 ms) and twenty mouse moves faster than it answers: the UI thread
    // is never held, stale requests are dropped or cancelled, and the newest position is shown.
    w.backend->stepMs = 40;
    const int callsBefore = w.backend->editCalls.load();
    LiveEditWorker* worker = window.engine()->liveWorker();
    const int staleBefore = worker->droppedCount() + worker->cancelledCount();
    QElapsedTimer input;
    input.start();
    sendMouse(canvas, QEvent::MouseButtonPress, canvas->imageToWidget(target), Qt::LeftButton, Qt::LeftButton);
    for (int i = 1; i <= 20; ++i) {
        sendMouse(canvas, QEvent::MouseMove, canvas->imageToWidget(target + QPointF(i * 2, i)), Qt::NoButton,
                  Qt::LeftButton);
        QTest::qWait(10);
        CHECK_FALSE(canvas->showingLive());  // a result for an older position is never shown
    }
    const QPointF last = target + QPointF(40, 20);
    sendMouse(canvas, QEvent::MouseButtonRelease, canvas->imageToWidget(last), Qt::LeftButton, Qt::NoButton);
    CHECK(input.elapsed() < 20 * 10 + 400);  // 20 edits of 400 ms were not waited for
    QElapsedTimer answer;
    answer.start();
    REQUIRE(waitFor([&] { return liveUpToDate(window); }));
    std::printf("live drag (scripted engine, 400 ms edits): shown %.0f ms after the mouse was released; "
                "%d edits started for 21 changes, %d stale dropped or cancelled\n",
                static_cast<double>(answer.elapsed()), w.backend->editCalls.load() - callsBefore,
                worker->droppedCount() + worker->cancelledCount() - staleBefore);
    CHECK(answer.elapsed() < 400 * 2 + 600);  // one cancelled step and one whole edit, with room for load
    CHECK(w.backend->editCalls.load() - callsBefore < 21);
    CHECK(worker->droppedCount() + worker->cancelledCount() > staleBefore);
    CHECK(w.backend->lastEditDrags().at(0).target.x == Approx(last.x()).margin(0.5));
    CHECK(w.backend->lastEditDrags().at(0).target.y == Approx(last.y()).margin(0.5));
    // Released: the last result stays; the document is as it was but for the drag's undo step.
    QTest::qWait(100);
    CHECK(canvas->showingLive());
    CHECK(doc->image() == picture);
    CHECK(doc->undoStack()->count() == stepsBefore + 1);

    // Compare shows the live result against the picture.
    REQUIRE(a->compare->isEnabled());

    // A target dragged onto its handle: no edit is asked (the engine would refuse it), the status
    // bar says why, and the result comes back once the target moves off.
    {
        DragPoints onHandle = doc->points();
        onHandle[0].target = onHandle[0].handle;
        const int callsNow = w.backend->editCalls.load();
        doc->changePoints(onHandle, "test");
        QTest::qWait(100);
        CHECK(w.backend->editCalls.load() == callsNow);
        CHECK(window.liveDrag()->statusText().contains("target is on its handle"));
        CHECK_FALSE(canvas->showingLive());
        doc->undoStack()->undo();
        REQUIRE(waitFor([&] { return liveUpToDate(window); }));
    }

    // Turning live off while an edit runs cancels it; the picture is shown again.
    w.backend->stepMs = 100;
    const int stepsRunBefore = w.backend->stepsRun.load();
    const int cancelledBefore = worker->cancelledCount();
    doc->setDragMode(0, DragMode::Move);  // a change: a new live edit starts
    REQUIRE(waitFor([&] { return w.backend->stepsRun.load() > stepsRunBefore; }));
    a->liveDrag->setChecked(false);
    REQUIRE(waitFor([&] { return worker->cancelledCount() > cancelledBefore; }));
    CHECK_FALSE(canvas->showingLive());
    CHECK_FALSE(settings::value("view/liveDrag").toBool());
    CHECK(doc->image() == picture);

    // Run, with live on again: the full edit (guidance as set), one undo step; the live result
    // goes with the old picture.
    w.backend->stepMs = 5;
    EditParameters guided = doc->parameters();
    guided.guidanceWeight = 100;  // off by default; Run must keep what the user set
    doc->setParameters(guided);
    a->liveDrag->setChecked(true);
    REQUIRE(waitFor([&] { return liveUpToDate(window); }));
    const int undoBeforeRun = doc->undoStack()->count();
    window.runEdit();
    REQUIRE(waitFor([&] { return !window.engine()->editRunning() && doc->image() != picture; }));
    CHECK(w.backend->lastEditParameters().guidanceWeight == 100);
    CHECK(doc->undoStack()->count() == undoBeforeRun + 1);
    CHECK_FALSE(canvas->showingLive());
    // The kept pairs are not dragged again over the result until they change.
    const int editsAfterRun = w.backend->editCalls.load();
    QTest::qWait(300);
    CHECK(w.backend->editCalls.load() == editsAfterRun);

    // The setting is remembered: a new window starts in live mode.
    PictureWindow second;
    CHECK(second.window->actions()->liveDrag->isChecked());
    second.window->actions()->liveDrag->setChecked(false);
}

TEST_CASE("a model too slow for live drag shows the warp preview and says why", "[ui][live]") {
    auto backend = std::make_shared<FakeBackend>();
    backend->inversionStageMs = 500;  // a 2.5 s inversion: a live edit would take as long
    PictureWindow w(backend);
    w.loadModel();
    MainWindow& window = *w.window;
    w.addPair(QPointF(50, 75), QPointF(110, 75));
    window.actions()->liveDrag->setChecked(true);
    REQUIRE(waitFor([&] { return window.engine()->inversionState() == EngineController::InversionState::Ready; }, 10000));
    REQUIRE(waitFor([&] { return window.canvas()->showingWarp(); }));
    CHECK(window.liveDrag()->tooSlow());
    CHECK(window.liveDrag()->statusText().contains("Live drag is off for this model"));
    QTest::qWait(200);
    CHECK(backend->editCalls.load() == 0);
    CHECK_FALSE(window.canvas()->showingLive());
    window.actions()->liveDrag->setChecked(false);
}

TEST_CASE("live drag on the embedded model: the ball follows the target, within a second of the mouse stopping",
          "[ui][live][real]") {
    PictureWindow w(nullptr);  // the real engine
    MainWindow& window = *w.window;
    REQUIRE(window.openSample());
    window.engine()->loadModel(ModelSpec{});
    REQUIRE(waitFor([&] { return window.engine()->inversionState() == EngineController::InversionState::Ready; }, 60000));
    Canvas* canvas = window.canvas();
    Document* doc = window.document();
    const QImage picture = doc->image().copy();
    window.actions()->toggleHeatmap->setChecked(false);
    window.actions()->liveDrag->setChecked(true);
    // The sample's red ball, dragged up the grass, as a move.
    const QPointF ball(76, 196), target(112, 172);
    w.addPair(ball, target);
    doc->setDragMode(0, DragMode::Move);
    const int undoBefore = doc->undoStack()->count();
    REQUIRE(waitFor([&] { return liveUpToDate(window); }, 30000));
    const QImage first = canvas->liveResult().convertToFormat(QImage::Format_RGBA8888);
    REQUIRE(first.size() == picture.size());
    const QColor atTarget = first.pixelColor(target.toPoint());
    std::printf("embedded live edit: %.0f ms in the engine; colour at the target (%d, %d, %d)\n",
                window.liveDrag()->lastComputeMs(), atTarget.red(), atTarget.green(), atTarget.blue());
    CHECK(atTarget.red() > atTarget.green() + 40);  // the ball arrived
    CHECK(meanDifference(first, picture, QRect(0, 0, 60, 60)) < 4);  // the sky far away stayed

    // Drag the target on with real mouse moves, 30 ms apart; measure how long after the last one
    // the result for it is on the canvas, and the longest the UI thread was held meanwhile.
    StallMeter stalls;
    QPointF at = target;
    sendMouse(canvas, QEvent::MouseButtonPress, canvas->imageToWidget(at), Qt::LeftButton, Qt::LeftButton);
    for (int i = 1; i <= 12; ++i) {
        at = target + QPointF(2.0 * i, -1.0 * i);
        sendMouse(canvas, QEvent::MouseMove, canvas->imageToWidget(at), Qt::NoButton, Qt::LeftButton);
        QTest::qWait(30);
    }
    QElapsedTimer sinceLastMove;
    sinceLastMove.start();
    sendMouse(canvas, QEvent::MouseButtonRelease, canvas->imageToWidget(at), Qt::LeftButton, Qt::NoButton);
    REQUIRE(waitFor([&] { return liveUpToDate(window); }, 30000));
    const double latencyMs = sinceLastMove.nsecsElapsed() / 1e6;
    std::printf("embedded live drag: result %.0f ms after the last mouse move (engine %.0f ms); UI thread held "
                "at most %.0f ms; %d live edits cancelled, %d dropped\n",
                latencyMs, window.liveDrag()->lastComputeMs(), stalls.worstMs,
                window.engine()->liveWorker()->cancelledCount(), window.engine()->liveWorker()->droppedCount());
    // The budget is 1 s on an idle machine (README); ctest runs another test beside this
    // one on two cores, which can double it.
    CHECK(latencyMs < 3000);
    CHECK(stalls.worstMs < 250);
    const QImage moved = canvas->liveResult().convertToFormat(QImage::Format_RGBA8888);
    CHECK(meanDifference(moved, first, QRect(at.toPoint() - QPoint(8, 8), QSize(17, 17))) > 5);
    CHECK(doc->image() == picture);
    CHECK(doc->undoStack()->count() == undoBefore + 1);  // the drag, merged into one step

    // Run: the full-quality edit, one undo step.
    window.runEdit();
    REQUIRE(waitFor([&] { return !window.engine()->editRunning() && doc->image() != picture; }, 60000));
    CHECK(doc->undoStack()->count() == undoBefore + 2);
    window.actions()->liveDrag->setChecked(false);
}
