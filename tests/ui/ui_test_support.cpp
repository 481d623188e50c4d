#include "ui_test_support.h"

#include "dragdiff/dragdiff.h"
#include "dragdiff/edit_spec.h"
#include "ui/canvas.h"
#include "ui/document.h"
#include "ui/engine_controller.h"
#include "ui/image_convert.h"
#include "ui/main_actions.h"

#include <QApplication>
#include <QDir>
#include <QDirIterator>
#include <QFileInfo>
#include <QElapsedTimer>
#include <QAction>
#include <QMouseEvent>
#include <QSignalSpy>
#include <QTest>
#include <QThread>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace dragdiff::ui::test {

ModelInfo FakeBackend::loadModel(const ModelSpec& spec) {
    if (failLoad) throw LoadError("cannot load model '" + spec.path + "': scripted failure");
    ModelInfo info;
    info.path = spec.path;
    info.family = "fake";
    info.device = spec.device;
    info.imageSize = 256;
    info.upBlocks = upBlocks;
    info.hasTextEncoder = info.hasTokenizer = info.usesPrompt = conditioning == Conditioning::Text;
    if (conditioning == Conditioning::Image) {
        info.family = "sd-image-variations";
        info.imageEncoderSize = 224;
        info.imageEncoderPatch = 14;
        info.imageEncoderWidth = 1024;
        info.imageEncoderLayers = 24;
        info.imageEmbeddingDim = 768;
    }
    return info;
}

EditParameters FakeBackend::lastPrepared() const {
    std::lock_guard lock(mutex_);
    return lastPrepared_;
}

void FakeBackend::prepareImage(const RgbaImage& image, const EditParameters& conditioning,
                               const std::atomic<bool>* cancel, const ProgressCallback& progress) {
    ++prepareCalls;
    {
        std::lock_guard lock(mutex_);
        lastPrepared_ = conditioning;
    }
    width_ = 0;  // like the engine: no heatmaps of the previous picture meanwhile
    for (int stage = 0; stage <= 3; ++stage) {
        if (cancel && *cancel) throw Cancelled();
        if (progress) {
            EditProgress p;
            p.phase = "preparing";
            p.step = stage;
            p.totalSteps = 3;
            progress(p);
        }
        if (stage < 3 && prepareStageMs > 0) QThread::msleep(static_cast<unsigned long>(prepareStageMs));
    }
    {
        std::lock_guard lock(mutex_);
        prepared_ = image;
    }
    width_ = image.width;
    height_ = image.height;
}

std::vector<DragPair> FakeBackend::lastEditDrags() const {
    std::lock_guard lock(mutex_);
    return lastEditDrags_;
}

EditParameters FakeBackend::lastEditParameters() const {
    std::lock_guard lock(mutex_);
    return lastEditParameters_;
}

std::vector<DragPair> FakeBackend::lastWarpDrags() const {
    std::lock_guard lock(mutex_);
    return lastWarpDrags_;
}

WarpPreview FakeBackend::warpPreview(const std::vector<DragPair>& drags, const Mask&, const EditParameters&) const {
    ++warpCalls;
    if (width_ == 0) throw NotReady("not prepared");
    if (warpMs > 0) QThread::msleep(static_cast<unsigned long>(warpMs));
    std::lock_guard lock(mutex_);
    lastWarpDrags_ = drags;
    WarpPreview w;
    w.image = prepared_;
    const int width = prepared_.width, height = prepared_.height;
    for (const DragPair& d : drags) {
        w.modes.push_back(d.mode == DragMode::Auto ? autoResolvesTo : d.mode);
        for (int y = 0; y < height; ++y)
            for (int x = 0; x < width; ++x) {
                if (std::hypot(x - d.target.x, y - d.target.y) > warpRadius) continue;
                const int sx = std::clamp(static_cast<int>(std::lround(x - d.target.x + d.handle.x)), 0, width - 1);
                const int sy = std::clamp(static_cast<int>(std::lround(y - d.target.y + d.handle.y)), 0, height - 1);
                for (int c = 0; c < 4; ++c)
                    w.image.pixels[(static_cast<size_t>(y) * width + x) * 4 + c] =
                        prepared_.pixels[(static_cast<size_t>(sy) * width + sx) * 4 + c];
            }
    }
    return w;
}

HeatMap FakeBackend::heatmap(PointF point, const EditParameters& parameters) const {
    ++heatmapCalls;
    lastHeatmapThreshold = parameters.heatmapThreshold;
    if (width_ == 0) throw NotReady("not prepared");
    QThread::msleep(15);  // a heatmap takes a moment: requests pile up unless coalesced
    HeatMap h;
    h.width = width_;
    h.height = height_;
    h.values.resize(static_cast<size_t>(h.width) * h.height);
    for (int y = 0; y < h.height; ++y)
        for (int x = 0; x < h.width; ++x)
            h.values[static_cast<size_t>(y) * h.width + x] =
                static_cast<float>(std::exp(-(std::pow(x - point.x, 2) + std::pow(y - point.y, 2)) / 200.0));
    return h;
}

