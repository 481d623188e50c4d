#include "ui/engine_controller.h"

#include "ui/engine_worker.h"
#include "ui/heatmap_worker.h"
#include "ui/live_edit_worker.h"
#include "ui/warp_preview_worker.h"

namespace dragdiff::ui {

EngineController::EngineController(std::shared_ptr<EngineBackend> backend, QObject* parent)
    : QObject(parent), backend_(backend ? std::move(backend) : std::make_shared<FacadeBackend>()) {
    qRegisterMetaType<dragdiff::ModelInfo>();
    qRegisterMetaType<EditUpdate>();
    qRegisterMetaType<EditOutcome>();
    qRegisterMetaType<HeatmapResult>();
    qRegisterMetaType<WarpResult>();
    qRegisterMetaType<LiveResult>();

    worker_ = new EngineWorker(backend_);
    worker_->moveToThread(&workerThread_);
    heatmapWorker_ = new HeatmapWorker(backend_);
    heatmapWorker_->moveToThread(&heatmapThread_);
    workerThread_.setObjectName("dragdiff-engine");
    heatmapThread_.setObjectName("dragdiff-heatmap");
    warpWorker_ = new WarpPreviewWorker(backend_);
    warpWorker_->moveToThread(&warpThread_);
    warpThread_.setObjectName("dragdiff-warp");
    liveWorker_ = new LiveEditWorker(backend_);
    liveWorker_->moveToThread(&workerThread_);

    connect(worker_, &EngineWorker::modelLoaded, this, [this](const ModelInfo& info, quint64 generation) {
        if (generation != modelGeneration_) return;
        modelInfo_ = info;
        modelError_.clear();
        modelState_ = ModelState::Ready;
        Q_EMIT modelStateChanged(modelState_);
        if (!pendingImage_.isNull()) startPrepare();
    });
    connect(worker_, &EngineWorker::modelFailed, this, [this](const QString& message, quint64 generation) {
        if (generation != modelGeneration_) return;
        modelError_ = message;
        modelState_ = ModelState::Failed;
        Q_EMIT modelStateChanged(modelState_);
        if (!pendingImage_.isNull()) setImageState(ImageState::Waiting);
    });
    connect(worker_, &EngineWorker::prepareProgress, this, [this](int step, int total, quint64 generation) {
        if (generation == imageGeneration_ && imageState_ == ImageState::Preparing) Q_EMIT prepareProgress(step, total);
    });
    connect(worker_, &EngineWorker::imagePrepared, this, [this](quint64 generation) {
        if (generation != imageGeneration_) return;
        setImageState(ImageState::Prepared);
        if (heatmapWaiting_) {
            const auto [point, parameters] = *heatmapWaiting_;
            heatmapWaiting_.reset();
            requestHeatmap(point, parameters);
        }
        // The newest warp request made while the picture was analysed (unless one was made since).
        if (warpWaiting_ && warpWaiting_->request == warpRequest_) {
            warpWaiting_->imageGeneration = imageGeneration_;
            warpWorker_->post(*warpWaiting_);
        }
        warpWaiting_.reset();
    });
    connect(worker_, &EngineWorker::prepareFailed, this, [this](const QString& message, quint64 generation) {
        if (generation != imageGeneration_) return;
        cancelInversion();  // queued behind the analysis: it would fail the same way
        setImageState(ImageState::Failed);
        Q_EMIT prepareError(message);
    });
    connect(worker_, &EngineWorker::inversionPrepared, this, [this](quint64 generation, double seconds) {
        if (generation != inversionGeneration_) return;
        if (seconds >= 0) inversionSeconds_ = seconds;
        setInversionState(InversionState::Ready);
    });
    connect(worker_, &EngineWorker::inversionFailed, this, [this](const QString&, quint64 generation) {
        // Not shown: Run reports the same failure with its own message, when the user asks for it.
        if (generation == inversionGeneration_) setInversionState(InversionState::Failed);
    });
    connect(worker_, &EngineWorker::editProgress, this, [this](const EditUpdate& u) {
        worker_->progressConsumed();
        if (editRunning_) Q_EMIT editProgress(u);
    });
    connect(worker_, &EngineWorker::editFinished, this, [this](const EditOutcome& o) {
        finishEdit();
        Q_EMIT editFinished(o);
    });
    connect(worker_, &EngineWorker::editFailed, this, [this](const QString& m) {
        finishEdit();
        Q_EMIT editFailed(m);
    });
    connect(worker_, &EngineWorker::editCancelled, this, [this] {
        finishEdit();
        Q_EMIT editCancelled();
    });
    connect(heatmapWorker_, &HeatmapWorker::ready, this, [this](const HeatmapResult& r) {
        // A picture change since the request makes the answer stale.
        if (imageState_ != ImageState::Prepared) return;
        Q_EMIT heatmapReady(r.overlay, r.point);
    });
    connect(heatmapWorker_, &HeatmapWorker::failed, this, [this](const QString& m) {
        if (imageState_ == ImageState::Prepared) Q_EMIT heatmapFailed(m);
    });

    connect(warpWorker_, &WarpPreviewWorker::ready, this, [this](const WarpResult& r) {
        // Asked against a picture that has since been replaced (or is being analysed again): stale.
        if (imageState_ != ImageState::Prepared || r.imageGeneration != imageGeneration_) return;
        Q_EMIT warpPreviewReady(r);
    });
    connect(warpWorker_, &WarpPreviewWorker::failed, this, [this](const QString& m, quint64 request) {
        if (imageState_ == ImageState::Prepared && request == warpRequest_) Q_EMIT warpPreviewFailed(m);
    });

    connect(liveWorker_, &LiveEditWorker::ready, this, [this](const LiveResult& r) {
        if (imageState_ != ImageState::Prepared || r.imageGeneration != imageGeneration_ || editRunning_) return;
        Q_EMIT liveEditReady(r);
    });
    connect(liveWorker_, &LiveEditWorker::failed, this, [this](const QString& m, quint64 request) {
        if (imageState_ == ImageState::Prepared && request == liveRequest_) Q_EMIT liveEditFailed(m);
    });
    workerThread_.start();
    heatmapThread_.start();
    warpThread_.start();
}

EngineController::~EngineController() {
    if (editCancel_) *editCancel_ = true;
    if (prepareCancel_) *prepareCancel_ = true;
    if (inversionCancel_) *inversionCancel_ = true;
    liveWorker_->cancel();
    heatmapWorker_->setEnabled(false);
    warpWorker_->setEnabled(false);
    workerThread_.quit();
    heatmapThread_.quit();
    warpThread_.quit();
    workerThread_.wait();
    heatmapThread_.wait();
    warpThread_.wait();
    delete worker_;
    delete heatmapWorker_;
    delete warpWorker_;
    delete liveWorker_;
}

void EngineController::loadModel(const dragdiff::ModelSpec& spec) {
    modelSpec_ = spec;
    const quint64 generation = ++modelGeneration_;
    modelState_ = ModelState::Loading;
    modelError_.clear();
    inversionSeconds_ = -1;
    heatmapWorker_->setEnabled(false);
    warpWorker_->setEnabled(false);
    liveWorker_->cancel();
    if (prepareCancel_) *prepareCancel_ = true;
    cancelInversion();
    if (imageState_ == ImageState::Prepared || imageState_ == ImageState::Preparing)
        setImageState(ImageState::Waiting);
    Q_EMIT modelStateChanged(modelState_);
    QMetaObject::invokeMethod(worker_, [w = worker_, spec, generation] { w->loadModel(spec, generation); },
                              Qt::QueuedConnection);
}

void EngineController::prepareImage(const QImage& image, const EditParameters& conditioning) {
    pendingImage_ = image;
    pendingConditioning_ = conditioning;
    // The inversion queued behind the analysis uses them; an inversion queued with the previous
    // ones and superseded a moment later by setEditParameters() could already have started.
    inversionParameters_ = conditioning;
    heatmapWaiting_.reset();  // a point on the previous picture
    warpWaiting_.reset();
    warpWorker_->setPicture(image);
    liveWorker_->cancel();
    if (prepareCancel_) *prepareCancel_ = true;
    cancelInversion();
    heatmapWorker_->setEnabled(false);
    warpWorker_->setEnabled(false);
    if (image.isNull()) {
        setImageState(ImageState::None);
        return;
    }
    if (modelState_ == ModelState::Ready) startPrepare();
    else setImageState(ImageState::Waiting);
}

void EngineController::startPrepare() {
    prepareCancel_ = std::make_shared<std::atomic<bool>>(false);
    const quint64 generation = ++imageGeneration_;
    setImageState(ImageState::Preparing);
    QMetaObject::invokeMethod(
        worker_,
        [w = worker_, image = pendingImage_, conditioning = pendingConditioning_, cancel = prepareCancel_, generation] {
            w->prepareImage(image, conditioning, cancel, generation);
        },
        Qt::QueuedConnection);
    // Right behind it on the engine's thread, so a Run pressed meanwhile finds it done.
    startInversion();
}

void EngineController::setEditParameters(const EditParameters& parameters) {
    const bool sameTrajectory = sameConditioning(parameters, inversionParameters_) &&
                                parameters.steps == inversionParameters_.steps &&
                                parameters.strength == inversionParameters_.strength;
    inversionParameters_ = parameters;
    if (sameTrajectory) return;
    // Not prepared yet: the inversion starts when the picture is.
    // Queued behind the picture's analysis when that runs: the analysis inverts part of the way
    // (the heatmaps' step) and the inversion carries it on.
    if (imageState_ == ImageState::Prepared || imageState_ == ImageState::Preparing) startInversion();
    else cancelInversion();
}

void EngineController::startInversion() {
    cancelInversion();
    if (pendingImage_.isNull() || modelState_ != ModelState::Ready) return;
    inversionCancel_ = std::make_shared<std::atomic<bool>>(false);
    const quint64 generation = ++inversionGeneration_;
    setInversionState(InversionState::Preparing);
    // Queued behind the preparation on the engine's thread; an edit started meanwhile waits
    // behind it there and then finds the inversion ready.
    QMetaObject::invokeMethod(
        worker_,
        [w = worker_, image = pendingImage_, parameters = inversionParameters_, cancel = inversionCancel_,
         generation] { w->prepareInversion(image, parameters, cancel, generation); },
        Qt::QueuedConnection);
}

void EngineController::cancelInversion() {
    if (inversionCancel_) *inversionCancel_ = true;
    inversionCancel_.reset();
    ++inversionGeneration_;  // a late answer of the cancelled job is ignored
    setInversionState(InversionState::None);
}

void EngineController::setInversionState(InversionState state) {
    if (state == inversionState_) return;
    inversionState_ = state;
    Q_EMIT inversionStateChanged(state);
}

void EngineController::setImageState(ImageState state) {
    heatmapWorker_->setEnabled(state == ImageState::Prepared);
    warpWorker_->setEnabled(state == ImageState::Prepared);
    if (state == imageState_) return;
    imageState_ = state;
    Q_EMIT imageStateChanged(state);
}

void EngineController::requestHeatmap(QPointF imagePoint, const EditParameters& parameters) {
    if (imageState_ != ImageState::Prepared) {
        if (imageState_ != ImageState::None) heatmapWaiting_ = std::make_pair(imagePoint, parameters);
        return;
    }
    heatmapWorker_->post(imagePoint, parameters, ++heatmapRequest_);
}

quint64 EngineController::requestWarpPreview(const std::vector<DragPair>& drags, const QImage& mask,
                                             const EditParameters& parameters) {
    WarpJob job;
    job.drags = drags;
    job.mask = mask;
    job.parameters = parameters;
    job.request = ++warpRequest_;
    job.imageGeneration = imageGeneration_;
    job.postedNs = steadyNowNs();
    if (imageState_ != ImageState::Prepared) {
        if (imageState_ != ImageState::None) warpWaiting_ = std::move(job);
        return warpRequest_;
    }
    warpWorker_->post(job);
    return warpRequest_;
}

quint64 EngineController::requestLiveEdit(const EditJob& job) {
    if (editRunning_ || imageState_ != ImageState::Prepared) return 0;
    LiveJob live;
    live.edit = job;
    live.request = ++liveRequest_;
    live.imageGeneration = imageGeneration_;
    live.postedNs = steadyNowNs();
    liveWorker_->post(live);
    return liveRequest_;
}

void EngineController::cancelLiveEdit() {
    ++liveRequest_;  // a late failure of the cancelled one is not shown
    liveWorker_->cancel();
}

bool EngineController::startEdit(const EditJob& job) {
    if (editRunning_) return false;
    cancelLiveEdit();
    editRunning_ = true;
    editCancel_ = std::make_shared<std::atomic<bool>>(false);
    QMetaObject::invokeMethod(worker_, [w = worker_, job, cancel = editCancel_] { w->runEdit(job, cancel); },
                              Qt::QueuedConnection);
    return true;
}

void EngineController::cancelEdit() {
    if (editCancel_) *editCancel_ = true;
}

void EngineController::finishEdit() {
    editRunning_ = false;
    editCancel_.reset();
}

}  // namespace dragdiff::ui
