// Crash recovery (issue 8): a DragDiff window in another process is killed with SIGKILL in the
// middle of a run, after autosave has written; a new window recovers the points and the mask.
// The child is this test binary running the hidden test "[.crash-child]" with its own HOME (the
// test-mode data folder lives under $HOME/.qttest), so nothing is shared with this process but
// the files the child leaves behind.
#include "support/catch_compat.h"

#include "ui/autosave.h"
#include "ui/document.h"
#include "ui/engine_controller.h"
#include "ui/main_actions.h"
#include "ui/mask_brush_tool.h"
#include "ui_test_support.h"

#include <QAction>
#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>

using namespace dragdiff::ui;
using namespace dragdiff::ui::test;

namespace {

int maskAt(const Document* doc, int x, int y) { return doc->mask().isNull() ? 0 : qAlpha(doc->mask().pixel(x, y)); }

bool copyFolder(const QString& from, const QString& to) {
    QDir().mkpath(to);
    for (const QFileInfo& f : QDir(from).entryInfoList(QDir::Files)) {
        QFile::remove(to + "/" + f.fileName());
        if (!QFile::copy(f.absoluteFilePath(), to + "/" + f.fileName())) return false;
    }
    return true;
}

}  // namespace

// The child: work in progress, autosave every 100 ms, a run under way, then wait to be killed.
// Hidden (not run by default); DRAGDIFF_CRASH_DIR names the folder with the picture and "ready".
TEST_CASE("crash child: edits, autosaves and runs until killed", "[.crash-child]") {
    const QString dir = qEnvironmentVariable("DRAGDIFF_CRASH_DIR");
    REQUIRE(!dir.isEmpty());
    auto backend = std::make_shared<FakeBackend>();
    backend->steps = 100000;  // a run that outlives the test
    backend->stepMs = 20;
    MainWindow window(testOptions(backend));
    showWindow(window);
    REQUIRE(window.openFile(dir + "/picture.png"));
    window.engine()->loadModel(dragdiff::ModelSpec{});
    REQUIRE(waitFor([&] { return window.engine()->imageState() == EngineController::ImageState::Prepared; }));
    window.autosave()->start(100);
    clickImage(window, QPointF(40, 40));
    clickImage(window, QPointF(90, 60));
    clickImage(window, QPointF(150, 100));
    clickImage(window, QPointF(170, 120));
    window.actions()->brushTool->trigger();
    window.brushTool()->setDiameter(10);
    dragImage(window, QPointF(20, 30), QPointF(180, 30), 12);
    window.actions()->run->trigger();
    REQUIRE(waitFor([&] { return window.engine()->editRunning(); }));
    const quint64 revision = window.document()->revision();
    // Give the autosave timer time to see the latest revision, then say so and wait for the kill.
    waitFor([] { return false; }, 600);
    REQUIRE(window.document()->revision() == revision);
    REQUIRE(Autosave::hasRecovery());
    QFile ready(dir + "/ready");
    REQUIRE(ready.open(QIODevice::WriteOnly));
    ready.write(Autosave::folder().toUtf8());
    ready.close();
    waitFor([] { return false; }, 120000);
    FAIL("the child was not killed");
}

TEST_CASE("after SIGKILL in the middle of a run, a new window recovers points and mask", "[ui]") {
    QTemporaryDir dir;
    REQUIRE(dir.isValid());
    writeTestImage(dir.path());
    QDir().mkpath(dir.path() + "/home");

    QProcess child;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("HOME", dir.path() + "/home");
    env.insert("DRAGDIFF_CRASH_DIR", dir.path());
    env.insert("QT_QPA_PLATFORM", "offscreen");
    child.setProcessEnvironment(env);
    child.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    child.start(QCoreApplication::applicationFilePath(), {"[crash-child]"});
    REQUIRE(child.waitForStarted(10000));
    QElapsedTimer timer;
    timer.start();
    while (!QFile::exists(dir.path() + "/ready") && child.state() == QProcess::Running && timer.elapsed() < 60000)
        child.waitForFinished(50);
    INFO(QString::fromUtf8(child.readAllStandardOutput()).toStdString());
    REQUIRE(QFile::exists(dir.path() + "/ready"));
    REQUIRE(child.state() == QProcess::Running);
    child.kill();  // SIGKILL: no clean-up of any kind
    REQUIRE(child.waitForFinished(10000));
    CHECK(child.exitStatus() == QProcess::CrashExit);

    QFile readyFile(dir.path() + "/ready");
    REQUIRE(readyFile.open(QIODevice::ReadOnly));
    const QString childAutosave = QString::fromUtf8(readyFile.readAll());
    REQUIRE(childAutosave.startsWith(dir.path() + "/home"));
    REQUIRE(QFile::exists(childAutosave + "/autosave.dragdiff.json"));
    // Nothing half-written: no temporary files left by an interrupted save would be read.

    // "Restart": the child's data folder becomes this process's, and a new window starts. This
    // process gets a HOME of its own meanwhile, so that other UI tests running in parallel
    // (which discard the shared test-mode autosave) cannot touch it.
    const QByteArray oldHome = qgetenv("HOME");
    QDir().mkpath(dir.path() + "/home2");
    qputenv("HOME", (dir.path() + "/home2").toUtf8());
    struct RestoreHome {
        QByteArray home;
        ~RestoreHome() { qputenv("HOME", home); }
    } restoreHome{oldHome};
    REQUIRE(Autosave::folder().startsWith(dir.path() + "/home2"));
    Autosave::discard();
    REQUIRE(copyFolder(childAutosave, Autosave::folder()));
    REQUIRE(Autosave::hasRecovery());
    MainWindow window(testOptions(std::make_shared<FakeBackend>()));
    showWindow(window);
    REQUIRE(window.offerRecovery());
    const Document* doc = window.document();
    REQUIRE(doc->points().size() == 2);
    CHECK(doc->points()[0].handle.x() == Approx(40).margin(1));
    CHECK(doc->points()[0].target.y() == Approx(60).margin(1));
    CHECK(doc->points()[1].handle.x() == Approx(150).margin(1));
    CHECK(doc->points()[1].target.x() == Approx(170).margin(1));
    REQUIRE(doc->hasMask());
    CHECK(maskAt(doc, 30, 30) > 200);
    CHECK(maskAt(doc, 100, 30) > 200);
    CHECK(maskAt(doc, 100, 80) == 0);
    CHECK(doc->isModified());
    CHECK(doc->imagePath().endsWith("picture.png"));
    window.close();
    CHECK_FALSE(Autosave::hasRecovery());
}
