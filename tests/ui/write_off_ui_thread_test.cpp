// Exports and project saves encode and flush their files off the UI thread (issue 19, found by the
// GUI monkey: fsync on a busy disk held the event loop for up to 0.8 s; encoding a large picture
// holds it for seconds). The window keeps painting meanwhile, and a save that the user's work
// overtook while it was being written does not mark the newer work as saved.
#include "support/catch_compat.h"

#include "dragdiff/dragdiff.h"
#include "ui/document.h"
#include "ui_test_support.h"

#include <QElapsedTimer>
#include <QFile>
#include <QTimer>

#include <random>

using namespace dragdiff::ui;
using namespace dragdiff::ui::test;

namespace {

QImage noise(int w, int h) {
    std::mt19937 rng(5);
    QImage img(w, h, QImage::Format_RGBA8888);
    for (int y = 0; y < h; ++y) {
        uchar* line = img.scanLine(y);
        for (int x = 0; x < w * 4; ++x) line[x] = (x % 4 == 3) ? 255 : static_cast<uchar>(rng());
    }
    return img;
}

// Counts the ticks of a 1 ms timer on the UI thread while `work` runs: it only ticks while the
// event loop runs.
int ticksDuring(const std::function<void()>& work) {
    int ticks = 0;
    QTimer timer;
    timer.setInterval(1);
    QObject::connect(&timer, &QTimer::timeout, [&] { ++ticks; });
    timer.start();
    work();
    return ticks;
}

}  // namespace

TEST_CASE("export and project save write off the UI thread: the window keeps painting", "[ui]") {
    QTemporaryDir dir;
    MainWindow window(testOptions());
    showWindow(window);
    REQUIRE(window.openFile(writeTestImage(dir.path())));
    window.document()->applyEdit(noise(200, 150), true);
    // A large edited picture of noise: PNG cannot compress it, encoding takes a while.
    window.document()->reset(noise(2400, 1800), QString(), true);
    clickImage(window, QPointF(100, 100));
    QElapsedTimer clock;
    clock.start();
    bool ok = false;
    const int exportTicks = ticksDuring([&] { ok = window.exportTo(dir.path() + "/big.png"); });
    INFO("export took " << clock.elapsed() << " ms");
    REQUIRE(ok);
    CHECK(exportTicks > 0);
    CHECK(dragdiff::loadImage((dir.path() + "/big.png").toStdString()).width == 2400);

    clock.restart();
    const int saveTicks = ticksDuring([&] { ok = window.saveProjectTo(dir.path() + "/big.dragdiff.json"); });
    INFO("save took " << clock.elapsed() << " ms");
    REQUIRE(ok);
    CHECK(saveTicks > 0);
    CHECK_FALSE(window.document()->isModified());
    CHECK(QFile::exists(dir.path() + "/big.input.png"));
}

TEST_CASE("a project save overtaken by new work leaves the document modified", "[ui]") {
    QTemporaryDir dir;
    MainWindow window(testOptions());
    showWindow(window);
    REQUIRE(window.openFile(writeTestImage(dir.path())));
    window.document()->reset(noise(2400, 1800), QString(), true);
    // A change that lands while the save is being written (as a finished edit or a queued click would).
    QTimer::singleShot(1, window.document(), [&] { window.document()->applyEdit(noise(2400, 1800), true); });
    REQUIRE(window.saveProjectTo(dir.path() + "/p.dragdiff.json"));
    CHECK(window.document()->isModified());  // the saved file holds the state before the change
}
