// Files: export at the original resolution (read back through the facade), never over the
// original unasked, projects round-trip points, mask and parameters, autosave recovers work.
#include <catch2/catch.hpp>

#include "dragdiff/dragdiff.h"
#include "dragdiff/edit_spec.h"
#include "ui/autosave.h"
#include "ui/canvas.h"
#include "ui/document.h"
#include "ui/image_convert.h"
#include "ui/message_banner.h"
#include "ui_test_support.h"

#include <QFile>
#include <QUndoStack>

using namespace dragdiff::ui;
using namespace dragdiff::ui::test;

TEST_CASE("export writes PNG, JPEG and WebP at full resolution and refuses the original", "[ui]") {
    QTemporaryDir dir;
    MainWindow window(testOptions());
    showWindow(window);
    const QString original = writeTestImage(dir.path(), "original.png", 200, 150);
    REQUIRE(window.openFile(original));
    for (const char* name : {"out.png", "out.jpg", "out.webp"}) {
        const QString path = dir.path() + "/" + name;
        REQUIRE(window.exportTo(path));
        const dragdiff::RgbaImage back = dragdiff::loadImage(path.toStdString());
        CHECK(back.width == 200);
        CHECK(back.height == 150);
    }
    const dragdiff::RgbaImage png = dragdiff::loadImage((dir.path() + "/out.png").toStdString());
    CHECK(toQImage(png) == window.document()->image());  // lossless round trip

    const QByteArray before = [&] { QFile f(original); f.open(QIODevice::ReadOnly); return f.readAll(); }();
    CHECK_FALSE(window.exportTo(original));
    CHECK(window.banner()->isVisible());
    QFile f(original);
    REQUIRE(f.open(QIODevice::ReadOnly));
    CHECK(f.readAll() == before);
}

TEST_CASE("a project saves and reloads points, mask and parameters in the CLI's format", "[ui]") {
    QTemporaryDir dir;
    const QString project = dir.path() + "/scene.dragdiff.json";
    {
        MainWindow window(testOptions());
        showWindow(window);
        REQUIRE(window.openFile(writeTestImage(dir.path())));
        Document* doc = window.document();
        clickImage(window, QPointF(30, 30));
        clickImage(window, QPointF(90, 60));
        clickImage(window, QPointF(150, 120));
        clickImage(window, QPointF(170, 20));
        doc->beginMaskStroke(false);
        doc->strokeMaskSegment(QPointF(20, 75), QPointF(180, 75), 20);
        doc->endMaskStroke();
        dragdiff::EditParameters params = doc->parameters();
        params.steps = 33;
        params.strength = 0.55;
        params.prompt = "a red ball";
        doc->setParameters(params);
        CHECK(doc->isModified());
        REQUIRE(window.saveProjectTo(project));
        CHECK_FALSE(doc->isModified());
        CHECK(QFile::exists(dir.path() + "/scene.mask.png"));
    }
    // The same file the CLI reads.
    const dragdiff::EditSpec spec = dragdiff::readEditSpec(project.toStdString());
    REQUIRE(spec.drags.size() == 2);
    CHECK(spec.parameters.steps == 33);
    CHECK_FALSE(spec.maskPath.empty());

    MainWindow window(testOptions());
    showWindow(window);
    REQUIRE(window.openFile(project));
    Document* doc = window.document();
    REQUIRE(doc->points().size() == 2);
    CHECK(doc->points()[1].hasTarget);
    CHECK(std::abs(doc->points()[1].target.x() - 170) < 1.0);
    CHECK(doc->parameters().steps == 33);
    CHECK(doc->parameters().strength == Approx(0.55));
    CHECK(doc->parameters().prompt == "a red ball");
    REQUIRE(doc->hasMask());
    CHECK(qAlpha(doc->mask().pixel(100, 75)) == 255);
    CHECK(qAlpha(doc->mask().pixel(100, 20)) == 0);
    CHECK_FALSE(doc->isModified());
    CHECK(doc->projectPath().endsWith("scene.dragdiff.json"));
}

TEST_CASE("a picture that cannot be read shows an error and keeps the work", "[ui]") {
    QTemporaryDir dir;
    MainWindow window(testOptions());
    showWindow(window);
    REQUIRE(window.openFile(writeTestImage(dir.path())));
    clickImage(window, QPointF(30, 30));
    const QString bad = dir.path() + "/broken.png";
    QFile f(bad);
    REQUIRE(f.open(QIODevice::WriteOnly));
    f.write("this is not a png");
    f.close();
    CHECK_FALSE(window.openFile(bad));
    CHECK(window.banner()->isVisible());
    CHECK(window.banner()->text().contains("broken.png"));
    CHECK(window.document()->points().size() == 1);  // nothing lost
    CHECK(window.document()->hasImage());
}

TEST_CASE("autosave writes the work and a new window recovers it", "[ui]") {
    QTemporaryDir dir;
    Autosave::discard();
    {
        MainWindow window(testOptions());
        showWindow(window);
        REQUIRE(window.openFile(writeTestImage(dir.path())));
        clickImage(window, QPointF(40, 40));
        clickImage(window, QPointF(80, 80));
        REQUIRE(window.autosave()->saveNow());
        CHECK(Autosave::hasRecovery());
        // No clean close: as after a crash.
    }
    REQUIRE(Autosave::hasRecovery());
    MainWindow window(testOptions());
    showWindow(window);
    REQUIRE(window.offerRecovery());
    REQUIRE(window.document()->points().size() == 1);
    CHECK(window.document()->isModified());
    CHECK(window.document()->imagePath().endsWith("picture.png"));
    window.close();  // a clean exit removes the autosave
    CHECK_FALSE(Autosave::hasRecovery());
}

TEST_CASE("the sample picture opens", "[ui]") {
    MainWindow window(testOptions());
    showWindow(window);
    REQUIRE(window.openSample());
    CHECK(window.document()->imageSize() == QSize(256, 256));
}
