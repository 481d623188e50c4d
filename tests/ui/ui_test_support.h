#pragma once
// Helpers for the UI tests: a scripted engine backend, test pictures, mouse input in image
// coordinates, and waiting on the event loop.
#include "ui/engine_backend.h"
#include "ui/main_window.h"

#include <QEvent>
#include <QImage>
#include <QPointF>
#include <QRect>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace dragdiff::ui::test {

// An engine that needs no model: loads instantly (or fails), "prepares" instantly, answers
// heatmaps with a blob, and edits in `steps` steps of `stepMs` each, sending a preview every step,
// honouring the cancel flag within one step like the real engine.
class FakeBackend : public EngineBackend {
public:
    bool failLoad = false;
    bool failEdit = false;
    int steps = 10;
    int stepMs = 20;
    int prepareStageMs = 0;  // each of the three preparation stages takes this long
    // The model it describes: "fake" without a text encoder, a text-conditioned one, or an
    // image-conditioned one (sd-image-variations, which takes no prompt).
    enum class Conditioning { None, Text, Image } conditioning = Conditioning::None;
    int upBlocks = 0;  // ModelInfo::upBlocks (0: not said)
    mutable std::atomic<int> heatmapCalls{0};
    mutable std::atomic<double> lastHeatmapThreshold{0};  // the parameters of the newest heatmap
    std::atomic<int> editCalls{0};
    std::atomic<int> stepsRun{0};
    // Warp previews: each pair's disc of `warpRadius` px around its handle is copied to its target
    // (backward warp); auto pairs resolve to `autoResolvesTo`. Takes `warpMs`.
    double warpRadius = 20;
    DragMode autoResolvesTo = DragMode::Reshape;
    int warpMs = 2;
    mutable std::atomic<int> warpCalls{0};
    // What the last edit and the last warp preview were asked with (any thread).
    std::vector<DragPair> lastEditDrags() const;
    EditParameters lastEditParameters() const;
    std::vector<DragPair> lastWarpDrags() const;
    int inversionStageMs = 0;  // each of the five inversion stages takes this long
    std::atomic<int> inversionCalls{0};
    std::atomic<int> inversionsDone{0};
    std::atomic<int> inversionsCancelled{0};
    std::atomic<int> lastInversionSteps{0};  // the steps of the newest completed inversion
    std::atomic<int> prepareCalls{0};
    EditParameters lastPrepared() const;  // the conditioning of the newest preparation (any thread)

    ModelInfo loadModel(const ModelSpec& spec) override;
    void prepareImage(const RgbaImage& image, const EditParameters& conditioning, const std::atomic<bool>* cancel,
                      const ProgressCallback& progress) override;
    HeatMap heatmap(PointF point, const EditParameters& parameters) const override;
    WarpPreview warpPreview(const std::vector<DragPair>& drags, const Mask& mask,
                            const EditParameters& parameters) const override;
    EditResult edit(const EditRequest& request, const ProgressCallback& progress,
                    const std::atomic<bool>* cancel) override;
    bool prepareInversion(const RgbaImage& image, const EditParameters& parameters, const std::atomic<bool>* cancel,
                          const ProgressCallback& progress) override;

private:
    mutable std::mutex mutex_;
    std::vector<DragPair> lastEditDrags_;
    EditParameters lastEditParameters_;
    EditParameters lastPrepared_;
    mutable std::vector<DragPair> lastWarpDrags_;
    mutable RgbaImage prepared_;  // guarded by mutex_
    std::atomic<int> width_{0};  // written by prepareImage, read by the heatmap thread
    std::atomic<int> height_{0};
};

// Writes a 200x150 gradient picture (PNG) and returns its path.
QString writeTestImage(const QString& dir, const QString& name = "picture.png", int w = 200, int h = 150);

// The golden image-variation models (folders holding image_encoder/) under ../shared/golden-imgvar,
// or under the folders of $DRAGDIFF_GOLDEN_DIR (':' between them) when it is set.
QStringList imageVariationModels();
// The golden SDXL models (folders holding text_encoder_2/) under ../shared/golden-sdxl, or under the
// folders of $DRAGDIFF_GOLDEN_DIR.
QStringList sdxlModels();

MainWindow::Options testOptions(std::shared_ptr<EngineBackend> backend = nullptr);

// A window on the real engine with a golden model: loads the model at `path`, opens `picture` and
// waits until the model is ready and the picture analysed. Throws naming the step (and the
// engine's error). Returns the spec it loaded (for headlessReplay).
ModelSpec loadRealModel(MainWindow& window, const QString& path, const QString& picture, int timeoutMs);
// Triggers Run and waits for the edit; throws unless it finished (with the engine's message).
// Returns the document's picture afterwards.
QImage runEdit(MainWindow& window, int timeoutMs);
// What a fresh engine (nothing cached) makes of the project saved at `project`, with `spec`.
QImage headlessReplay(const QString& project, const ModelSpec& spec);
// Shows the window at 1280x800 and waits until it is laid out.
void showWindow(MainWindow& window);

// Mouse input at image coordinates on the canvas.
void clickImage(MainWindow& window, QPointF imagePoint, Qt::MouseButton button = Qt::LeftButton);
void dragImage(MainWindow& window, QPointF from, QPointF to, int steps = 8);
// One mouse event at widget coordinates, sent at once (no event-loop turn).
void sendMouse(QWidget* w, QEvent::Type type, QPointF pos, Qt::MouseButton button, Qt::MouseButtons buttons);

// Mean absolute difference per channel over `rect` (image pixels), `a` and `b` of the same size.
double meanDifference(const QImage& a, const QImage& b, const QRect& rect);

// Processes events until `done` or the timeout; returns `done()`.
bool waitFor(const std::function<bool()>& done, int timeoutMs = 5000);

// The start of most UI tests: a shown window with the test picture open, on `backend` (the real
// engine, with no model loaded, when it is null). Throws when a step fails.
struct PictureWindow {
    QTemporaryDir dir;
    std::shared_ptr<FakeBackend> backend;
    std::unique_ptr<MainWindow> window;

    explicit PictureWindow(std::shared_ptr<FakeBackend> backend = std::make_shared<FakeBackend>());
    // Loads a model and waits until the picture's analysis is done.
    void loadModel();
    // Clicks a handle, then its target.
    void addPair(QPointF handle, QPointF target);
};

}  // namespace dragdiff::ui::test
