// Full disk (issue 19): export, project save and autosave onto a file system with no space left.
// Each test mounts its own small tmpfs (we run as root; without the right to mount, the test says
// so and is skipped). After every failure: the previous files are byte for byte what they were, no
// temporary is left, the message says the disk is full and what to do, and the window still works.
#include "support/catch_compat.h"

#include "dragdiff/dragdiff.h"
#include "ui/autosave.h"
#include "ui/document.h"
#include "ui/message_banner.h"
#include "ui/project_file.h"
#include "ui_test_support.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSignalSpy>
#include <QUndoStack>

#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <map>
#include <random>

using namespace dragdiff::ui;
using namespace dragdiff::ui::test;

namespace {

// A tmpfs of `bytes` on `where` (created), unmounted when the object dies.
class SmallDisk {
public:
    SmallDisk(const QString& where, size_t bytes) : path_(where) {
        QDir().mkpath(path_);
        const std::string opts = "size=" + std::to_string(bytes) + ",mode=0755";
        mounted_ = ::mount("tmpfs", path_.toLocal8Bit().constData(), "tmpfs", MS_NOSUID | MS_NODEV, opts.c_str()) == 0;
        if (!mounted_) reason_ = std::strerror(errno);
    }
    ~SmallDisk() {
        if (mounted_) ::umount2(path_.toLocal8Bit().constData(), MNT_DETACH);
    }
    bool mounted() const { return mounted_; }
    std::string reason() const { return reason_; }
    QString file(const QString& name) const { return path_ + "/" + name; }
    // Fills the disk, then gives back `freeBytes` (rounded up to whole pages).
    void fillLeaving(qint64 freeBytes) {
        QFile f(file("filler"));
        f.open(QIODevice::WriteOnly | QIODevice::Append);
        const QByteArray block(4096, 'x');
        while (f.write(block) == block.size() && f.flush()) {
        }
        const qint64 pages = (freeBytes + 4095) / 4096;
        f.close();
        const qint64 size = QFileInfo(file("filler")).size();
        QFile::resize(file("filler"), std::max<qint64>(0, size - pages * 4096));
    }
    void freeAll() { QFile::remove(file("filler")); }

private:
    QString path_;
    bool mounted_ = false;
    std::string reason_;
};

bool skipWithoutMount(const SmallDisk& disk) {
    if (disk.mounted()) return false;
    std::cout << "SKIPPED: cannot mount a tmpfs here (" << disk.reason() << "); the full-disk case is not tested\n";
    WARN("full-disk case not tested: cannot mount a tmpfs (" << disk.reason() << ")");
    return true;
}

QImage noise(int w, int h, unsigned seed) {
    std::mt19937 rng(seed);
    QImage img(w, h, QImage::Format_RGBA8888);
    for (int y = 0; y < h; ++y) {
        uchar* line = img.scanLine(y);
        for (int x = 0; x < w * 4; ++x) line[x] = (x % 4 == 3) ? 255 : static_cast<uchar>(rng());
    }
    return img;
}

QByteArray bytesOf(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// Every file of a folder with its bytes (the filler aside).
std::map<QString, QByteArray> snapshotFolder(const QString& dir) {
    std::map<QString, QByteArray> files;
    for (const QString& name : QDir(dir).entryList(QDir::Files | QDir::Hidden))
        if (name != "filler") files[name] = bytesOf(dir + "/" + name);
    return files;
}

// A state of the document: an edited picture, points and a mask. A light state's picture and
// mask are flat (small files); a heavy one's are noise (files that do not compress).
void makeState(MainWindow& window, unsigned seed, bool heavy) {
    Document* doc = window.document();
    QImage picture = noise(200, 150, seed);
    if (!heavy) picture.fill(QColor(20 + seed % 200, 90, 160));
    doc->applyEdit(picture, true);
    clickImage(window, QPointF(20 + seed % 50, 30));
    clickImage(window, QPointF(120, 40 + seed % 50));
    if (heavy) {
        QImage mask(200, 150, QImage::Format_Alpha8);
        std::mt19937 rng(seed);
        for (int y = 0; y < 150; ++y)
            for (int x = 0; x < 200; ++x) mask.scanLine(y)[x] = (rng() & 1) ? 255 : 0;
        doc->replaceMask(mask, "noise mask");
    } else {
        doc->beginMaskStroke(false);
        doc->strokeMaskSegment(QPointF(10, 10 + seed % 100), QPointF(190, 140), 15);
        doc->endMaskStroke();
    }
}

// The window still does what it is asked: points, undo, an export elsewhere.
void checkUsable(MainWindow& window, const QString& elsewhere) {
    Document* doc = window.document();
    const int before = doc->points().size();
    clickImage(window, QPointF(60, 60));
    CHECK(doc->points().size() == before + 1);
    doc->undoStack()->undo();
    CHECK(doc->points().size() == before);
    CHECK(window.exportTo(elsewhere + "/usable.png"));
    CHECK(dragdiff::loadImage((elsewhere + "/usable.png").toStdString()).width == 200);
}

}  // namespace

TEST_CASE("full disk: a project save fails whole and keeps the previous project", "[ui]") {
    QTemporaryDir dir;
    SmallDisk disk(dir.path() + "/disk", 1024 * 1024);
    if (skipWithoutMount(disk)) return;
    MainWindow window(testOptions());
    showWindow(window);
    REQUIRE(window.openFile(writeTestImage(dir.path())));
    makeState(window, 1, false);
    const QString project = disk.file("p.dragdiff.json");
    REQUIRE(window.saveProjectTo(project));
    const auto before = snapshotFolder(disk.file(""));
    REQUIRE(before.count("p.input.png"));
    REQUIRE(before.count("p.mask.png"));

    // A heavy state; saved elsewhere first to learn how big its picture is.
    makeState(window, 2, true);
    const auto points = window.document()->points();
    ProjectFile::save(*window.document(), dir.path() + "/ref.dragdiff.json", dragdiff::ModelSpec{});
    const qint64 pictureBytes = QFileInfo(dir.path() + "/ref.input.png").size();
    // Room for the new picture, and after it replaces the old (small) one, none for the new mask:
    // before the fix the picture was replaced and the old project then showed the new picture with
    // the old points and mask. Now nothing is replaced until every file is written.
    disk.fillLeaving(pictureBytes);
    CHECK_FALSE(window.saveProjectTo(project));
    INFO(window.banner()->text().toStdString());
    CHECK(window.banner()->isVisible());
    CHECK(window.banner()->text().contains("full"));
    CHECK(window.banner()->text().contains("free some space"));
    CHECK(snapshotFolder(disk.file("")) == before);  // every file as it was, no temporary left
    CHECK(window.document()->isModified());
    CHECK(window.document()->points() == points);
    checkUsable(window, dir.path());

    disk.freeAll();
    REQUIRE(window.saveProjectTo(project));
    MainWindow reopened(testOptions());
    REQUIRE(reopened.openFile(project));
    CHECK(reopened.document()->image() == window.document()->image());
    CHECK(reopened.document()->points().size() == points.size());
}

TEST_CASE("full disk: an export fails and keeps the previous file", "[ui]") {
    QTemporaryDir dir;
    SmallDisk disk(dir.path() + "/disk", 512 * 1024);
    if (skipWithoutMount(disk)) return;
    MainWindow window(testOptions());
    showWindow(window);
    REQUIRE(window.openFile(writeTestImage(dir.path())));
    REQUIRE(window.exportTo(disk.file("out.png")));
    const auto before = snapshotFolder(disk.file(""));
    window.document()->applyEdit(noise(200, 150, 7), true);  // bigger than the gradient
    disk.fillLeaving(0);
    CHECK_FALSE(window.exportTo(disk.file("out.png")));
    INFO(window.banner()->text().toStdString());
    CHECK(window.banner()->text().contains("full"));
    CHECK(window.banner()->text().contains("free some space"));
    CHECK(snapshotFolder(disk.file("")) == before);
    checkUsable(window, dir.path());
    disk.freeAll();
    CHECK(window.exportTo(disk.file("out.png")));
    CHECK(dragdiff::loadImage(disk.file("out.png").toStdString()).pixels ==
          dragdiff::loadImage((dir.path() + "/usable.png").toStdString()).pixels);
}

TEST_CASE("full disk: autosave fails, says so and keeps the last autosave", "[ui]") {
    QTemporaryDir dir;
    // A HOME of its own: the autosave folder is then this test's (other UI tests discard theirs).
    const QByteArray oldHome = qgetenv("HOME");
    QDir().mkpath(dir.path() + "/home");
    qputenv("HOME", (dir.path() + "/home").toUtf8());
    struct RestoreHome {
        QByteArray home;
        ~RestoreHome() { qputenv("HOME", home); }
    } restoreHome{oldHome};
    REQUIRE(Autosave::folder().startsWith(dir.path() + "/home"));
    SmallDisk disk(Autosave::folder(), 1024 * 1024);
    if (skipWithoutMount(disk)) return;

    MainWindow window(testOptions());
    showWindow(window);
    REQUIRE(window.openFile(writeTestImage(dir.path())));
    Autosave autosave(window.document(), [] { return dragdiff::ModelSpec{}; });
    QSignalSpy failures(&autosave, &Autosave::failed);
    makeState(window, 3, false);
    REQUIRE(autosave.saveNow());
    const auto before = snapshotFolder(disk.file(""));
    REQUIRE(before.count("autosave.dragdiff.json"));
    const auto savedPoints = window.document()->points();

    makeState(window, 4, true);
    // Not saveProjectTo: a user's save discards the autosave.
    ProjectFile::save(*window.document(), dir.path() + "/ref.dragdiff.json", dragdiff::ModelSpec{});
    disk.fillLeaving(QFileInfo(dir.path() + "/ref.input.png").size());
    CHECK_FALSE(autosave.saveNow());
    REQUIRE(failures.size() == 1);
    const QString message = failures.at(0).at(0).toString();
    INFO(message.toStdString());
    CHECK(message.contains("full"));
    CHECK(message.contains("free some space"));
    CHECK(message.contains("kept"));
    CHECK(snapshotFolder(disk.file("")) == before);
    // What a restart would recover is still the last good autosave.
    REQUIRE(Autosave::hasRecovery());
    const ProjectFile::Contents recovered = ProjectFile::load(Autosave::recovery().projectPath);
    CHECK(recovered.points.size() == savedPoints.size());
    CHECK(recovered.points.first().handle == savedPoints.first().handle);
    checkUsable(window, dir.path());

    // In the background as the timer does it: the failure comes as a signal, nothing blocks.
    window.document()->markModified();
    clickImage(window, QPointF(70, 70));
    autosave.saveInBackground();
    REQUIRE(waitFor([&] { return !autosave.writing(); }, 10000));
    CHECK(failures.size() == 2);
    CHECK(snapshotFolder(disk.file("")) == before);

    disk.freeAll();
    CHECK(autosave.saveNow());
    CHECK(failures.size() == 2);
    // The project format keeps complete pairs only.
    CHECK(ProjectFile::load(Autosave::recovery().projectPath).points.size() == window.document()->completePairCount());
    Autosave::discard();
}
