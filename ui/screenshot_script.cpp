#include "ui/screenshot_script.h"

#include "ui/canvas.h"
#include "ui/document.h"
#include "ui/image_convert.h"
#include "ui/live_drag.h"
#include "ui/main_actions.h"
#include "ui/main_window.h"
#include "ui/model_addons_dialog.h"
#include "ui/model_chooser.h"
#include "ui/mask_brush_tool.h"
#include "ui/message_banner.h"
#include "ui/side_panel.h"
#include "ui/warp_previewer.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QDir>
#include <QElapsedTimer>
#include <QMouseEvent>
#include <QProgressBar>
#include <QStyleFactory>
#include <QThread>
#include <QUndoStack>

#include <cstdio>
#include <functional>

namespace dragdiff::ui {
namespace {

void settle(int ms = 150) {
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < ms) {
        QApplication::processEvents(QEventLoop::AllEvents, 20);
        QThread::msleep(5);
    }
}

bool grab(QWidget* window, const QString& dir, const QString& name) {
    settle();
    const QString path = dir + "/" + name + ".png";
    const bool ok = window->grab().save(path);
    std::printf("%s %s\n", ok ? "wrote" : "FAILED", qPrintable(path));
    return ok;
}

QPalette darkPalette() {
    QPalette p;
    const QColor window(45, 45, 48), base(30, 30, 32), text(225, 225, 225), accent(60, 130, 220);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, window);
    p.setColor(QPalette::ToolTipBase, base);
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, window.lighter(115));
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, Qt::white);
    p.setColor(QPalette::Highlight, accent);
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Light, QColor(90, 90, 95));
    p.setColor(QPalette::Midlight, QColor(70, 70, 74));
    p.setColor(QPalette::Mid, QColor(55, 55, 58));
    p.setColor(QPalette::Dark, QColor(25, 25, 27));
    p.setColor(QPalette::Shadow, Qt::black);
    for (auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
        p.setColor(QPalette::Disabled, role, QColor(120, 120, 120));
    // Qt derives the placeholder from a light palette's text: too dark to read on this base.
    p.setColor(QPalette::All, QPalette::PlaceholderText, QColor(150, 150, 150));
    return p;
}

// Processes events until `done` or `timeoutMs`; returns done().
bool settleUntil(const std::function<bool()>& done, int timeoutMs) {
    QElapsedTimer t;
    t.start();
    while (!done() && t.elapsed() < timeoutMs) {
        QApplication::processEvents(QEventLoop::AllEvents, 20);
        QThread::msleep(5);
    }
    return done();
}

void hover(QWidget* canvas, QPointF pos) {
    QMouseEvent move(QEvent::MouseMove, pos, canvas->mapToGlobal(pos), Qt::NoButton, Qt::NoButton, Qt::NoModifier);
    QApplication::sendEvent(canvas, &move);
}

}  // namespace

