// The per-pair drag mode (auto, move, reshape) through the real window: D and Edit ▸ Drag Mode set
// it as one undo step each, the pair's arrow is drawn in the mode's style (checked on the pixels
// the canvas paints), auto pairs show the mode the engine resolved them to, and the mode is saved
// in the project and sent with the edit.
#include "support/catch_compat.h"

#include "dragdiff/edit_spec.h"
#include "ui/canvas.h"
#include "ui/document.h"
#include "ui/engine_controller.h"
#include "ui/main_actions.h"
#include "ui/pair_mode_switch.h"
#include "ui/pair_painter.h"
#include "ui_test_support.h"

#include <QAction>
#include <QApplication>
#include <QSignalSpy>
#include <QTest>
#include <QUndoStack>

#include <algorithm>
#include <functional>

using namespace dragdiff;
using namespace dragdiff::ui;
using namespace dragdiff::ui::test;

namespace {

const QPointF kHandle(40, 75);
const QPointF kTarget(160, 75);

struct Window : PictureWindow {
    using PictureWindow::PictureWindow;
    void press(int key, Qt::KeyboardModifiers modifiers = Qt::NoModifier) {
        window->activateWindow();
        REQUIRE(QTest::qWaitForWindowActive(window.get()));
        window->canvas()->setFocus();
        QTest::keyClick(window->canvas(), static_cast<Qt::Key>(key), modifiers);
        QApplication::processEvents();
    }
    DragMode mode(int pair = 0) const { return window->document()->points().at(pair).mode; }
};

// Brightness of the arrow's ink along a path: for each of 60 samples with t in [t0, t1], the
// largest min(R, G, B) within one pixel of the path's point on the canvas as painted. White ink
// reads 255; the test picture's pixels never exceed 128 (its blue channel is 128 everywhere).
std::vector<int> inkAlong(const QImage& shot, const std::function<QPointF(double)>& path, double t0 = 0.3,
                          double t1 = 0.7) {
    std::vector<int> ink;
    for (int i = 0; i < 60; ++i) {
        const QPointF p = path(t0 + (t1 - t0) * i / 59.0);
        int best = 0;
        for (int dy = -1; dy <= 1; ++dy)
            for (int dx = -1; dx <= 1; ++dx) {
                const QPoint q(static_cast<int>(std::lround(p.x())) + dx, static_cast<int>(std::lround(p.y())) + dy);
                if (!shot.rect().contains(q)) continue;
                const QColor c = shot.pixelColor(q);
                best = std::max(best, std::min({c.red(), c.green(), c.blue()}));
            }
        ink.push_back(best);
    }
    return ink;
}

double fraction(const std::vector<int>& ink, int lo, int hi) {
    return std::count_if(ink.begin(), ink.end(), [&](int v) { return v >= lo && v <= hi; }) / double(ink.size());
}

struct ArrowInk {
    double straightWhite, bowedWhite, straightFaded, bowedFaded;
};

// The canvas as painted, measured along the straight line between the pair's points and along
// the bowed path a reshape arrow takes.
ArrowInk measureArrow(MainWindow& window) {
    Canvas* c = window.canvas();
    c->setHeatmapVisible(false);
    const QImage shot = c->grab().toImage();
    const QPointF from = c->imageToWidget(kHandle), to = c->imageToWidget(kTarget);
    const auto straight = inkAlong(shot, [&](double t) { return from + (to - from) * t; });
    const auto bowed = inkAlong(shot, [&](double t) { return reshapeArrowPoint(from, to, t); });
    return {fraction(straight, 235, 255), fraction(bowed, 235, 255), fraction(straight, 135, 230),
            fraction(bowed, 135, 230)};
}

}  // namespace

TEST_CASE("D and Edit > Drag Mode set the selected pair's mode, one undo step each", "[ui]") {
    Window w;
    w.addPair(kHandle, kTarget);
    Document* doc = w.window->document();
    MainActions* a = w.window->actions();
    REQUIRE(w.window->canvas()->selectedPair() == 0);  // a fresh pair is selected
    CHECK(w.mode() == DragMode::Auto);
    CHECK(a->modeAuto->isChecked());
    CHECK(a->cycleDragMode->isEnabled());
    const int steps = doc->undoStack()->count();
    const DragPoint placed = doc->points().at(0);

    w.press(Qt::Key_D);
    CHECK(w.mode() == DragMode::Move);
    CHECK(a->modeMove->isChecked());
    w.press(Qt::Key_D);
    CHECK(w.mode() == DragMode::Reshape);
    CHECK(a->modeReshape->isChecked());
    CHECK(doc->undoStack()->count() == steps + 2);
    CHECK(doc->undoStack()->undoText() == "Set drag mode: reshape");
    w.press(Qt::Key_Z, Qt::ControlModifier);
    CHECK(w.mode() == DragMode::Move);
    CHECK(a->modeMove->isChecked());
    w.press(Qt::Key_Z, Qt::ControlModifier | Qt::ShiftModifier);
    CHECK(w.mode() == DragMode::Reshape);
    w.press(Qt::Key_D);
    CHECK(w.mode() == DragMode::Auto);  // the cycle closes

    a->modeMove->trigger();
    CHECK(w.mode() == DragMode::Move);
    CHECK(doc->undoStack()->count() == steps + 4);
    a->modeMove->trigger();  // no change, no step
    CHECK(doc->undoStack()->count() == steps + 4);
    // The points themselves are untouched by mode changes.
    CHECK(doc->points().at(0).handle == placed.handle);
    CHECK(doc->points().at(0).target == placed.target);

    // A second pair: the commands follow the selection.
    w.addPair(QPointF(40, 120), QPointF(100, 130));
    REQUIRE(w.window->canvas()->selectedPair() == 1);
    CHECK(a->modeAuto->isChecked());
    w.press(Qt::Key_D);
    CHECK(w.mode(1) == DragMode::Move);
    CHECK(w.mode(0) == DragMode::Move);
    w.window->canvas()->setSelectedPair(-1);
    CHECK_FALSE(a->cycleDragMode->isEnabled());
    w.press(Qt::Key_D);  // nothing selected: nothing changes
    CHECK(w.mode(1) == DragMode::Move);
}

