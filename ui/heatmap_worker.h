#pragma once
// Computes correspondence heatmaps on a thread of their own, so they stay live while the engine
// worker is busy with an edit. Requests are coalesced: only the newest point is ever computed.
#include "ui/engine_backend.h"
#include "ui/engine_types.h"

#include <QMutex>
#include <QObject>

#include <memory>
#include <optional>

namespace dragdiff::ui {

class HeatmapWorker : public QObject {
    Q_OBJECT
public:
    explicit HeatmapWorker(std::shared_ptr<EngineBackend> backend);
    // Any thread: replaces the pending request and wakes the worker if it is idle.
    void post(QPointF imagePoint, const EditParameters& parameters, quint64 request);
    void setEnabled(bool enabled);  // false while no features are prepared
    int computedCount() const { return computed_; }

Q_SIGNALS:
    void ready(const dragdiff::ui::HeatmapResult& result);
    void failed(const QString& message);

private:
    void drain();
    struct Request {
        QPointF point;
        EditParameters parameters;
        quint64 id = 0;
    };
    std::shared_ptr<EngineBackend> backend_;
    QMutex mutex_;
    std::optional<Request> pending_;
    bool scheduled_ = false;
    std::atomic<bool> enabled_{false};
    std::atomic<int> computed_{0};
};

}  // namespace dragdiff::ui
