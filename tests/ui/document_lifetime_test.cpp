// A document being destroyed says nothing: its undo history clears as its members go, and a
// signal then reached the window while the window was itself being destroyed (UBSan, issue 19's
// sanitizer run of the whole suite: a MainWindow slot called on what was left of it, a QWidget).
#include "support/catch_compat.h"

#include "ui/document.h"

#include <QImage>
#include <QSignalSpy>

using namespace dragdiff::ui;

TEST_CASE("a document with history emits nothing while it is destroyed", "[ui]") {
    auto* doc = new Document;
    QImage picture(8, 8, QImage::Format_RGBA8888);
    picture.fill(Qt::gray);
    doc->reset(picture, "picture.png");
    doc->changePoints({DragPoint{QPointF(1, 1), QPointF(5, 5), true}}, "Add pair");
    REQUIRE(doc->isModified());
    QSignalSpy changed(doc, &Document::changed), modified(doc, &Document::modifiedChanged),
        points(doc, &Document::pointsChanged);
    delete doc;
    CHECK(changed.count() == 0);
    CHECK(modified.count() == 0);
    CHECK(points.count() == 0);
}
