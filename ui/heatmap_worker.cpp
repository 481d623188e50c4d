#include "ui/heatmap_worker.h"

#include "ui/engine_worker.h"
#include "ui/image_convert.h"

namespace dragdiff::ui {

HeatmapWorker::HeatmapWorker(std::shared_ptr<EngineBackend> backend) : backend_(std::move(backend)) {}

void HeatmapWorker::setEnabled(bool enabled) { enabled_ = enabled; }

void HeatmapWorker::post(QPointF imagePoint, const EditParameters& parameters, quint64 request) {
    QMutexLocker lock(&mutex_);
    pending_ = Request{imagePoint, parameters, request};
    if (scheduled_) return;
    scheduled_ = true;
    QMetaObject::invokeMethod(this, &HeatmapWorker::drain, Qt::QueuedConnection);
}

void HeatmapWorker::drain() {
    for (;;) {
        Request r;
        {
            QMutexLocker lock(&mutex_);
            if (!pending_) {
                scheduled_ = false;
                return;
            }
            r = *pending_;
            pending_.reset();
        }
        if (!enabled_) continue;
        try {
            HeatMap heat = backend_->heatmap(PointF{r.point.x(), r.point.y()}, r.parameters);
            ++computed_;
            Q_EMIT ready(HeatmapResult{r.point, heatmapToImage(heat), r.id});
        } catch (const dragdiff::NotReady&) {
            // Features are being replaced (new picture or model): the answer comes once prepared.
        } catch (...) {
            Q_EMIT failed(describeFailure(std::current_exception(), tr("Heatmap unavailable")));
        }
    }
}

}  // namespace dragdiff::ui