int ScreenshotScript::run(const QString& outputDir) {
    QDir().mkpath(outputDir);
    QApplication::setStyle(QStyleFactory::create("Fusion"));
    MainWindow::Options options;
    options.interactive = false;
    options.autosave = false;
    options.loadModelAtStart = false;
    MainWindow window(options);
    window.resize(1280, 800);
    window.show();
    EngineController* engine = window.engine();
    using MS = EngineController::ModelState;
    using IS = EngineController::ImageState;
    int failures = 0;
    auto check = [&](bool ok, const char* what) {
        if (!ok) std::printf("FAILED: %s\n", what);
        failures += !ok;
        return ok;
    };

    // The first start: empty canvas offering the sample, the embedded model loading.
    engine->loadModel(dragdiff::ModelSpec{});
    settle(300);
    failures += !grab(&window, outputDir, "01-start");
    check(settleUntil([&] { return engine->modelState() != MS::Loading; }, 60000), "the embedded model loads");
    check(engine->modelState() == MS::Ready, "the embedded model is ready");

    if (!window.openSample()) return 2;
    Document* doc = window.document();
    Canvas* canvas = window.canvas();
    check(settleUntil([&] { return engine->imageState() == IS::Prepared; }, 60000), "the sample is analysed");

    // A real heatmap: hovering the ball with the point tool.
    hover(canvas, canvas->imageToWidget(QPointF(76, 196)));
    check(settleUntil([&] { return !canvas->heatmap().isNull(); }, 10000), "the heatmap arrives");
    failures += !grab(&window, outputDir, "02-heatmap");

    DragPoints pts;
    pts.append({QPointF(76, 196), QPointF(116, 168), true});  // the ball up the grass
    pts.append({QPointF(190, 150), QPointF(), false});         // a handle awaiting its target
    doc->changePoints(pts, "script");
    doc->beginMaskStroke(false);
    doc->strokeMaskSegment(QPointF(66, 204), QPointF(122, 166), 72);
    doc->endMaskStroke();
    canvas->setSelectedPair(0);
    hover(canvas, canvas->imageToWidget(QPointF(230, 40)));
    settle(300);
    failures += !grab(&window, outputDir, "03-points-mask");

    // The warp preview (W) before Run, without the mask (it would bound the warp): the ball moved
    // whole, the peak raised by a reshape, a tree on auto (its arrow shows what the engine chose).
    doc->clearMask();
    DragPoints warpPairs;
    warpPairs.append({QPointF(76, 196), QPointF(116, 168), true, DragMode::Move});
    warpPairs.append({QPointF(113, 76), QPointF(113, 50), true, DragMode::Reshape});
    warpPairs.append({QPointF(205, 150), QPointF(228, 150), true, DragMode::Auto});
    doc->changePoints(warpPairs, "script");
    canvas->setSelectedPair(1);
    canvas->clearHeatmap();
    window.actions()->warpPreview->setChecked(true);
    WarpPreviewer* warp = window.warpPreviewer();
    check(settleUntil([&] { return warp->lastShown() > 0 && warp->lastShown() == warp->lastRequest(); }, 10000),
          "the warp preview arrives");
    std::printf("warp preview: %.1f ms from the change to the canvas (%.1f ms in the engine)\n", warp->lastLatencyMs(),
                warp->lastComputeMs());
    failures += !grab(&window, outputDir, "04-warp-preview");
    window.actions()->compare->setChecked(true);
    canvas->setSplitPosition(0.45);
    failures += !grab(&window, outputDir, "05-warp-compare");
    window.actions()->compare->setChecked(false);
    canvas->setSplitPosition(0.5);
    window.actions()->warpPreview->setChecked(false);
    // Live drag (L): the same pairs, edited by the model (no guidance) in place of the warp.
    window.actions()->liveDrag->setChecked(true);
    LiveDrag* live = window.liveDrag();
    check(settleUntil([&] { return live->lastShown() > 0 && live->lastShown() == live->lastRequest(); }, 60000),
          "the live result arrives");
    std::printf("live drag: %.0f ms from the change to the canvas (%.0f ms in the engine)\n", live->lastLatencyMs(),
                live->lastComputeMs());
    failures += !grab(&window, outputDir, "05b-live-drag");
    window.actions()->liveDrag->setChecked(false);
    doc->undoStack()->undo();  // the pairs
    doc->undoStack()->undo();  // the mask comes back
    canvas->setSelectedPair(0);

    window.actions()->brushTool->trigger();
    canvas->setScale(3.0, canvas->imageToWidget(QPointF(90, 180)));
    hover(canvas, canvas->imageToWidget(QPointF(100, 170)));
    failures += !grab(&window, outputDir, "06-zoomed-brush");

    // A real run: a preview mid-way, then the finished edit.
    window.actions()->pointTool->trigger();
    canvas->fitToWindow();
    canvas->clearHeatmap();
    doc->changePoints(DragPoints{pts.first()}, "script");
    int editingSteps = 0;
    auto conn = QObject::connect(engine, &EngineController::editProgress, [&](const EditUpdate& u) {
        if (u.phase == "editing") editingSteps = u.step;
    });
    bool finished = false;
    auto done = QObject::connect(engine, &EngineController::editFinished, [&] { finished = true; });
    window.runEdit();
    check(settleUntil([&] { return editingSteps >= 8 || finished; }, 120000), "the run streams previews");
    failures += !grab(&window, outputDir, "07-run-preview");
    check(settleUntil([&] { return finished; }, 120000), "the run finishes");
    QObject::disconnect(conn);
    QObject::disconnect(done);
    window.actions()->toggleMask->setChecked(false);  // the result without the mask's tint
    failures += !grab(&window, outputDir, "08-finished-edit");
    window.actions()->toggleMask->setChecked(true);

    window.actions()->compare->setChecked(true);
    failures += !grab(&window, outputDir, "09-compare");
    window.actions()->compare->setChecked(false);

    // A model that cannot load: the message, with the work kept.
    dragdiff::ModelSpec missing;
    missing.path = QDir(outputDir).absoluteFilePath("no-such-model.safetensors").toStdString();
    engine->loadModel(missing);
    settleUntil([&] { return engine->modelState() != MS::Loading; }, 30000);
    failures += !grab(&window, outputDir, "10-model-error");
    window.banner()->hide();

    QApplication::setPalette(darkPalette());
    window.sidePanel()->advanced()->setChecked(true);
    failures += !grab(&window, outputDir, "11-dark-advanced");
    window.sidePanel()->advanced()->setChecked(false);

    // The model's LoRA files and preview decoder (cancelled: nothing is loaded).
    window.sidePanel()->modelChooser()->openAddOns();
    if (auto* addOns = window.findChild<ModelAddOnsDialog*>()) {
        addOns->addLora("/home/artist/loras/ink-outline-style.safetensors", 0.8);
        addOns->addLora("/home/artist/loras/detail-tweaker.safetensors", -0.5);
        addOns->setPreviewDecoder("/home/artist/models/taesd");
        failures += !grab(addOns, outputDir, "12-model-addons");
        addOns->reject();
    } else {
        ++failures;
    }
    return failures == 0 ? 0 : 1;
}

}  // namespace dragdiff::ui
