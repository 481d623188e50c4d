#include "monkey.h"

#include "dragdiff/dragdiff.h"
#include "ui/autosave.h"
#include "ui/canvas.h"
#include "ui/document.h"
#include "ui/engine_controller.h"
#include "ui/main_actions.h"
#include "ui/message_banner.h"
#include "ui/model_chooser.h"
#include "ui/parameter_panel.h"
#include "ui/side_panel.h"
#include "ui_test_support.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QDirIterator>
#include <QDoubleSpinBox>
#include <QFile>
#include <QFileInfo>
#include <QKeyEvent>
#include <QLineEdit>
#include <QMouseEvent>
#include <QMutex>
#include <QPushButton>
#include <QSpinBox>
#include <QTest>
#include <QThread>
#include <QUndoStack>
#include <QWheelEvent>

#include <cstdio>

namespace dragdiff::ui::monkey {
using test::clickImage;
using test::dragImage;
using test::waitFor;

namespace {

QMutex messagesMutex;
QStringList pendingCriticals;  // guarded by messagesMutex: Qt messages can come from any thread

QImage noise(int w, int h, unsigned seed, bool alpha) {
    std::mt19937 rng(seed);
    QImage img(w, h, QImage::Format_RGBA8888);
    for (int y = 0; y < h; ++y) {
        uchar* line = img.scanLine(y);
        for (int x = 0; x < w * 4; ++x) line[x] = (x % 4 == 3 && !alpha) ? 255 : static_cast<uchar>(rng());
    }
    return img;
}

void writeBytes(const QString& path, const QByteArray& bytes) {
    QFile f(path);
    if (f.open(QIODevice::WriteOnly)) f.write(bytes);
}

bool sameImage(const QImage& a, const QImage& b) {
    if (a.isNull() || b.isNull()) return a.isNull() == b.isNull();
    return a.size() == b.size() && a.convertToFormat(QImage::Format_RGBA8888) == b.convertToFormat(QImage::Format_RGBA8888);
}

void sendMouse(QWidget* w, QEvent::Type type, QPointF pos, Qt::MouseButton button, Qt::MouseButtons buttons) {
    QMouseEvent e(type, pos, w->mapToGlobal(pos), button, buttons, Qt::NoModifier);
    QApplication::sendEvent(w, &e);
}

// The calling thread's time spent waiting for a CPU so far (the second field of schedstat), ms.
qint64 runQueueWaitMs() {
    QFile f("/proc/thread-self/schedstat");
    if (!f.open(QIODevice::ReadOnly)) return 0;
    const QList<QByteArray> fields = f.readAll().split(' ');
    return fields.size() >= 2 ? fields[1].trimmed().toLongLong() / 1000000 : 0;
}

// Types text as key presses. QTest::keyClicks takes ASCII only (it asserts on anything else), so
// other characters go as key events that carry just their text, as an input method sends them.
void typeText(QWidget* w, const QString& text) {
    for (const QChar c : text) {
        if (c.unicode() >= 32 && c.unicode() < 127) {
            QTest::keyClick(w, c.toLatin1());
        } else if (c == '\n') {
            QTest::keyClick(w, Qt::Key_Return);
        } else {
            QKeyEvent press(QEvent::KeyPress, Qt::Key_unknown, Qt::NoModifier, QString(c));
            QApplication::sendEvent(w, &press);
            QKeyEvent release(QEvent::KeyRelease, Qt::Key_unknown, Qt::NoModifier, QString(c));
            QApplication::sendEvent(w, &release);
        }
    }
}

}  // namespace

Monkey::Monkey(MainWindow& window, Options options)
    : window_(window), options_(std::move(options)), rng_(options_.seed) {
    actions_ = {
        {"open-good", 4, [this] { openGood(); }},
        {"open-broken", 3, [this] { openBroken(); }},
        {"open-project", 2, [this] { openProject(); }},
        {"click-point", 14, [this] { clickPoint(); }},
        {"drag-point", 8, [this] { dragPoint(); }},
        {"delete-point", 4, [this] { deletePoint(); }},
        {"brush", 5, [this] { paintMask(false); }},
        {"erase", 3, [this] { paintMask(true); }},
        {"undo-redo", 10, [this] { undoRedo(); }},
        {"zoom", 5, [this] { zoom(); }},
        {"pan", 3, [this] { pan(); }},
        {"hover", 8, [this] { hover(); }},
        {"run", 5, [this] { runEdit(); }},
        {"cancel", 3, [this] { cancelEdit(); }},
        {"wait-run", 2, [this] { waitForRun(); }},
        {"parameter", 7, [this] { setParameter(); }},
        {"model", 2, [this] { switchModel(); }},
        {"save-project", 3, [this] { saveProject(); }},
        {"export", 3, [this] { exportPicture(); }},
        {"mask-file", 2, [this] { maskFiles(); }},
        {"view", 7, [this] { toggleView(); }},
        {"drag-mode", 3, [this] { cycleMode(); }},
        {"clear", 2, [this] { clearSomething(); }},
        {"autosave", 2, [this] { autosave(); }},
    };
    connect(window_.document(), &Document::imageReset, this, [this] { origin_ = window_.document()->image().copy(); });
    EngineController* engine = window_.engine();
    connect(engine, &EngineController::editFinished, this, [this] { ++report_.runsFinished; });
    connect(engine, &EngineController::editCancelled, this, [this] { ++report_.runsCancelled; });
    connect(engine, &EngineController::editFailed, this, [this](const QString& m) {
        ++report_.runsFailed;
        log("  edit failed: " + m);
    });
    probe_.setInterval(5);
    connect(&probe_, &QTimer::timeout, this, [this] {
        const qint64 now = clock_.elapsed();
        const qint64 wait = runQueueWaitMs();
        if (measuring_) {
            actionMaxGap_ = std::max(actionMaxGap_, now - lastTick_);
            actionMaxOwnGap_ = std::max(actionMaxOwnGap_, now - lastTick_ - (wait - lastWait_));
        }
        lastTick_ = now;
        lastWait_ = wait;
    });
}

void Monkey::onQtMessage(QtMsgType type, const QString& text) {
    QMutexLocker lock(&messagesMutex);
    if (type == QtCriticalMsg || type == QtFatalMsg) pendingCriticals << text;
    else if (type == QtWarningMsg) ++report_.warnings;
}

void Monkey::log(const QString& line) {
    QFile f(options_.root + "/monkey.log");
    if (f.open(QIODevice::Append)) f.write((line + "\n").toUtf8());
    if (options_.verbose) std::fprintf(stderr, "%s\n", qPrintable(line));
}

void Monkey::finding(const QString& text) {
    const QString line = QString("FINDING after #%1 %2: %3").arg(report_.actions).arg(current_, text);
    report_.findings << line;
    log(line);
    std::fprintf(stderr, "%s\n", qPrintable(line));
}

int Monkey::uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
bool Monkey::chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }

