// The keyboard shortcuts the issue names, pressed as keys (QTest::keyClick through the window's
// shortcut map), not by triggering the actions: a shortcut lost to a focus widget or an ambiguous
// binding fails here.
#include "support/catch_compat.h"

#include "ui/canvas.h"
#include "ui/document.h"
#include "ui/engine_controller.h"
#include "ui/main_actions.h"
#include "ui/mask_brush_tool.h"
#include "ui/point_tool.h"
#include "ui/side_panel.h"
#include "ui_test_support.h"

#include <QAction>
#include <QApplication>
#include <QDialog>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTest>
#include <QTimer>
#include <QUndoStack>

using namespace dragdiff::ui;
using namespace dragdiff::ui::test;

namespace {

struct Window : PictureWindow {
    Window() { focusCanvas(); }
    void focusCanvas() {
        window->activateWindow();
        REQUIRE(QTest::qWaitForWindowActive(window.get()));
        window->canvas()->setFocus();
    }
    void press(int key, Qt::KeyboardModifiers modifiers = Qt::NoModifier) {
        QTest::keyClick(window->canvas(), static_cast<Qt::Key>(key), modifiers);
        QApplication::processEvents();
    }
    // Presses the key and returns the title of the modal dialog it opened (closed again), or "".
    QString dialogOf(int key, Qt::KeyboardModifiers modifiers) {
        QString title;
        QTimer poll;
        poll.setInterval(20);
        QObject::connect(&poll, &QTimer::timeout, [&] {
            if (auto* d = qobject_cast<QDialog*>(QApplication::activeModalWidget())) {
                title = d->windowTitle();
                d->reject();
            }
        });
        poll.start();
        focusCanvas();  // a closed dialog leaves no active window behind on the offscreen platform
        press(key, modifiers);
        waitFor([&] { return !title.isEmpty(); }, 3000);
        return title;
    }
};

}  // namespace

TEST_CASE("tool, view and brush keys: P B E, F 1, [ ], H M", "[ui]") {
    Window w;
    Canvas* canvas = w.window->canvas();
    w.press(Qt::Key_B);
    CHECK(canvas->tool() == w.window->brushTool());
    w.press(Qt::Key_E);
    CHECK(canvas->tool() == w.window->eraserTool());
    w.press(Qt::Key_P);
    CHECK(canvas->tool() == w.window->pointTool());

    w.press(Qt::Key_1);
    CHECK(canvas->scale() == Approx(1.0));
    CHECK_FALSE(canvas->fitMode());
    w.press(Qt::Key_F);
    CHECK(canvas->fitMode());

    w.window->sidePanel()->brushSize()->setValue(40);
    w.press(Qt::Key_BracketRight);
    CHECK(w.window->brushTool()->diameter() > 40);
    w.press(Qt::Key_BracketLeft);
    w.press(Qt::Key_BracketLeft);
    CHECK(w.window->brushTool()->diameter() < 40);

    const bool heat = canvas->heatmapVisible();
    w.press(Qt::Key_H);
    CHECK(canvas->heatmapVisible() != heat);
    const bool mask = canvas->maskVisible();
    w.press(Qt::Key_M);
    CHECK(canvas->maskVisible() != mask);
}

TEST_CASE("Ctrl+Z and Ctrl+Shift+Z undo and redo a point, Delete removes the selected pair", "[ui]") {
    Window w;
    w.addPair(QPointF(40, 40), QPointF(120, 90));
    REQUIRE(w.window->document()->points().size() == 1);
    w.window->canvas()->setFocus();
    w.press(Qt::Key_Z, Qt::ControlModifier);
    CHECK_FALSE(w.window->document()->points().first().hasTarget);
    w.press(Qt::Key_Z, Qt::ControlModifier | Qt::ShiftModifier);
    CHECK(w.window->document()->points().first().hasTarget);
    w.window->canvas()->setSelectedPair(0);
    w.press(Qt::Key_Delete);
    CHECK(w.window->document()->points().isEmpty());
}

TEST_CASE("Ctrl+Enter runs the edit and Esc cancels it", "[ui]") {
    Window w;
    w.loadModel();
    w.addPair(QPointF(40, 40), QPointF(120, 90));
    w.backend->steps = 500;
    QSignalSpy cancelled(w.window->engine(), &EngineController::editCancelled);
    w.window->canvas()->setFocus();
    w.press(Qt::Key_Return, Qt::ControlModifier);
    REQUIRE(w.window->engine()->editRunning());
    REQUIRE(waitFor([&] { return w.backend->stepsRun.load() >= 2; }));
    w.press(Qt::Key_Escape);
    REQUIRE(waitFor([&] { return cancelled.count() == 1; }));
    CHECK_FALSE(w.window->engine()->editRunning());
    CHECK(w.backend->stepsRun.load() < 500);
    // The keypad's Enter runs too.
    w.press(Qt::Key_Enter, Qt::ControlModifier | Qt::KeypadModifier);
    CHECK(w.window->engine()->editRunning());
    w.press(Qt::Key_Escape);
    REQUIRE(waitFor([&] { return cancelled.count() == 2; }));
}

TEST_CASE("Ctrl+O, Ctrl+S, Ctrl+Shift+S and Ctrl+E open their dialogs", "[ui]") {
    Window w;
    CHECK(w.dialogOf(Qt::Key_O, Qt::ControlModifier).contains("Open"));
    // An unsaved project has no file yet: Save asks where, like Save As.
    CHECK(w.dialogOf(Qt::Key_S, Qt::ControlModifier).contains("Save project"));
    CHECK(w.dialogOf(Qt::Key_S, Qt::ControlModifier | Qt::ShiftModifier).contains("Save project"));
    CHECK(w.dialogOf(Qt::Key_E, Qt::ControlModifier).contains("Export"));
    // Nothing was written or changed by the cancelled dialogs.
    CHECK(w.window->document()->projectPath().isEmpty());
    CHECK(w.window->document()->hasImage());
}
