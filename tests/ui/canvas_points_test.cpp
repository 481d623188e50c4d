// The point tool through real mouse input on the canvas: positions land in image coordinates at
// any zoom, points can be dragged and removed, and every change is one undo step.
#include "support/catch_compat.h"

#include "ui/canvas.h"
#include "ui/document.h"
#include "ui/main_actions.h"
#include "ui_test_support.h"

#include <QAction>
#include <QApplication>
#include <QMouseEvent>
#include <QTest>
#include <QWheelEvent>
#include <QUndoStack>

using namespace dragdiff::ui;
using namespace dragdiff::ui::test;

namespace {
bool near(QPointF a, QPointF b, double tolerance) { return std::abs(a.x() - b.x()) <= tolerance && std::abs(a.y() - b.y()) <= tolerance; }
}  // namespace

TEST_CASE("clicks place handle and target in image coordinates at two zoom levels", "[ui]") {
    QTemporaryDir dir;
    MainWindow window(testOptions());
    showWindow(window);
    REQUIRE(window.openFile(writeTestImage(dir.path())));
    Canvas* canvas = window.canvas();
    Document* doc = window.document();

    canvas->fitToWindow();
    const double fitScale = canvas->scale();
    REQUIRE(fitScale > 1.0);  // 200x150 in a ~900 px canvas
    clickImage(window, QPointF(40, 30));
    clickImage(window, QPointF(120, 90));
    REQUIRE(doc->points().size() == 1);
    // One screen pixel is 1/scale image pixels: the click lands within that.
    CHECK(near(doc->points()[0].handle, QPointF(40, 30), 1.0 / fitScale + 0.01));
    CHECK(doc->points()[0].hasTarget);
    CHECK(near(doc->points()[0].target, QPointF(120, 90), 1.0 / fitScale + 0.01));

    canvas->setScale(0.5, QPointF(canvas->width() / 2.0, canvas->height() / 2.0));
    REQUIRE(canvas->scale() == Approx(0.5));
    clickImage(window, QPointF(150, 20));
    clickImage(window, QPointF(60, 130));
    REQUIRE(doc->points().size() == 2);
    CHECK(near(doc->points()[1].handle, QPointF(150, 20), 2.01));
    CHECK(near(doc->points()[1].target, QPointF(60, 130), 2.01));
    CHECK(doc->completePairCount() == 2);
    // Zooming does not move points: they live in image coordinates.
    canvas->setScale(3.0, QPointF(10, 10));
    CHECK(near(doc->points()[0].handle, QPointF(40, 30), 1.0 / fitScale + 0.01));
}

TEST_CASE("dragging a point moves it as one undo step", "[ui]") {
    QTemporaryDir dir;
    MainWindow window(testOptions());
    showWindow(window);
    REQUIRE(window.openFile(writeTestImage(dir.path())));
    Document* doc = window.document();
    clickImage(window, QPointF(50, 50));
    clickImage(window, QPointF(100, 50));
    const int before = doc->undoStack()->count();
    dragImage(window, QPointF(100, 50), QPointF(150, 120), 10);
    REQUIRE(doc->points().size() == 1);
    CHECK(near(doc->points()[0].target, QPointF(150, 120), 0.5));
    CHECK(near(doc->points()[0].handle, QPointF(50, 50), 0.5));
    CHECK(doc->undoStack()->count() == before + 1);  // ten moves merged into one step
    doc->undoStack()->undo();
    CHECK(near(doc->points()[0].target, QPointF(100, 50), 0.5));
    doc->undoStack()->redo();
    CHECK(near(doc->points()[0].target, QPointF(150, 120), 0.5));
}

TEST_CASE("right-click removes points, Delete removes the selected pair, undo restores", "[ui]") {
    QTemporaryDir dir;
    MainWindow window(testOptions());
    showWindow(window);
    REQUIRE(window.openFile(writeTestImage(dir.path())));
    Document* doc = window.document();
    clickImage(window, QPointF(20, 20));
    clickImage(window, QPointF(60, 20));
    clickImage(window, QPointF(20, 100));
    clickImage(window, QPointF(60, 100));
    REQUIRE(doc->points().size() == 2);

    clickImage(window, QPointF(60, 20), Qt::RightButton);  // a target goes alone
    REQUIRE(doc->points().size() == 2);
    CHECK_FALSE(doc->points()[0].hasTarget);
    clickImage(window, QPointF(20, 20), Qt::RightButton);  // a handle takes its pair
    REQUIRE(doc->points().size() == 1);
    CHECK(near(doc->points()[0].handle, QPointF(20, 100), 0.5));

    doc->undoStack()->undo();
    doc->undoStack()->undo();
    REQUIRE(doc->points().size() == 2);
    CHECK(doc->points()[0].hasTarget);

    clickImage(window, QPointF(20, 100));  // selects pair 2 (a click on a point grabs it)
    CHECK(window.canvas()->selectedPair() == 1);
    window.canvas()->setFocus();
    QTest::keyClick(window.canvas(), Qt::Key_Delete);
    REQUIRE(doc->points().size() == 1);
    CHECK(near(doc->points()[0].handle, QPointF(20, 20), 0.5));

    window.actions()->clearPoints->trigger();
    CHECK(doc->points().isEmpty());
    window.actions()->undo->trigger();
    CHECK(doc->points().size() == 1);
    window.actions()->redo->trigger();
    CHECK(doc->points().isEmpty());
}

TEST_CASE("wheel zooms around the cursor and F / 1 fit and show 100%", "[ui]") {
    QTemporaryDir dir;
    MainWindow window(testOptions());
    showWindow(window);
    REQUIRE(window.openFile(writeTestImage(dir.path())));
    Canvas* canvas = window.canvas();
    const QPointF anchor = canvas->imageToWidget(QPointF(50, 40));
    QWheelEvent wheel(anchor, canvas->mapToGlobal(anchor), QPoint(), QPoint(0, 240), Qt::NoButton, Qt::NoModifier,
                      Qt::NoScrollPhase, false);
    const double before = canvas->scale();
    QApplication::sendEvent(canvas, &wheel);
    CHECK(canvas->scale() > before);
    // The picture point under the cursor stays under it.
    CHECK(near(canvas->widgetToImage(anchor), QPointF(50, 40), 0.01));
    window.actions()->actualSize->trigger();
    CHECK(canvas->scale() == Approx(1.0));
    window.actions()->fit->trigger();
    CHECK(canvas->fitMode());
    // Panning with the middle button moves the view, not the points.
    const QPointF offset = canvas->offset();
    QTest::mousePress(canvas, Qt::MiddleButton, Qt::NoModifier, QPoint(300, 300));
    QMouseEvent move(QEvent::MouseMove, QPointF(340, 320), canvas->mapToGlobal(QPointF(340, 320)), Qt::NoButton,
                     Qt::MiddleButton, Qt::NoModifier);
    QApplication::sendEvent(canvas, &move);
    QTest::mouseRelease(canvas, Qt::MiddleButton, Qt::NoModifier, QPoint(340, 320));
    CHECK(near(canvas->offset() - offset, QPointF(40, 20), 0.01));
    CHECK(window.document()->points().isEmpty());
}