bool Monkey::running() const { return window_.canvas()->busy(); }

bool Monkey::trigger(QAction* action) {
    if (!action->isEnabled()) return false;  // a user cannot press it
    action->trigger();
    return true;
}

QPointF Monkey::randomImagePoint(double outsideChance) {
    const QSize s = window_.document()->hasImage() ? window_.document()->imageSize() : QSize(100, 100);
    const double margin = chance(outsideChance) ? 0.3 : 0.0;
    std::uniform_real_distribution<double> x(-margin * s.width(), (1 + margin) * s.width() - 1);
    std::uniform_real_distribution<double> y(-margin * s.height(), (1 + margin) * s.height() - 1);
    return QPointF(x(rng_), y(rng_));
}

void Monkey::makeInputs() {
    const QString in = options_.root + "/in";
    QDir().mkpath(in);
    QDir().mkpath(options_.root + "/out");
    auto save = [&](const QImage& img, const QString& name) {
        const QString path = in + "/" + name;
        img.save(path);
        goodPictures_ << path;
    };
    QImage gradient(200, 150, QImage::Format_RGB32);
    for (int y = 0; y < 150; ++y)
        for (int x = 0; x < 200; ++x) gradient.setPixel(x, y, qRgb(x * 255 / 200, y * 255 / 150, 128));
    save(gradient, "gradient.png");
    save(noise(96, 64, 1, false), "noise.png");
    save(noise(64, 64, 2, true), "alpha.png");
    save(gradient.scaled(320, 240).convertToFormat(QImage::Format_Grayscale8), "gray.png");
    save(gradient.scaled(300, 220), "photo.jpg");
    save(gradient.scaled(640, 480), "large.webp");
    save(noise(9, 7, 3, false), "tiny.png");
    goodPictures_ << MainWindow::sampleImagePath();

    QFile png(in + "/gradient.png");
    png.open(QIODevice::ReadOnly);
    const QByteArray bytes = png.readAll();
    writeBytes(in + "/empty.png", QByteArray());
    writeBytes(in + "/text.png", "this is not a picture");
    writeBytes(in + "/truncated.png", bytes.left(bytes.size() / 2));
    writeBytes(in + "/header-only.png", bytes.left(40));
    writeBytes(in + "/garbage.dragdiff.json", "{\"format\": \"dragdiff-edit\", \"version\": 1, \"drags\": [[");
    writeBytes(in + "/missing-image.dragdiff.json",
               R"({"format": "dragdiff-edit", "version": 1, "image": "nowhere.png", "model": "embedded", "drags": []})");
    QDir().mkpath(in + "/folder.png");
    brokenFiles_ = {in + "/empty.png",      in + "/text.png",       in + "/truncated.png",
                    in + "/header-only.png", in + "/garbage.dragdiff.json", in + "/missing-image.dragdiff.json",
                    in + "/folder.png",      in + "/does-not-exist.png"};
    // A model folder that does not load.
    QDir().mkpath(options_.root + "/bad-model/unet");
    writeBytes(options_.root + "/bad-model/unet/config.json", "{ not json");
    writeBytes(options_.root + "/bad-model.safetensors", "\x10\x00\x00\x00\x00\x00\x00\x00{\"a\":");
}

