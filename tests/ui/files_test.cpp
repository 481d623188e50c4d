// Files: export at the original resolution (read back through the facade), never over the
// original unasked, projects round-trip points, mask and parameters, autosave recovers work.
#include "support/catch_compat.h"

#include "dragdiff/dragdiff.h"
#include "dragdiff/edit_spec.h"
#include "ui/autosave.h"
#include "ui/canvas.h"
#include "ui/document.h"
#include "ui/image_convert.h"
#include "ui/main_actions.h"
#include "ui/message_banner.h"
#include "ui_test_support.h"

#include <QAction>
#include <QElapsedTimer>
#include <QFile>
#include <QTimer>
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

TEST_CASE("a large picture is read off the UI thread: the window keeps painting meanwhile", "[ui]") {
    QTemporaryDir dir;
    MainWindow window(testOptions());
    showWindow(window);
    const QString big = writeTestImage(dir.path(), "big.png", 4000, 3000);
    // A timer on the UI thread only ticks while its event loop runs.
    int ticks = 0;
    QTimer timer;
    timer.setInterval(1);
    QObject::connect(&timer, &QTimer::timeout, [&] { ++ticks; });
    timer.start();
    QElapsedTimer clock;
    clock.start();
    REQUIRE(window.openFile(big));
    INFO("opening took " << clock.elapsed() << " ms");
    CHECK(ticks > 0);
    CHECK(window.document()->imageSize() == QSize(4000, 3000));
}

TEST_CASE("autosave writes the work and a new window recovers it", "[ui]") {
    Autosave::discard();
    PictureWindow first(nullptr);
    first.addPair(QPointF(40, 40), QPointF(80, 80));
    REQUIRE(first.window->autosave()->saveNow());
    CHECK(Autosave::hasRecovery());
    first.window.reset();  // no clean close, as after a crash; the picture stays in first.dir
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

TEST_CASE("the timer's autosave writes on another thread, and a discard wins over a write in flight", "[ui]") {
    Autosave::discard();
    PictureWindow w(nullptr);
    MainWindow& window = *w.window;
    w.addPair(QPointF(40, 40), QPointF(80, 80));
    window.autosave()->saveInBackground();
    CHECK(window.autosave()->writing());
    REQUIRE(waitFor([&] { return !window.autosave()->writing(); }));
    CHECK(Autosave::hasRecovery());
    CHECK(dragdiff::readEditSpec(Autosave::recovery().projectPath.toStdString()).drags.size() == 1);

    // Nothing changed since: no second write.
    window.autosave()->saveInBackground();
    CHECK_FALSE(window.autosave()->writing());

    // The user saves (which discards the autosave) while a write is under way.
    clickImage(window, QPointF(120, 60));
    window.autosave()->saveInBackground();
    Autosave::discard();
    REQUIRE(waitFor([&] { return !window.autosave()->writing(); }));
    CHECK_FALSE(Autosave::hasRecovery());
}

TEST_CASE("masks are imported and exported through the core, binarised as the engine sees them", "[ui]") {
    QTemporaryDir dir;
    MainWindow window(testOptions());
    showWindow(window);
    REQUIRE(window.openFile(writeTestImage(dir.path(), "picture.png", 200, 150)));
    Document* doc = window.document();
    CHECK_FALSE(window.exportMaskTo(dir.path() + "/none.png"));  // no mask yet

    // A half-size mask file: white left half. Imported, resized, one undo step.
    dragdiff::Mask half;
    half.width = 100;
    half.height = 75;
    half.values.assign(size_t(100) * 75, 0);
    for (int y = 0; y < 75; ++y)
        for (int x = 0; x < 50; ++x) half.values[size_t(y) * 100 + x] = 255;
    const QString halfPath = dir.path() + "/half.png";
    dragdiff::saveMask(half, halfPath.toStdString());
    const int undoCount = doc->undoStack()->count();
    REQUIRE(window.importMaskFrom(halfPath));
    REQUIRE(doc->hasMask());
    CHECK(doc->mask().size() == QSize(200, 150));
    CHECK(qAlpha(doc->mask().pixel(20, 100)) == 255);
    CHECK(qAlpha(doc->mask().pixel(180, 100)) == 0);
    CHECK(window.banner()->text().contains("resized"));
    CHECK(doc->undoStack()->count() == undoCount + 1);
    window.actions()->undo->trigger();
    CHECK_FALSE(doc->hasMask());
    window.actions()->redo->trigger();
    CHECK(doc->hasMask());

    // Exported through the core and read back by the CLI's loader: the same pixels.
    const QString out = dir.path() + "/out.mask.png";
    REQUIRE(window.exportMaskTo(out));
    const dragdiff::Mask back = dragdiff::loadMask(out.toStdString());
    REQUIRE(back.width == 200);
    REQUIRE(back.height == 150);
    CHECK(back.values == toMask(doc->mask()).values);

    // A soft brush edge is binarised at one half, the rule loadMask applies to files.
    QImage soft(4, 1, QImage::Format_Alpha8);
    const uchar levels[4] = {0, 127, 128, 255};
    for (int x = 0; x < 4; ++x) soft.scanLine(0)[x] = levels[x];
    CHECK(toMask(soft).values == std::vector<uint8_t>{0, 0, 255, 255});

    // A file that is no picture, and an all-black mask: clear errors, the mask kept.
    QFile bad(dir.path() + "/bad.png");
    REQUIRE(bad.open(QIODevice::WriteOnly));
    bad.write("not a picture");
    bad.close();
    CHECK_FALSE(window.importMaskFrom(bad.fileName()));
    CHECK(window.banner()->text().contains("bad.png"));
    dragdiff::Mask black = half;
    std::fill(black.values.begin(), black.values.end(), 0);
    dragdiff::saveMask(black, (dir.path() + "/black.png").toStdString());
    CHECK_FALSE(window.importMaskFrom(dir.path() + "/black.png"));
    CHECK(window.banner()->text().contains("white"));
    CHECK(doc->hasMask());
}

TEST_CASE("a project whose mask has another size still opens, with the mask resized and a notice", "[ui]") {
    QTemporaryDir dir;
    const QString image = writeTestImage(dir.path(), "picture.png", 200, 150);
    dragdiff::Mask small;
    small.width = 20;
    small.height = 15;
    small.values.assign(size_t(20) * 15, 255);
    dragdiff::saveMask(small, (dir.path() + "/small.mask.png").toStdString());
    dragdiff::EditSpec spec;
    spec.imagePath = image.toStdString();
    spec.maskPath = (dir.path() + "/small.mask.png").toStdString();
    spec.drags = {{{10, 10}, {30, 30}}};
    const QString project = dir.path() + "/odd.dragdiff.json";
    dragdiff::writeEditSpec(spec, project.toStdString());

    MainWindow window(testOptions());
    showWindow(window);
    REQUIRE(window.openFile(project));
    REQUIRE(window.document()->hasMask());
    CHECK(window.document()->mask().size() == QSize(200, 150));
    CHECK(window.banner()->isVisible());
    CHECK(window.banner()->text().contains("resized"));
    CHECK(window.document()->completePairCount() == 1);
}
