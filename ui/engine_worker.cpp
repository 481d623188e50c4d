#include "ui/engine_worker.h"

#include "ui/image_convert.h"

#include <QElapsedTimer>

#include <new>

namespace dragdiff::ui {

QString describeFailure(const std::exception_ptr& error, const QString& what) {
    try {
        std::rethrow_exception(error);
    } catch (const dragdiff::LoadError& e) {
        return QObject::tr("%1: %2").arg(what, QString::fromStdString(e.what()));
    } catch (const dragdiff::InvalidRequest& e) {
        return QObject::tr("%1: %2").arg(what, QString::fromStdString(e.what()));
    } catch (const dragdiff::Error& e) {
        return QObject::tr("%1: %2").arg(what, QString::fromStdString(e.what()));
    } catch (const std::bad_alloc&) {
        return QObject::tr("%1: out of memory. Try a smaller picture, fewer steps, or close other programs.")
            .arg(what);
    } catch (const std::exception& e) {
        return QObject::tr("%1: unexpected error: %2").arg(what, QString::fromStdString(e.what()));
    } catch (...) {
        return QObject::tr("%1: unexpected error.").arg(what);
    }
}

EditRequest toEditRequest(const EditJob& job) {
    EditRequest request;
    request.image = toRgbaImage(job.image);
    request.drags = job.drags;
    if (!job.mask.isNull() && !maskIsEmpty(job.mask)) {
        request.mask = toMask(job.mask);
        if (dragdiff::maskIsBlank(request.mask))
            throw dragdiff::InvalidRequest("the mask has only faint strokes; paint the area the edit may change "
                                           "with the mask brush, or clear the mask to allow changes everywhere");
    }
    request.parameters = job.parameters;
    return request;
}

bool isCancelled(const std::exception_ptr& error) {
    try {
        std::rethrow_exception(error);
    } catch (const dragdiff::Cancelled&) {
        return true;
    } catch (...) {
        return false;
    }
}

EngineWorker::EngineWorker(std::shared_ptr<EngineBackend> backend) : backend_(std::move(backend)) {}

void EngineWorker::loadModel(const dragdiff::ModelSpec& spec, quint64 generation) {
    try {
        ModelInfo info = backend_->loadModel(spec);
        Q_EMIT modelLoaded(info, generation);
    } catch (...) {
        Q_EMIT modelFailed(describeFailure(std::current_exception(),
                                           tr("Could not load the model “%1”").arg(QString::fromStdString(spec.path))),
                           generation);
    }
}

void EngineWorker::prepareImage(const QImage& image, const dragdiff::EditParameters& conditioning,
                                std::shared_ptr<std::atomic<bool>> cancel, quint64 generation) {
    if (cancel->load()) return;  // superseded while queued
    try {
        auto progress = [this, generation](const EditProgress& p) {
            Q_EMIT prepareProgress(p.step, p.totalSteps, generation);
        };
        backend_->prepareImage(toRgbaImage(image), conditioning, cancel.get(), progress);
        Q_EMIT imagePrepared(generation);
    } catch (...) {
        const auto error = std::current_exception();
        if (!isCancelled(error)) Q_EMIT prepareFailed(describeFailure(error, tr("Could not analyse the picture")), generation);
    }
}

void EngineWorker::prepareInversion(const QImage& image, const dragdiff::EditParameters& parameters,
                                    std::shared_ptr<std::atomic<bool>> cancel, quint64 generation) {
    if (cancel->load()) return;  // superseded while queued
    try {
        QElapsedTimer clock;
        clock.start();
        const bool computed = backend_->prepareInversion(toRgbaImage(image), parameters, cancel.get(), nullptr);
        Q_EMIT inversionPrepared(generation, computed ? clock.elapsed() / 1000.0 : -1.0);
    } catch (...) {
        const auto error = std::current_exception();
        if (!isCancelled(error))
            Q_EMIT inversionFailed(describeFailure(error, tr("Could not prepare the edit")), generation);
    }
}

void EngineWorker::runEdit(const EditJob& job, std::shared_ptr<std::atomic<bool>> cancel) {
    if (cancel->load()) {
        Q_EMIT editCancelled();
        return;
    }
    QElapsedTimer clock;
    clock.start();
    progressInFlight_ = 0;
    try {
        const EditRequest request = toEditRequest(job);
        auto progress = [this](const EditProgress& p) {
            // Runs on this thread inside the engine; keep it cheap and never throw.
            if (progressInFlight_.load() >= 2 && p.step != p.totalSteps) return;
            ++progressInFlight_;
            EditUpdate u;
            u.phase = QString::fromStdString(p.phase);
            u.step = p.step;
            u.totalSteps = p.totalSteps;
            u.elapsedSeconds = p.elapsedSeconds;
            u.etaSeconds = p.etaSeconds;
            u.moveEnergy = p.moveEnergy;
            for (const auto& c : p.centroids) u.centroids.append(QPointF(c.x, c.y));
            u.preview = toQImage(p.preview);
            Q_EMIT editProgress(u);
        };
        EditResult result = backend_->edit(request, progress, cancel.get());
        EditOutcome outcome;
        outcome.image = toQImage(result.image);
        outcome.seconds = clock.elapsed() / 1000.0;
        outcome.steps = static_cast<int>(result.steps.size());
        const auto cached = result.counts.find("inversion_cached");
        outcome.inversionCached = cached != result.counts.end() && cached->second != 0;
        if (outcome.image.isNull()) throw dragdiff::Error("the engine returned an empty picture");
        Q_EMIT editFinished(outcome);
    } catch (...) {
        const auto error = std::current_exception();
        if (isCancelled(error)) Q_EMIT editCancelled();
        else Q_EMIT editFailed(describeFailure(error, tr("The edit failed")));
    }
}

}  // namespace dragdiff::ui