// --- actions ---

void Monkey::openGood() { window_.openFile(pick(goodPictures_)); }

void Monkey::openBroken() {
    const QImage before = window_.document()->image();
    const DragPoints points = window_.document()->points();
    const QString path = pick(brokenFiles_);
    if (window_.openFile(path)) return finding("a broken file opened: " + path);
    if (!sameImage(window_.document()->image(), before) || window_.document()->points() != points)
        finding("a failed open changed the document: " + path);
    if (!running() && !window_.banner()->isVisible()) finding("no message for a file that does not open: " + path);
}

void Monkey::openProject() {
    if (writtenProjects_.isEmpty()) return openGood();
    const QString path = pick(writtenProjects_);
    const bool wasRunning = running();
    if (!window_.openFile(path) && !wasRunning) finding("a project the app saved does not open: " + path);
}

void Monkey::clickPoint() {
    if (!window_.document()->hasImage()) return openGood();
    trigger(window_.actions()->pointTool);
    clickImage(window_, randomImagePoint());
}

void Monkey::dragPoint() {
    const DragPoints points = window_.document()->points();
    if (points.isEmpty()) return clickPoint();
    const DragPoint& p = pick(points);
    const QPointF from = (p.hasTarget && chance(0.5)) ? p.target : p.handle;
    trigger(window_.actions()->pointTool);
    dragImage(window_, from, randomImagePoint(), uniform(1, 12));
}

void Monkey::deletePoint() {
    const DragPoints points = window_.document()->points();
    if (points.isEmpty()) return clickPoint();
    const int i = uniform(0, int(points.size()) - 1);
    if (chance(0.5)) {
        clickImage(window_, points[i].handle, Qt::RightButton);
    } else {
        window_.canvas()->setSelectedPair(i);
        if (chance(0.5)) trigger(window_.actions()->deletePoint);
        else QTest::keyClick(window_.canvas(), Qt::Key_Delete);
    }
}

void Monkey::paintMask(bool erase) {
    if (!window_.document()->hasImage()) return openGood();
    trigger(erase ? window_.actions()->eraserTool : window_.actions()->brushTool);
    if (chance(0.3)) trigger(chance(0.5) ? window_.actions()->brushLarger : window_.actions()->brushSmaller);
    for (int i = uniform(1, 3); i > 0; --i) dragImage(window_, randomImagePoint(), randomImagePoint(), uniform(1, 10));
    if (chance(0.6)) trigger(window_.actions()->pointTool);
}