TEST_CASE("the mode is saved in the project, read back, and sent with the edit", "[ui]") {
    Window w;
    w.loadModel();
    w.addPair(kHandle, kTarget);
    w.addPair(QPointF(40, 120), QPointF(100, 130));
    Document* doc = w.window->document();
    doc->setDragMode(0, DragMode::Reshape);
    doc->setDragMode(1, DragMode::Move);
    const QString project = w.dir.path() + "/modes.dragdiff.json";
    REQUIRE(w.window->saveProjectTo(project));
    const EditSpec spec = readEditSpec(project.toStdString());
    REQUIRE(spec.drags.size() == 2);
    CHECK(spec.drags[0].mode == DragMode::Reshape);
    CHECK(spec.drags[1].mode == DragMode::Move);

    MainWindow reopened(testOptions(std::make_shared<FakeBackend>()));
    showWindow(reopened);
    REQUIRE(reopened.openFile(project));
    REQUIRE(reopened.document()->points().size() == 2);
    CHECK(reopened.document()->points()[0].mode == DragMode::Reshape);
    CHECK(reopened.document()->points()[1].mode == DragMode::Move);

    QSignalSpy finished(w.window->engine(), &EngineController::editFinished);
    w.backend->steps = 2;
    w.window->runEdit();
    REQUIRE(waitFor([&] { return finished.count() == 1; }));
    const auto drags = w.backend->lastEditDrags();
    REQUIRE(drags.size() == 2);
    CHECK(drags[0].mode == DragMode::Reshape);
    CHECK(drags[1].mode == DragMode::Move);
}

TEST_CASE("the arrow's style follows the pair's mode, and auto shows what the engine resolved", "[ui]") {
    Window w;  // no model yet: an auto pair is not resolved
    w.addPair(kHandle, kTarget);
    Canvas* canvas = w.window->canvas();
    Document* doc = w.window->document();

    CHECK(canvas->arrowStyle(0) == ArrowStyle{DragMode::Move, true, true});
    ArrowInk ink = measureArrow(*w.window);
    INFO("auto, unresolved: " << ink.straightWhite << " " << ink.straightFaded << " " << ink.bowedFaded);
    CHECK(ink.straightWhite < 0.05);  // faded: no full white
    CHECK(ink.straightFaded > 0.2);   // dotted: some of the line
    CHECK(ink.bowedFaded < 0.05);

    doc->setDragMode(0, DragMode::Move);
    CHECK(canvas->arrowStyle(0) == ArrowStyle{DragMode::Move, false, false});
    ink = measureArrow(*w.window);
    INFO("move: " << ink.straightWhite << " " << ink.bowedWhite);
    CHECK(ink.straightWhite > 0.95);  // solid, straight
    CHECK(ink.bowedWhite < 0.05);

    doc->setDragMode(0, DragMode::Reshape);
    CHECK(canvas->arrowStyle(0) == ArrowStyle{DragMode::Reshape, false, false});
    ink = measureArrow(*w.window);
    INFO("reshape: " << ink.straightWhite << " " << ink.bowedWhite);
    CHECK(ink.straightWhite < 0.05);  // bowed away from the straight line
    CHECK(ink.bowedWhite > 0.4);      // dashed: most of the bowed path, not all of it
    CHECK(ink.bowedWhite < 0.92);

    // Back to auto with the engine there: it resolves the pair (the fake engine to reshape), and the
    // arrow takes that style, faded, with the tag saying so.
    doc->setDragMode(0, DragMode::Auto);
    w.loadModel();
    REQUIRE(waitFor([&] { return canvas->resolvedMode(0).has_value(); }));
    CHECK(*canvas->resolvedMode(0) == DragMode::Reshape);
    CHECK(canvas->arrowStyle(0) == ArrowStyle{DragMode::Reshape, true, false});
    CHECK(pairTag(0, DragMode::Auto, canvas->resolvedMode(0)) == QString::fromUtf8("1 auto→reshape"));
    ink = measureArrow(*w.window);
    INFO("auto resolved to reshape: " << ink.bowedWhite << " " << ink.bowedFaded << " " << ink.straightFaded);
    CHECK(ink.bowedWhite < 0.05);
    CHECK(ink.bowedFaded > 0.3);
    CHECK(ink.straightFaded < 0.1);
    // The warp preview was asked for only to resolve the mode: it is not shown.
    CHECK_FALSE(canvas->showingWarp());
}
