#pragma once
// Computes warp previews (the picture warped by the displacement field an edit would start from)
// on a thread of their own, like the heatmaps: the UI thread never waits for one, and requests
// are coalesced, so while a point is dragged only the newest pair positions are ever computed.
#include "ui/engine_backend.h"
#include "ui/engine_types.h"

#include <QMutex>
#include <QObject>

#include <atomic>
#include <memory>
#include <optional>

namespace dragdiff::ui {

class WarpPreviewWorker : public QObject {
    Q_OBJECT
public:
    explicit WarpPreviewWorker(std::shared_ptr<EngineBackend> backend);
    // Any thread: replaces the pending request (a stale one is dropped unseen) and wakes the
    // worker if it is idle.
    void post(const WarpJob& job);
    void setEnabled(bool enabled);  // false while no features are prepared
    // The picture being prepared: warps (at the model's working size) are composited over it at
    // its resolution (compositeWarp). Any thread.
    void setPicture(const QImage& picture);
    int computedCount() const { return computed_; }
    int droppedCount() const { return dropped_; }  // requests replaced before they were computed

Q_SIGNALS:
    void ready(const dragdiff::ui::WarpResult& result);
    void failed(const QString& message, quint64 request);

private:
    void drain();
    std::shared_ptr<EngineBackend> backend_;
    QMutex mutex_;
    std::optional<WarpJob> pending_;
    QImage picture_;  // guarded by mutex_
    bool scheduled_ = false;
    std::atomic<bool> enabled_{false};
    std::atomic<int> computed_{0};
    std::atomic<int> dropped_{0};
};

}  // namespace dragdiff::ui
