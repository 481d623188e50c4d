#pragma once
// The UI thread's handle on the engine: owns the engine worker's thread (which also runs live-drag
// edits), the heatmap thread and the warp preview thread,
// tracks what is loaded and prepared, and hands every job its own cancel flag. Its destructor
// cancels whatever runs, then quit()s and wait()s both threads.
#include "ui/engine_backend.h"
#include "ui/engine_types.h"

#include <QImage>
#include <QObject>
#include <QThread>

#include <atomic>
#include <memory>
#include <optional>
#include <utility>

namespace dragdiff::ui {

class EngineWorker;
class HeatmapWorker;
class WarpPreviewWorker;
class LiveEditWorker;

class EngineController : public QObject {
    Q_OBJECT
public:
    enum class ModelState { None, Loading, Ready, Failed };
    enum class ImageState { None, Waiting, Preparing, Prepared, Failed };
    // The background inversion of the prepared picture (what Run starts from).
    enum class InversionState { None, Preparing, Ready, Failed };

    // `backend` null = the real engine (FacadeBackend).
    explicit EngineController(std::shared_ptr<EngineBackend> backend = nullptr, QObject* parent = nullptr);
    ~EngineController() override;

    void loadModel(const dragdiff::ModelSpec& spec);
    ModelState modelState() const { return modelState_; }
    QString modelError() const { return modelError_; }
    const dragdiff::ModelInfo& modelInfo() const { return modelInfo_; }
    const dragdiff::ModelSpec& modelSpec() const { return modelSpec_; }

    // Prepares features for heatmaps as soon as a model is there; a newer picture cancels an
    // older one still being prepared. The picture's background inversion is queued right behind
    // it, with these parameters (setEditParameters() with the same ones then changes nothing).
    // `conditioning`: the edit's parameters; the features depend on those samePreparation()
    // names: the prompt, the working size, the feature block, the steps and strength, and the
    // image transform of an image-variation model.
    void prepareImage(const QImage& image, const EditParameters& conditioning = EditParameters());
    ImageState imageState() const { return imageState_; }
    // What the features are (being) made with.
    const EditParameters& preparedConditioning() const { return pendingConditioning_; }

    // The parameters edits will run with. Once a picture is prepared, the engine inverts it in the
    // background with them (cancellable, on the engine's thread), so Run starts denoising at once.
    // A change of the conditioning (prompt, image transform, working size), the steps or the
    // strength supersedes that inversion; other parameters do not touch it. A new picture or model
    // supersedes it too.
    void setEditParameters(const EditParameters& parameters);
    InversionState inversionState() const { return inversionState_; }
    // Seconds the last computed background inversion took (-1: none measured since the model
    // loaded): what a live edit costs, roughly, before one has run.
    double inversionSeconds() const { return inversionSeconds_; }
    const EditParameters& inversionParameters() const { return inversionParameters_; }

    // Heatmap of `imagePoint` against the prepared picture. Asked before the picture is prepared,
    // the newest such request is answered as soon as it is.
    void requestHeatmap(QPointF imagePoint, const EditParameters& parameters);
    bool heatmapsAvailable() const { return imageState_ == ImageState::Prepared; }

    // The picture warped by the displacement field these pairs (with their modes) would start the
    // edit from; answered off the UI thread with warpPreviewReady. Only the newest request is
    // computed; asked before the picture is prepared, it is answered once it is. Returns the
    // request's number (increasing).
    quint64 requestWarpPreview(const std::vector<DragPair>& drags, const QImage& mask, const EditParameters& parameters);

    // A live-drag edit (LiveEditWorker): on the engine's thread, newest request only, a newer one
    // cancelling the edit under way; answered with liveEditReady. Refused (0) while Run's edit
    // runs or before the picture is prepared. Returns the request's number (increasing).
    quint64 requestLiveEdit(const EditJob& job);
    void cancelLiveEdit();

    // Cancels any live edit first: Run's edit is never queued behind one.
    bool startEdit(const EditJob& job);
    void cancelEdit();
    bool editRunning() const { return editRunning_; }

    EngineWorker* worker() const { return worker_; }
    HeatmapWorker* heatmapWorker() const { return heatmapWorker_; }
    WarpPreviewWorker* warpWorker() const { return warpWorker_; }
    LiveEditWorker* liveWorker() const { return liveWorker_; }

Q_SIGNALS:
    void modelStateChanged(dragdiff::ui::EngineController::ModelState state);
    void imageStateChanged(dragdiff::ui::EngineController::ImageState state);
    void inversionStateChanged(dragdiff::ui::EngineController::InversionState state);
    void prepareProgress(int step, int totalSteps);  // while Preparing
    void prepareError(const QString& message);
    void heatmapReady(const QImage& overlay, QPointF imagePoint);
    void heatmapFailed(const QString& message);
    void warpPreviewReady(const dragdiff::ui::WarpResult& result);
    void warpPreviewFailed(const QString& message);
    void liveEditReady(const dragdiff::ui::LiveResult& result);
    void liveEditFailed(const QString& message);
    void editProgress(const dragdiff::ui::EditUpdate& update);
    void editFinished(const dragdiff::ui::EditOutcome& outcome);
    void editFailed(const QString& message);
    void editCancelled();

private:
    void setImageState(ImageState state);
    void startPrepare();
    void startInversion();
    void cancelInversion();
    void setInversionState(InversionState state);
    void finishEdit();

    std::shared_ptr<EngineBackend> backend_;
    QThread workerThread_;
    QThread heatmapThread_;
    QThread warpThread_;
    EngineWorker* worker_ = nullptr;
    HeatmapWorker* heatmapWorker_ = nullptr;
    WarpPreviewWorker* warpWorker_ = nullptr;
    LiveEditWorker* liveWorker_ = nullptr;

    ModelState modelState_ = ModelState::None;
    QString modelError_;
    dragdiff::ModelInfo modelInfo_;
    dragdiff::ModelSpec modelSpec_;
    quint64 modelGeneration_ = 0;

    ImageState imageState_ = ImageState::None;
    QImage pendingImage_;
    EditParameters pendingConditioning_;
    quint64 imageGeneration_ = 0;
    std::shared_ptr<std::atomic<bool>> prepareCancel_;

    InversionState inversionState_ = InversionState::None;
    EditParameters inversionParameters_;
    quint64 inversionGeneration_ = 0;
    double inversionSeconds_ = -1;
    std::shared_ptr<std::atomic<bool>> inversionCancel_;

    bool editRunning_ = false;
    std::shared_ptr<std::atomic<bool>> editCancel_;
    quint64 heatmapRequest_ = 0;
    std::optional<std::pair<QPointF, EditParameters>> heatmapWaiting_;
    quint64 warpRequest_ = 0;
    std::optional<WarpJob> warpWaiting_;
    quint64 liveRequest_ = 0;
};

}  // namespace dragdiff::ui
