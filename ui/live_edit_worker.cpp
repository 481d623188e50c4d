#include "ui/live_edit_worker.h"

#include "ui/engine_worker.h"
#include "ui/image_convert.h"

namespace dragdiff::ui {

LiveEditWorker::LiveEditWorker(std::shared_ptr<EngineBackend> backend) : backend_(std::move(backend)) {}

void LiveEditWorker::post(const LiveJob& job) {
    QMutexLocker lock(&mutex_);
    if (pending_) ++dropped_;
    pending_ = job;
    if (running_) *running_ = true;
    if (scheduled_) return;
    scheduled_ = true;
    QMetaObject::invokeMethod(this, &LiveEditWorker::drain, Qt::QueuedConnection);
}

void LiveEditWorker::cancel() {
    QMutexLocker lock(&mutex_);
    if (pending_) ++dropped_;
    pending_.reset();
    if (running_) *running_ = true;
}

void LiveEditWorker::drain() {
    for (;;) {
        LiveJob job;
        std::shared_ptr<std::atomic<bool>> cancelFlag;
        {
            QMutexLocker lock(&mutex_);
            if (!pending_) {
                scheduled_ = false;
                running_.reset();
                return;
            }
            job = std::move(*pending_);
            pending_.reset();
            running_ = cancelFlag = std::make_shared<std::atomic<bool>>(false);
        }
        try {
            const qint64 start = steadyNowNs();
            // No progress callback: a live edit decodes no previews, only its result.
            const EditResult result = backend_->edit(toEditRequest(job.edit), nullptr, cancelFlag.get());
            LiveResult r;
            r.image = toQImage(result.image);
            r.request = job.request;
            r.imageGeneration = job.imageGeneration;
            r.postedNs = job.postedNs;
            r.computeMs = (steadyNowNs() - start) / 1e6;
            if (r.image.isNull()) throw dragdiff::Error("the engine returned an empty picture");
            ++computed_;
            Q_EMIT ready(r);
        } catch (...) {
            const auto error = std::current_exception();
            if (isCancelled(error)) ++cancelled_;
            else Q_EMIT failed(describeFailure(error, tr("Live drag")), job.request);
        }
    }
}

}  // namespace dragdiff::ui
