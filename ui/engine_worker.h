#pragma once
// Runs the engine's long operations on its own thread (Qt's Mandelbrot example): model loading,
// feature preparation and drag edits. Lives in a QThread; every call arrives queued, every
// answer leaves as a queued signal carrying copies. No exception leaves a slot.
#include "ui/engine_backend.h"
#include "ui/engine_types.h"

#include <QObject>

#include <atomic>
#include <memory>

namespace dragdiff::ui {

class EngineWorker : public QObject {
    Q_OBJECT
public:
    explicit EngineWorker(std::shared_ptr<EngineBackend> backend);

    // Each long job gets its own cancel flag, so cancelling an old job never races a new one.
    void loadModel(const dragdiff::ModelSpec& spec, quint64 generation);
    void prepareImage(const QImage& image, const dragdiff::EditParameters& conditioning,
                      std::shared_ptr<std::atomic<bool>> cancel, quint64 generation);
    void runEdit(const EditJob& job, std::shared_ptr<std::atomic<bool>> cancel);
    // The inversion an edit of `image` with these parameters starts from, ahead of Run. Quiet
    // when cancelled (superseded); a failure is reported but the edit will say it again.
    void prepareInversion(const QImage& image, const dragdiff::EditParameters& parameters,
                          std::shared_ptr<std::atomic<bool>> cancel, quint64 generation);

    // The UI calls this when it has shown a progress update; at most two are in flight, so a
    // slow UI sees the latest step rather than a growing queue.
    void progressConsumed() { --progressInFlight_; }

Q_SIGNALS:
    void modelLoaded(const dragdiff::ModelInfo& info, quint64 generation);
    void modelFailed(const QString& message, quint64 generation);
    void prepareProgress(int step, int totalSteps, quint64 generation);
    void imagePrepared(quint64 generation);
    void prepareFailed(const QString& message, quint64 generation);
    // `seconds`: how long the inversion took, or -1 when it was already there (cached).
    void inversionPrepared(quint64 generation, double seconds);
    void inversionFailed(const QString& message, quint64 generation);
    void editProgress(const dragdiff::ui::EditUpdate& update);
    void editFinished(const dragdiff::ui::EditOutcome& outcome);
    void editFailed(const QString& message);
    void editCancelled();

private:
    std::shared_ptr<EngineBackend> backend_;
    std::atomic<int> progressInFlight_{0};
};

// The engine's request for an edit job; InvalidRequest for a mask of faint strokes only.
EditRequest toEditRequest(const EditJob& job);
// Whether a failed operation was cancelled (Cancelled), not failed.
bool isCancelled(const std::exception_ptr& error);

// Turns whatever a failed operation threw into a message the user can act on.
QString describeFailure(const std::exception_ptr& error, const QString& what);

}  // namespace dragdiff::ui
