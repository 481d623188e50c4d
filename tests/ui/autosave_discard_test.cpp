// A project save does not wait for a background autosave (issue 19, found by the GUI monkey: a save
// discards the autosave, and the discard waited for the autosave writer to encode and flush its
// files, 0.25-0.3 s with the UI thread held). This binary's fsync stands in for the slow disk.
#include "support/catch_compat.h"

#include "ui/autosave.h"
#include "ui/document.h"
#include "ui_test_support.h"

#include <QDir>
#include <QElapsedTimer>
#include <QThread>
#include <QTimer>

#include <dlfcn.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

using namespace dragdiff::ui;
using namespace dragdiff::ui::test;

namespace {
std::atomic<bool> slowFsync{false};
}  // namespace

// Interposes fsync for this binary (the core's atomic writes flush with it).
extern "C" int fsync(int fd) {
    using Fn = int (*)(int);
    static const Fn real = reinterpret_cast<Fn>(dlsym(RTLD_NEXT, "fsync"));
    if (slowFsync && QThread::currentThread()->objectName() == "dragdiff-autosave")
        std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    return real(fd);
}

TEST_CASE("a project save does not wait for a background autosave", "[ui]") {
    QTemporaryDir dir;
    const QByteArray oldHome = qgetenv("HOME");  // an autosave folder of its own
    QDir().mkpath(dir.path() + "/home");
    qputenv("HOME", (dir.path() + "/home").toUtf8());
    struct RestoreHome {
        QByteArray home;
        ~RestoreHome() { qputenv("HOME", home); }
    } restoreHome{oldHome};

    MainWindow window(testOptions());
    showWindow(window);
    REQUIRE(window.openFile(writeTestImage(dir.path())));
    clickImage(window, QPointF(30, 30));
    clickImage(window, QPointF(90, 60));
    slowFsync = true;
    window.autosave()->saveInBackground();  // its file flushes slowly (1.5 s)
    REQUIRE(window.autosave()->writing());
    QThread::msleep(100);  // the writer is inside its write now

    // The longest the UI thread goes without running its event loop during the save.
    QElapsedTimer clock;
    clock.start();
    qint64 last = 0, longest = 0;
    QTimer timer;
    timer.setInterval(1);
    QObject::connect(&timer, &QTimer::timeout, [&] {
        longest = std::max(longest, clock.elapsed() - last);
        last = clock.elapsed();
    });
    timer.start();
    REQUIRE(window.saveProjectTo(dir.path() + "/p.dragdiff.json"));
    longest = std::max(longest, clock.elapsed() - last);
    timer.stop();
    INFO("the UI thread was held " << longest << " ms at most while a slow autosave was being written");
    CHECK(longest < 500);

    // The discarded autosave is gone once its writer ends, not written back.
    REQUIRE(waitFor([&] { return !window.autosave()->writing(); }, 20000));
    slowFsync = false;
    CHECK_FALSE(Autosave::hasRecovery());
    CHECK_FALSE(QDir(Autosave::folder()).exists());
}