void Monkey::undoRedo() {
    MainActions* a = window_.actions();
    for (int i = uniform(1, 4); i > 0; --i) {
        if (chance(0.6)) {
            if (chance(0.5)) trigger(a->undo);
            else if (a->undo->isEnabled()) QTest::keyClick(&window_, Qt::Key_Z, Qt::ControlModifier);
        } else {
            if (chance(0.5)) trigger(a->redo);
            else if (a->redo->isEnabled()) QTest::keyClick(&window_, Qt::Key_Z, Qt::ControlModifier | Qt::ShiftModifier);
        }
    }
}

void Monkey::zoom() {
    MainActions* a = window_.actions();
    switch (uniform(0, 4)) {
    case 0: trigger(a->zoomIn); break;
    case 1: trigger(a->zoomOut); break;
    case 2: trigger(a->fit); break;
    case 3: trigger(a->actualSize); break;
    default: {
        Canvas* c = window_.canvas();
        const QPointF pos(uniform(0, c->width() - 1), uniform(0, c->height() - 1));
        QWheelEvent e(pos, c->mapToGlobal(pos), QPoint(), QPoint(0, chance(0.5) ? 120 : -120), Qt::NoButton,
                      Qt::NoModifier, Qt::NoScrollPhase, false);
        QApplication::sendEvent(c, &e);
    }
    }
}

void Monkey::pan() {
    Canvas* c = window_.canvas();
    QPointF from(uniform(0, c->width() - 1), uniform(0, c->height() - 1));
    const QPointF to(uniform(-200, c->width() + 200), uniform(-200, c->height() + 200));
    sendMouse(c, QEvent::MouseButtonPress, from, Qt::MiddleButton, Qt::MiddleButton);
    for (int i = 1; i <= 6; ++i) sendMouse(c, QEvent::MouseMove, from + (to - from) * (i / 6.0), Qt::NoButton, Qt::MiddleButton);
    sendMouse(c, QEvent::MouseButtonRelease, to, Qt::MiddleButton, Qt::NoButton);
}

void Monkey::hover() {
    if (!window_.document()->hasImage()) return;
    Canvas* c = window_.canvas();
    for (int i = uniform(1, 8); i > 0; --i) {
        sendMouse(c, QEvent::MouseMove, c->imageToWidget(randomImagePoint(0.1)), Qt::NoButton, Qt::NoButton);
        QTest::qWait(uniform(0, 40));
    }
}

void Monkey::runEdit() {
    if (running()) return;
    if (window_.document()->completePairCount() == 0 && chance(0.7)) {
        trigger(window_.actions()->pointTool);
        clickImage(window_, randomImagePoint(0));
        clickImage(window_, randomImagePoint(0));
    }
    const bool viaButton = chance(0.3);
    if (viaButton) {
        if (window_.sidePanel()->runButton()->isEnabled()) QTest::mouseClick(window_.sidePanel()->runButton(), Qt::LeftButton);
    } else {
        trigger(window_.actions()->run);
    }
    if (running()) ++report_.runsStarted;
}

void Monkey::cancelEdit() {
    if (!running()) return;
    QTest::qWait(uniform(0, 1500));
    if (chance(0.5)) trigger(window_.actions()->cancel);
    else QTest::keyClick(window_.canvas(), Qt::Key_Escape);
}

void Monkey::waitForRun() {
    if (!running()) return;
    // Finished, or given up on (then cancelled, as an impatient user would).
    if (!waitFor([this] { return !running(); }, uniform(1000, 20000))) trigger(window_.actions()->cancel);
    waitFor([this] { return !running(); }, 30000);
    if (running()) finding("an edit did not stop within 30 s of being cancelled");
}