EditResult FakeBackend::edit(const EditRequest& request, const ProgressCallback& progress,
                             const std::atomic<bool>* cancel) {
    ++editCalls;
    {
        std::lock_guard lock(mutex_);
        lastEditDrags_ = request.drags;
        lastEditParameters_ = request.parameters;
    }
    if (request.drags.empty()) throw InvalidRequest("no drags");
    RgbaImage out = request.image;
    for (size_t i = 0; i < out.pixels.size(); i += 4) out.pixels[i] = static_cast<uint8_t>(255 - out.pixels[i]);
    for (int s = 1; s <= steps; ++s) {
        if (cancel && *cancel) throw Cancelled();
        QThread::msleep(static_cast<unsigned long>(stepMs));
        ++stepsRun;
        if (failEdit && s == steps / 2) throw std::bad_alloc();
        EditProgress p;
        p.phase = "editing";
        p.step = s;
        p.totalSteps = steps;
        p.elapsedSeconds = s * stepMs / 1000.0;
        p.etaSeconds = (steps - s) * stepMs / 1000.0;
        for (const auto& d : request.drags) {
            const double t = static_cast<double>(s) / steps;
            p.centroids.push_back({d.handle.x + (d.target.x - d.handle.x) * t, d.handle.y + (d.target.y - d.handle.y) * t});
        }
        p.preview = out;
        if (progress) progress(p);
    }
    EditResult r;
    r.image = out;
    r.steps.resize(static_cast<size_t>(steps));
    return r;
}

bool FakeBackend::prepareInversion(const RgbaImage&, const EditParameters& parameters, const std::atomic<bool>* cancel,
                                   const ProgressCallback&) {
    ++inversionCalls;
    for (int stage = 0; stage < 5; ++stage) {
        if (cancel && *cancel) {
            ++inversionsCancelled;
            throw Cancelled();
        }
        if (inversionStageMs > 0) QThread::msleep(static_cast<unsigned long>(inversionStageMs));
    }
    lastInversionSteps = parameters.steps;
    ++inversionsDone;
    return true;
}

QString writeTestImage(const QString& dir, const QString& name, int w, int h) {
    RgbaImage img;
    img.width = w;
    img.height = h;
    img.pixels.resize(static_cast<size_t>(w) * h * 4);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            uint8_t* p = img.pixels.data() + (static_cast<size_t>(y) * w + x) * 4;
            p[0] = static_cast<uint8_t>(x * 255 / w);
            p[1] = static_cast<uint8_t>(y * 255 / h);
            p[2] = 128;
            p[3] = 255;
        }
    const QString path = dir + "/" + name;
    dragdiff::saveImage(img, path.toStdString());
    return path;
}

namespace {
// Model folders (holding model_index.json and `marker`) under the golden roots of a family:
// $DRAGDIFF_GOLDEN_DIR's folders when it is set, else ../shared/`folder` beside the checkout.
QStringList goldenModels(const QString& folder, const QString& marker) {
    QStringList roots;
    if (const QString env = qEnvironmentVariable("DRAGDIFF_GOLDEN_DIR"); !env.isEmpty())
        roots = env.split(':', Qt::SkipEmptyParts);
    else
        roots << QString(DRAGDIFF_SOURCE_DIR) + "/../shared/" + folder;
    QStringList models;
    for (const QString& root : roots) {
        QDirIterator it(root, {"model_index.json"}, QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QDir model = QFileInfo(it.next()).dir();
            if (model.exists(marker)) models << QDir::cleanPath(model.absolutePath());
        }
    }
    models.sort();
    return models;
}
}  // namespace

QStringList imageVariationModels() { return goldenModels("golden-imgvar", "image_encoder"); }

QStringList sdxlModels() { return goldenModels("golden-sdxl", "text_encoder_2"); }

MainWindow::Options testOptions(std::shared_ptr<EngineBackend> backend) {
    MainWindow::Options o;
    o.backend = std::move(backend);
    o.loadModelAtStart = false;
    o.interactive = false;
    o.autosave = false;
    return o;
}

void showWindow(MainWindow& window) {
    window.resize(1280, 800);
    window.show();
    if (!QTest::qWaitForWindowExposed(&window)) qWarning("the test window was not exposed");
    QApplication::processEvents();
}

void clickImage(MainWindow& window, QPointF imagePoint, Qt::MouseButton button) {
    Canvas* c = window.canvas();
    QTest::mouseClick(c, button, Qt::NoModifier, c->imageToWidget(imagePoint).toPoint());
}

