#include "ui/warp_preview_worker.h"

#include "ui/engine_worker.h"
#include "ui/image_convert.h"
#include "ui/warp_composite.h"

#include <chrono>

namespace dragdiff::ui {

qint64 steadyNowNs() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

WarpPreviewWorker::WarpPreviewWorker(std::shared_ptr<EngineBackend> backend) : backend_(std::move(backend)) {}

void WarpPreviewWorker::setEnabled(bool enabled) { enabled_ = enabled; }

void WarpPreviewWorker::setPicture(const QImage& picture) {
    QMutexLocker lock(&mutex_);
    picture_ = picture;
}

void WarpPreviewWorker::post(const WarpJob& job) {
    QMutexLocker lock(&mutex_);
    if (pending_) ++dropped_;
    pending_ = job;
    if (scheduled_) return;
    scheduled_ = true;
    QMetaObject::invokeMethod(this, &WarpPreviewWorker::drain, Qt::QueuedConnection);
}

void WarpPreviewWorker::drain() {
    for (;;) {
        WarpJob job;
        QImage picture;
        {
            QMutexLocker lock(&mutex_);
            picture = picture_;
            if (!pending_) {
                scheduled_ = false;
                return;
            }
            job = std::move(*pending_);
            pending_.reset();
        }
        if (!enabled_) continue;
        try {
            const qint64 start = steadyNowNs();
            const Mask mask = job.mask.isNull() ? Mask() : toMask(job.mask);
            const WarpPreview warp = backend_->warpPreview(job.drags, mask, job.parameters);
            WarpResult r;
            r.image = compositeWarp(picture, toQImage(warp.image));
            r.modes = QVector<DragMode>(warp.modes.begin(), warp.modes.end());
            r.request = job.request;
            r.imageGeneration = job.imageGeneration;
            r.postedNs = job.postedNs;
            r.computeMs = (steadyNowNs() - start) / 1e6;
            ++computed_;
            Q_EMIT ready(r);
        } catch (const dragdiff::NotReady&) {
            // Features are being replaced (new picture or model): asked again once prepared.
        } catch (...) {
            Q_EMIT failed(describeFailure(std::current_exception(), tr("Warp preview unavailable")), job.request);
        }
    }
}

}  // namespace dragdiff::ui
