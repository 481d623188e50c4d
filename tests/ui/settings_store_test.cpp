// Settings are written off the UI thread (issue 19, found by the GUI monkey: QSettings flushes its
// file with fdatasync when an object with changes goes away, 0.2-0.3 s on a busy disk, on every
// opened file, model choice and brush size change). This binary's fdatasync stands in for the slow
// disk: while `slowDisk` is set, every call takes a second longer.
#include "support/catch_compat.h"

#include "ui/settings_store.h"
#include "ui/side_panel.h"
#include "ui_test_support.h"

#include <QElapsedTimer>
#include <QFileInfo>
#include <QSettings>
#include <QSpinBox>

#include <dlfcn.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

using namespace dragdiff::ui;
using namespace dragdiff::ui::test;

namespace {
std::atomic<bool> slowDisk{false};
std::atomic<int> slowSyncs{0};
}  // namespace

// Interposes libc's fdatasync for Qt's calls (QSaveFile, which QSettings writes through).
extern "C" int fdatasync(int fd) {
    using Fn = int (*)(int);
    static const Fn real = reinterpret_cast<Fn>(dlsym(RTLD_NEXT, "fdatasync"));
    if (slowDisk) {
        ++slowSyncs;
        std::this_thread::sleep_for(std::chrono::seconds(1));
    }
    return real(fd);
}

TEST_CASE("settings changes do not wait for the disk on the UI thread", "[ui]") {
    QTemporaryDir dir;
    settings::flush();
    qint64 ms = 0;
    QString picture;
    {
        MainWindow window(testOptions());
        showWindow(window);
        picture = writeTestImage(dir.path());
        slowDisk = true;
        QElapsedTimer clock;
        clock.start();
        REQUIRE(window.openFile(picture));                 // remembered in the recent files
        window.sidePanel()->brushSize()->setValue(77);     // remembered
        ms = clock.elapsed();
        CHECK(settings::value("brush/size").toInt() == 77);  // read back at once
    }
    settings::flush();
    slowDisk = false;
    INFO("opening a picture and a brush size change took " << ms << " ms with a 1 s fdatasync");
    CHECK(slowSyncs > 0);  // the settings did reach the disk, just not from the UI thread
    CHECK(ms < 1000);
    const QSettings back;
    CHECK(back.value("brush/size").toInt() == 77);
    CHECK(back.value("recentFiles").toStringList().value(0) == QFileInfo(picture).absoluteFilePath());
}
