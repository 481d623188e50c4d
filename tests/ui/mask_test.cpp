// The mask brush and eraser: a stroke paints in image coordinates and is one undo step.
#include "support/catch_compat.h"

#include "ui/canvas.h"
#include "ui/document.h"
#include "ui/main_actions.h"
#include "ui/mask_brush_tool.h"
#include "ui/side_panel.h"
#include "ui_test_support.h"

#include <QAction>
#include <QSpinBox>
#include <QUndoStack>

using namespace dragdiff::ui;
using namespace dragdiff::ui::test;

namespace {
int maskAt(const Document* doc, int x, int y) { return doc->mask().isNull() ? 0 : qAlpha(doc->mask().pixel(x, y)); }
}  // namespace

TEST_CASE("a mask stroke paints under the path and undoes as one step", "[ui]") {
    QTemporaryDir dir;
    MainWindow window(testOptions());
    showWindow(window);
    REQUIRE(window.openFile(writeTestImage(dir.path())));
    Document* doc = window.document();
    window.actions()->brushTool->trigger();
    window.brushTool()->setDiameter(10);
    CHECK_FALSE(doc->hasMask());
    const int before = doc->undoStack()->count();
    dragImage(window, QPointF(30, 40), QPointF(150, 40), 12);
    CHECK(doc->undoStack()->count() == before + 1);
    CHECK(maskAt(doc, 30, 40) > 200);
    CHECK(maskAt(doc, 90, 40) > 200);
    CHECK(maskAt(doc, 150, 40) > 200);
    CHECK(maskAt(doc, 90, 60) == 0);   // outside the 10 px brush
    CHECK(maskAt(doc, 10, 40) == 0);
    CHECK(doc->hasMask());

    window.actions()->eraserTool->trigger();
    window.eraserTool()->setDiameter(10);
    dragImage(window, QPointF(90, 20), QPointF(90, 60), 6);
    CHECK(maskAt(doc, 90, 40) == 0);
    CHECK(maskAt(doc, 30, 40) > 200);

    doc->undoStack()->undo();  // the erase
    CHECK(maskAt(doc, 90, 40) > 200);
    doc->undoStack()->undo();  // the stroke
    CHECK(maskAt(doc, 90, 40) == 0);
    CHECK_FALSE(doc->hasMask());
    doc->undoStack()->redo();
    CHECK(maskAt(doc, 90, 40) > 200);

    window.actions()->clearMask->trigger();
    CHECK_FALSE(doc->hasMask());
    window.actions()->undo->trigger();
    CHECK(doc->hasMask());
}

TEST_CASE("the bracket shortcuts shrink and grow the brush", "[ui]") {
    QTemporaryDir dir;
    MainWindow window(testOptions());
    showWindow(window);
    REQUIRE(window.openFile(writeTestImage(dir.path())));
    window.sidePanel()->brushSize()->setValue(40);
    const double d = window.brushTool()->diameter();
    REQUIRE(d == 40);
    window.actions()->brushLarger->trigger();
    CHECK(window.brushTool()->diameter() > d);
    CHECK(window.eraserTool()->diameter() == window.brushTool()->diameter());
    window.actions()->brushSmaller->trigger();
    window.actions()->brushSmaller->trigger();
    CHECK(window.brushTool()->diameter() < d);
}
