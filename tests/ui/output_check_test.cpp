// Checks before writing (issue 19): export, mask export and project save refuse a path that cannot
// be written before they encode anything, with a message that says what is wrong and what to do,
// and a project save writes none of its files (picture, mask, project) when one cannot be written.
#include "support/catch_compat.h"

#include "dragdiff/dragdiff.h"
#include "ui/document.h"
#include "ui/message_banner.h"
#include "ui_test_support.h"

#include <QDir>
#include <QFile>
#include <QPushButton>


using namespace dragdiff::ui;
using namespace dragdiff::ui::test;

namespace {

QStringList entries(const QString& dir) {
    return QDir(dir).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot);
}

void editAndMask(MainWindow& window) {
    QImage edited = window.document()->image().copy();
    edited.fill(Qt::darkCyan);
    window.document()->applyEdit(edited, true);
    clickImage(window, QPointF(30, 30));
    clickImage(window, QPointF(90, 60));
    window.document()->beginMaskStroke(false);
    window.document()->strokeMaskSegment(QPointF(20, 75), QPointF(180, 75), 20);
    window.document()->endMaskStroke();
}

}  // namespace

TEST_CASE("export refuses a path it cannot write and says what to do", "[ui]") {
    QTemporaryDir dir;
    MainWindow window(testOptions());
    showWindow(window);
    REQUIRE(window.openFile(writeTestImage(dir.path())));
    const QStringList before = entries(dir.path());

    CHECK_FALSE(window.exportTo(dir.path() + "/no-such-folder/out.png"));
    CHECK(window.banner()->isVisible());
    CHECK(window.banner()->text().contains("no-such-folder' does not exist; create it or choose another folder"));

    CHECK_FALSE(window.exportTo(dir.path() + "/out.gif"));
    CHECK(window.banner()->text().contains("use a .png, .jpg or .webp file name"));

    QDir(dir.path()).mkdir("folder.png");
    CHECK_FALSE(window.exportTo(dir.path() + "/folder.png"));
    CHECK(window.banner()->text().contains("folder"));

    CHECK_FALSE(window.exportTo("/proc/dragdiff-out.png"));  // takes no new file, even for root
    CHECK(window.banner()->text().contains("cannot create a file in '/proc'"));

    QStringList expected = before + QStringList{"folder.png"};
    expected.sort();
    CHECK(entries(dir.path()) == expected);
    CHECK(window.document()->hasImage());
    CHECK(window.exportTo(dir.path() + "/out.png"));  // and a good path still works
}

TEST_CASE("a project save that cannot write writes none of its files", "[ui]") {
    QTemporaryDir dir;
    MainWindow window(testOptions());
    showWindow(window);
    REQUIRE(window.openFile(writeTestImage(dir.path())));
    editAndMask(window);
    QFile plain(dir.path() + "/plain.txt");
    REQUIRE(plain.open(QIODevice::WriteOnly));
    plain.write("a file");
    plain.close();
    const QStringList before = entries(dir.path());

    CHECK_FALSE(window.saveProjectTo(dir.path() + "/plain.txt/p.dragdiff.json"));
    CHECK(window.banner()->text().contains("plain.txt' is a file, not a folder; choose another folder"));
    CHECK(window.banner()->actionButton()->isVisible());  // "Save As…"
    CHECK_FALSE(window.saveProjectTo(dir.path() + "/gone/p.dragdiff.json"));
    CHECK(window.banner()->text().contains("does not exist"));
    CHECK_FALSE(window.saveProjectTo("/proc/p.dragdiff.json"));
    CHECK(window.banner()->text().contains("/proc"));
    CHECK(entries(dir.path()) == before);
    CHECK(window.document()->isModified());
    CHECK(window.document()->projectPath().isEmpty());

    CHECK_FALSE(window.exportMaskTo(dir.path() + "/gone/mask.png"));
    CHECK(window.banner()->text().contains("does not exist"));

    REQUIRE(window.saveProjectTo(dir.path() + "/p.dragdiff.json"));
    CHECK(QFile::exists(dir.path() + "/p.input.png"));
    CHECK(QFile::exists(dir.path() + "/p.mask.png"));
    CHECK_FALSE(window.document()->isModified());
}