void Monkey::setParameter() {
    ParameterPanel* panel = window_.sidePanel()->parameters();
    if (chance(0.1)) {
        QTest::mouseClick(window_.sidePanel()->advanced(), Qt::LeftButton);
        return;
    }
    if (chance(0.05)) {
        QTest::mouseClick(window_.sidePanel()->resetButton(), Qt::LeftButton);
        return;
    }
    QList<QWidget*> editors;
    for (const ParameterInfo& info : parameterTable())
        if (QWidget* w = panel->editor(QString::fromStdString(info.key)); w && w->isVisible() && w->isEnabled()) editors << w;
    if (editors.isEmpty()) return;
    QWidget* w = pick(editors);
    static const QStringList texts = {"abc", "-5", "0", "1", "3", "1e9", "99999", "0.5", "", " ", "nan", "2,5", "∞", "4"};
    if (auto* box = qobject_cast<QCheckBox*>(w)) {
        QTest::mouseClick(box, Qt::LeftButton);
    } else if (auto* combo = qobject_cast<QComboBox*>(w)) {
        combo->setCurrentIndex(uniform(0, combo->count() - 1));
    } else if (auto* spin = qobject_cast<QAbstractSpinBox*>(w)) {
        spin->setFocus();
        QTest::keyClick(spin, Qt::Key_A, Qt::ControlModifier);
        // Small step counts keep the monkey's runs short; other values as a user types them.
        const bool steps = w == panel->editor("steps");
        typeText(spin, steps && chance(0.7) ? QString::number(uniform(2, 6)) : pick(texts));
        QTest::keyClick(spin, chance(0.5) ? Qt::Key_Return : Qt::Key_Tab);
        if (chance(0.3)) QTest::keyClick(spin, chance(0.5) ? Qt::Key_Up : Qt::Key_Down);
    } else if (auto* edit = qobject_cast<QLineEdit*>(w)) {
        static const QStringList prompts = {"a photo of a red ball", "", "ünïcödé ✓ 🎈", QString(300, 'x'),
                                            "line\nbreak", "\"quotes\" and \\ backslash"};
        edit->setFocus();
        edit->selectAll();
        typeText(edit, pick(prompts));
        QTest::keyClick(edit, Qt::Key_Return);
    }
}

void Monkey::switchModel() {
    ModelChooser* chooser = window_.sidePanel()->modelChooser();
    const bool good = window_.engine()->modelState() == EngineController::ModelState::Failed || chance(0.4);
    const QString path = good ? QString("embedded")
                              : chance(0.5) ? options_.root + "/bad-model" : options_.root + "/bad-model.safetensors";
    chooser->choose(path);
    if (good && chance(0.5))
        waitFor([this] { return window_.engine()->modelState() != EngineController::ModelState::Loading; }, 30000);
}

void Monkey::saveProject() {
    if (!window_.document()->hasImage()) return;
    if (chance(0.15)) {
        if (window_.saveProjectTo(options_.root + "/out/missing/p.dragdiff.json"))
            finding("a project was saved into a folder that does not exist");
        return;
    }
    const QString path = QString("%1/out/project%2.dragdiff.json").arg(options_.root).arg(uniform(1, 3));
    if (!window_.saveProjectTo(path)) return finding("saving the project failed: " + window_.banner()->text());
    if (!writtenProjects_.contains(path)) writtenProjects_ << path;
}

void Monkey::exportPicture() {
    if (!window_.document()->hasImage()) return;
    static const QStringList names = {"export.png", "export.jpg", "export.webp", "export.gif", "missing/export.png"};
    const QString name = pick(names);
    const bool ok = window_.exportTo(options_.root + "/out/" + name);
    const bool shouldWork = !name.contains("gif") && !name.contains("missing");
    if (ok != shouldWork) finding(QString("export to %1 %2").arg(name, ok ? "worked" : "failed: " + window_.banner()->text()));
}

void Monkey::maskFiles() {
    if (!window_.document()->hasImage()) return;
    if (chance(0.5)) {
        if (window_.document()->hasMask()) window_.exportMaskTo(options_.root + "/out/mask.png");
    } else {
        const QString path = chance(0.6) && QFile::exists(options_.root + "/out/mask.png") ? options_.root + "/out/mask.png"
                                                                                            : pick(brokenFiles_);
        window_.importMaskFrom(path);
    }
}

