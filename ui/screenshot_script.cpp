#include "ui/screenshot_script.h"

#include "ui/canvas.h"
#include "ui/document.h"
#include "ui/image_convert.h"
#include "ui/main_actions.h"
#include "ui/main_window.h"
#include "ui/mask_brush_tool.h"
#include "ui/message_banner.h"
#include "ui/side_panel.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QDir>
#include <QElapsedTimer>
#include <QMouseEvent>
#include <QProgressBar>
#include <QStyleFactory>
#include <QThread>

#include <cmath>
#include <cstdio>

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
    return p;
}

// A synthetic heatmap (a blob on the ball) to show the overlay without a model.
HeatMap stagedHeatmap(int w, int h, QPointF centre) {
    HeatMap heat;
    heat.width = w;
    heat.height = h;
    heat.values.resize(static_cast<size_t>(w) * h);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            const double d2 = std::pow(x - centre.x(), 2) + std::pow(y - centre.y(), 2);
            heat.values[static_cast<size_t>(y) * w + x] = static_cast<float>(std::exp(-d2 / (2 * 22.0 * 22.0)));
        }
    return heat;
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
    MainWindow window(options);
    window.resize(1280, 800);
    window.show();
    settle(600);  // the model attempt answers (the transitional engine refuses at once)
    int failures = 0;
    window.banner()->hide();
    failures += !grab(&window, outputDir, "01-start");

    if (!window.openSample()) return 2;
    Document* doc = window.document();
    Canvas* canvas = window.canvas();
    DragPoints pts;
    pts.append({QPointF(76, 196), QPointF(120, 150), true});   // the ball up the hill
    pts.append({QPointF(115, 75), QPointF(95, 60), true});     // the peak higher
    pts.append({QPointF(190, 150), QPointF(), false});          // a handle awaiting its target
    doc->changePoints(pts, "script");
    doc->beginMaskStroke(false);
    doc->strokeMaskSegment(QPointF(50, 140), QPointF(140, 150), 36);
    doc->strokeMaskSegment(QPointF(140, 150), QPointF(110, 215), 36);
    doc->endMaskStroke();
    canvas->setSelectedPair(0);
    window.engine()->loadModel(dragdiff::ModelSpec{});  // shows the load error as the user would see it
    settle(400);
    failures += !grab(&window, outputDir, "02-points-mask-error");

    window.banner()->hide();
    window.actions()->brushTool->trigger();
    canvas->setScale(3.0, canvas->imageToWidget(QPointF(90, 180)));
    hover(canvas, canvas->imageToWidget(QPointF(100, 170)));
    failures += !grab(&window, outputDir, "03-zoomed-brush");

    window.actions()->pointTool->trigger();
    canvas->fitToWindow();
    canvas->setHeatmap(heatmapToImage(stagedHeatmap(doc->imageSize().width(), doc->imageSize().height(), QPointF(76, 196))));
    failures += !grab(&window, outputDir, "04-heatmap-staged");

    canvas->clearHeatmap();
    QImage preview = doc->image().copy();
    canvas->setPreview(preview, {QPointF(92, 180), QPointF(108, 70)});
    window.progressBar()->setRange(0, 40);
    window.progressBar()->setValue(17);
    window.progressBar()->setFormat("Editing 17/40 — 1 min 05 s left");
    window.progressBar()->show();
    failures += !grab(&window, outputDir, "05-run-preview-staged");
    canvas->clearPreview();
    window.progressBar()->hide();

    QApplication::setPalette(darkPalette());
    window.sidePanel()->advanced()->setChecked(true);
    failures += !grab(&window, outputDir, "06-dark-advanced");
    window.sidePanel()->advanced()->setChecked(false);
    return failures == 0 ? 0 : 1;
}

}  // namespace dragdiff::ui
