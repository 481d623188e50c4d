#pragma once
// Runs live-drag edits on the engine's thread (where Run's edits, the picture's analysis and the
// background inversion run, one at a time). Requests are coalesced like warp previews, and a
// newer request also cancels the edit under way: while a point is dragged only the newest
// position is ever finished, and the answer for where the mouse stopped comes one edit after it.
#include "ui/engine_backend.h"
#include "ui/engine_types.h"

#include <QMutex>
#include <QObject>

#include <atomic>
#include <memory>
#include <optional>

namespace dragdiff::ui {

class LiveEditWorker : public QObject {
    Q_OBJECT
public:
    explicit LiveEditWorker(std::shared_ptr<EngineBackend> backend);
    // Any thread: replaces the pending request (a stale one is dropped unseen), cancels the edit
    // under way, and wakes the worker if it is idle.
    void post(const LiveJob& job);
    // Any thread: drops the pending request and cancels the edit under way (Run, a new picture or
    // model, live mode off).
    void cancel();
    int computedCount() const { return computed_; }
    int droppedCount() const { return dropped_; }      // replaced before they started
    int cancelledCount() const { return cancelled_; }  // stopped part-way by a newer request or cancel()

Q_SIGNALS:
    void ready(const dragdiff::ui::LiveResult& result);
    void failed(const QString& message, quint64 request);

private:
    void drain();
    std::shared_ptr<EngineBackend> backend_;
    QMutex mutex_;
    std::optional<LiveJob> pending_;
    std::shared_ptr<std::atomic<bool>> running_;  // the cancel flag of the edit under way
    bool scheduled_ = false;
    std::atomic<int> computed_{0};
    std::atomic<int> dropped_{0};
    std::atomic<int> cancelled_{0};
};

}  // namespace dragdiff::ui