void Monkey::toggleView() {
    MainActions* a = window_.actions();
    switch (uniform(0, 6)) {
    case 0: trigger(a->toggleHeatmap); break;
    case 1: trigger(a->compare); break;
    case 2: trigger(a->warpPreview); break;
    case 3: trigger(a->toggleMask); break;
    case 5: trigger(a->liveDrag); break;
    case 4: {
        QTest::keyPress(window_.canvas(), Qt::Key_Backslash);
        QTest::qWait(uniform(0, 100));
        QTest::keyRelease(window_.canvas(), Qt::Key_Backslash);
        break;
    }
    default:
        window_.canvas()->setSplitPosition(std::uniform_real_distribution<double>(0, 1)(rng_));
    }
}

void Monkey::cycleMode() {
    const DragPoints points = window_.document()->points();
    if (points.isEmpty()) return clickPoint();
    window_.canvas()->setSelectedPair(uniform(0, int(points.size()) - 1));
    if (chance(0.5)) trigger(window_.actions()->cycleDragMode);
    else trigger(pick(QList<QAction*>{window_.actions()->modeAuto, window_.actions()->modeMove, window_.actions()->modeReshape}));
}

void Monkey::clearSomething() { trigger(chance(0.5) ? window_.actions()->clearPoints : window_.actions()->clearMask); }

void Monkey::autosave() { window_.autosave()->saveInBackground(); }

// --- invariants ---

void Monkey::checkDocument(const QString& action) {
    Document* doc = window_.document();
    if (!doc->hasImage()) return;
    if (!doc->mask().isNull() && doc->mask().size() != doc->imageSize())
        finding(QString("the mask is %1x%2 but the picture %3x%4").arg(doc->mask().width()).arg(doc->mask().height())
                    .arg(doc->imageSize().width()).arg(doc->imageSize().height()));
    if (running() || doc->strokeActive()) return;  // undo is not offered meanwhile
    QUndoStack* stack = doc->undoStack();
    const int index = stack->index();
    const QImage image = doc->image().copy();
    const QImage mask = doc->mask().copy();
    const DragPoints points = doc->points();
    const EditParameters params = doc->parameters();
    stack->setIndex(0);
    if (!sameImage(doc->image(), origin_))
        finding("undo back to the start does not give the opened picture (" + action + ")");
    stack->setIndex(index);
    if (!sameImage(doc->image(), image) || doc->points() != points || !sameImage(doc->mask(), mask))
        finding("redo after undo to the start does not give back the same document (" + action + ")");
}

void Monkey::checkFiles(const QString& action, bool deep) {
    // Only the monkey's own folders may hold files; the app's current folder stays empty.
    const QStringList allowed = {"in", "out", "home", "tmp", "cwd", "bad-model", "bad-model.safetensors", "monkey.log"};
    for (const QString& name : QDir(options_.root).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot))
        if (!allowed.contains(name)) finding("a file appeared in the monkey's folder: " + name + " (" + action + ")");
    const QStringList cwd = QDir(options_.root + "/cwd").entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot);
    if (!cwd.isEmpty()) finding("files written to the current folder: " + cwd.join(", ") + " (" + action + ")");
    QStringList strays;
    for (const QString& name : QDir(options_.root + "/in").entryList(QDir::Files | QDir::Hidden))
        if (name.contains(".tmp-") || name.contains("dragdiff-probe") || name.endsWith(".mask.png") || name.endsWith(".input.png"))
            strays << name;
    for (const QString& name : QDir(options_.root + "/out").entryList(QDir::Files | QDir::Hidden))
        if (name.contains(".tmp-") || name.contains("dragdiff-probe")) strays << name;
    if (!strays.isEmpty() && !running()) {
        // A background autosave or a save may be between its temporary and its rename: look again.
        QTest::qWait(200);
        QStringList still;
        for (const QString& s : strays)
            if (QFile::exists(options_.root + "/in/" + s) || QFile::exists(options_.root + "/out/" + s)) still << s;
        if (!still.isEmpty()) finding("stray files: " + still.join(", ") + " (" + action + ")");
    }
    if (!deep) return;
    for (auto it = watchedOutside_.cbegin(); it != watchedOutside_.cend(); ++it) {
        const QFileInfo f(it.key());
        const qint64 now = f.exists() ? f.lastModified().toMSecsSinceEpoch() : -1;
        if (now != it.value()) finding("a file outside the monkey's folder changed: " + it.key());
    }
    // New entries in /tmp of the kinds the app writes (atomic temporaries, probes, projects, masks,
    // exports and settings); other programs' files there are not the app's.
    static const QStringList kinds = {".tmp-", "dragdiff-probe", ".dragdiff.json", ".mask.png", ".input.png",
                                      "export.", "DragDiffMonkey", "autosave"};
    for (const QFileInfo& f : QDir("/tmp").entryInfoList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot)) {
        if (f.absoluteFilePath().startsWith(options_.root) || !f.birthTime().isValid() ||
            f.birthTime().toSecsSinceEpoch() < startSecs_)
            continue;
        for (const QString& k : kinds)
            if (f.fileName().contains(k)) {
                finding("a file appeared in /tmp: " + f.absoluteFilePath());
                break;
            }
    }
}