namespace {
void send(QWidget* w, QEvent::Type type, QPointF pos, Qt::MouseButton button, Qt::MouseButtons buttons) {
    QMouseEvent e(type, pos, w->mapToGlobal(pos), button, buttons, Qt::NoModifier);
    QApplication::sendEvent(w, &e);
}
}  // namespace

void dragImage(MainWindow& window, QPointF from, QPointF to, int steps) {
    Canvas* c = window.canvas();
    send(c, QEvent::MouseButtonPress, c->imageToWidget(from), Qt::LeftButton, Qt::LeftButton);
    for (int i = 1; i <= steps; ++i) {
        const QPointF p = from + (to - from) * (static_cast<double>(i) / steps);
        send(c, QEvent::MouseMove, c->imageToWidget(p), Qt::NoButton, Qt::LeftButton);
    }
    send(c, QEvent::MouseButtonRelease, c->imageToWidget(to), Qt::LeftButton, Qt::NoButton);
}

bool waitFor(const std::function<bool()>& done, int timeoutMs) {
    QElapsedTimer t;
    t.start();
    while (!done() && t.elapsed() < timeoutMs) {
        QApplication::processEvents(QEventLoop::AllEvents, 10);
        QThread::msleep(2);
    }
    return done();
}

PictureWindow::PictureWindow(std::shared_ptr<FakeBackend> fake) : backend(std::move(fake)) {
    window = std::make_unique<MainWindow>(testOptions(backend));
    showWindow(*window);
    if (!window->openFile(writeTestImage(dir.path()))) throw std::runtime_error("the test picture did not open");
}

void PictureWindow::loadModel() {
    window->engine()->loadModel(ModelSpec{});
    if (!waitFor([&] { return window->engine()->imageState() == EngineController::ImageState::Prepared; }))
        throw std::runtime_error("the picture was not analysed within the timeout");
}

ModelSpec loadRealModel(MainWindow& window, const QString& path, const QString& picture, int timeoutMs) {
    ModelSpec spec;
    spec.path = path.toStdString();
    window.engine()->loadModel(spec);
    if (!window.openFile(picture)) throw std::runtime_error("the window did not open " + picture.toStdString());
    EngineController* engine = window.engine();
    if (!waitFor([&] { return engine->modelState() != EngineController::ModelState::Loading; }, timeoutMs))
        throw std::runtime_error("the model did not load within the timeout");
    if (engine->modelState() != EngineController::ModelState::Ready)
        throw std::runtime_error("the model did not load: " + engine->modelError().toStdString());
    if (!waitFor([&] { return engine->imageState() == EngineController::ImageState::Prepared; }, timeoutMs))
        throw std::runtime_error("the picture was not analysed within the timeout");
    return spec;
}

QImage runEdit(MainWindow& window, int timeoutMs) {
    EngineController* engine = window.engine();
    QSignalSpy finished(engine, &EngineController::editFinished);
    QSignalSpy failed(engine, &EngineController::editFailed);
    window.actions()->run->trigger();
    if (!waitFor([&] { return finished.count() + failed.count() > 0; }, timeoutMs))
        throw std::runtime_error("the edit did not end within the timeout");
    if (!failed.isEmpty()) throw std::runtime_error("the edit failed: " + failed.first().at(0).toString().toStdString());
    return window.document()->image();
}

QImage headlessReplay(const QString& project, const ModelSpec& spec) {
    const EditSpec saved = readEditSpec(project.toStdString());
    EditRequest request;
    request.image = loadImage(saved.imagePath);
    request.drags = saved.drags;
    if (!saved.maskPath.empty()) request.mask = loadMask(saved.maskPath);
    request.parameters = saved.parameters;
    Engine headless;
    headless.loadModel(spec);
    return toQImage(headless.edit(request).image);
}

void PictureWindow::addPair(QPointF handle, QPointF target) {
    clickImage(*window, handle);
    clickImage(*window, target);
}

void sendMouse(QWidget* w, QEvent::Type type, QPointF pos, Qt::MouseButton button, Qt::MouseButtons buttons) {
    QMouseEvent e(type, pos, w->mapToGlobal(pos), button, buttons, Qt::NoModifier);
    QApplication::sendEvent(w, &e);
}

double meanDifference(const QImage& a, const QImage& b, const QRect& rect) {
    double sum = 0;
    int n = 0;
    for (int y = rect.top(); y <= rect.bottom(); ++y)
        for (int x = rect.left(); x <= rect.right(); ++x) {
            const QColor p = a.pixelColor(x, y), q = b.pixelColor(x, y);
            sum += std::abs(p.red() - q.red()) + std::abs(p.green() - q.green()) + std::abs(p.blue() - q.blue());
            n += 3;
        }
    return n ? sum / n : 0;
}

}  // namespace dragdiff::ui::test