void Monkey::check(const QString& action) {
    QStringList criticals;
    {
        QMutexLocker lock(&messagesMutex);
        criticals.swap(pendingCriticals);
    }
    for (const QString& c : criticals) finding("Qt critical message: " + c);
    if (actionMaxGap_ > report_.maxGapMs) {
        report_.maxGapMs = actionMaxGap_;
        report_.maxGapAction = action;
    }
    if (actionMaxOwnGap_ > report_.maxOwnGapMs) {
        report_.maxOwnGapMs = actionMaxOwnGap_;
        report_.maxOwnGapAction = action;
    }
    if (actionMaxOwnGap_ > options_.stallMs)
        finding(QString("the UI stalled for %1 ms (%2 ms wall clock; %3)").arg(actionMaxOwnGap_).arg(actionMaxGap_).arg(action));
    else if (actionMaxGap_ > options_.stallMs) {
        ++report_.starvedGaps;
        log(QString("  gap of %1 ms, %2 ms of it waiting for a CPU (other programs' load)")
                .arg(actionMaxGap_).arg(actionMaxGap_ - actionMaxOwnGap_));
    }
    checkDocument(action);
    checkFiles(action, report_.actions % 50 == 0);
}

void Monkey::step() {
    int total = 0;
    for (const Action& a : actions_) total += a.weight;
    int r = uniform(0, total - 1);
    const Action* chosen = &actions_.front();
    for (const Action& a : actions_) {
        if (r < a.weight) {
            chosen = &a;
            break;
        }
        r -= a.weight;
    }
    ++report_.actions;
    ++report_.counts[chosen->name];
    current_ = chosen->name;
    log(QString("#%1 %2s %3").arg(report_.actions).arg(clock_.elapsed() / 1000.0, 0, 'f', 1).arg(chosen->name));
    // The gap is measured from the last tick before the action, through the action and the events
    // that follow it, to the next tick.
    QApplication::processEvents();
    lastTick_ = clock_.elapsed();
    lastWait_ = runQueueWaitMs();
    actionMaxGap_ = 0;
    actionMaxOwnGap_ = 0;
    measuring_ = true;
    chosen->act();
    QTest::qWait(uniform(5, 60));  // a user's pause; the event loop runs and the probe ticks
    measuring_ = false;
    check(chosen->name);
}

Report Monkey::run() {
    makeInputs();
    // Files outside the root that must not change: the model's weights and the user's own settings.
    for (const QString& dir : {QString(DRAGDIFF_SOURCE_DIR "/weights/embedded")}) {
        QDirIterator it(dir, QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString f = it.next();
            watchedOutside_[f] = QFileInfo(f).lastModified().toMSecsSinceEpoch();
        }
    }
    startSecs_ = QDateTime::currentSecsSinceEpoch();
    clock_.start();
    probe_.start();
    window_.autosave()->start(3000);
    waitFor([this] { return window_.engine()->modelState() != EngineController::ModelState::Loading; }, 60000);
    while (clock_.elapsed() < options_.seconds * 1000) step();
    // Leave nothing running: cancel and wait, as closing the window would.
    trigger(window_.actions()->cancel);
    waitFor([this] { return !running(); }, 30000);
    current_ = "end";
    checkFiles("end", true);
    if (running()) finding("an edit still runs at the end");
    report_.seconds = clock_.elapsed() / 1000.0;
    return report_;
}

}  // namespace dragdiff::ui::monkey
