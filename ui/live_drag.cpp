#include "ui/live_drag.h"

#include "ui/canvas.h"
#include "ui/document.h"
#include "ui/engine_controller.h"
#include "ui/warp_previewer.h"

namespace dragdiff::ui {

EditParameters LiveDrag::liveParameters(EditParameters parameters) {
    parameters.guidanceWeight = 0;
    parameters.previewEvery = 0;
    return parameters;
}

LiveDrag::LiveDrag(Document* document, Canvas* canvas, EngineController* engine, WarpPreviewer* warp, QObject* parent)
    : QObject(parent), document_(document), canvas_(canvas), engine_(engine), warp_(warp) {
    for (auto changed : {&Document::pointsChanged, &Document::parametersChanged})
        connect(document_, changed, this, [this] {
            armed_ = true;
            refresh();
        });
    connect(document_, &Document::maskChanged, this, [this] {
        armed_ = true;
        refresh();
    });
    // A new picture, an applied edit or its undo: nothing is asked until the pairs change (the
    // pairs Run kept would otherwise be dragged again over its result).
    for (auto changed : {&Document::imageReset, &Document::imageChanged})
        connect(document_, changed, this, [this] {
            armed_ = false;
            engine_->cancelLiveEdit();
        });
    connect(engine_, &EngineController::modelStateChanged, this, [this] {
        lastComputeMs_ = -1;  // another model: its cost is measured afresh
        refresh();
    });
    // Live edits start from the background inversion: asked once it is there.
    connect(engine_, &EngineController::inversionStateChanged, this, [this](EngineController::InversionState state) {
        if (state == EngineController::InversionState::Ready) refresh();
    });
    connect(engine_, &EngineController::liveEditReady, this, &LiveDrag::onResult);
    connect(engine_, &EngineController::liveEditFailed, this, &LiveDrag::failed);
}

void LiveDrag::setEnabled(bool on) {
    enabled_ = on;
    canvas_->setLiveMode(on);
    if (!on) {
        engine_->cancelLiveEdit();
        setStatus(QString());
        return;
    }
    warp_->refresh();  // live mode shows the warp until an answer is there
    armed_ = true;
    refresh();
}

double LiveDrag::estimateSeconds() const {
    if (lastComputeMs_ >= 0) return lastComputeMs_ / 1000.0;
    return engine_->inversionSeconds();
}

QString LiveDrag::statusText() const { return status_; }

QString LiveDrag::slowText() const {
    return tr("Live drag is off for this model: an edit takes about %1 s here (live needs under %2 s); "
              "the warp preview shows the drag instead.")
        .arg(estimateSeconds(), 0, 'f', 1)
        .arg(kBudgetSeconds, 0, 'f', 0);
}

void LiveDrag::setStatus(const QString& text) {
    if (text == status_) return;
    status_ = text;
    Q_EMIT statusChanged(text);
}

void LiveDrag::refresh() {
    if (!enabled_ || !armed_) return;
    canvas_->clearLiveResult();
    if (!document_->hasImage() || document_->completePairCount() == 0) {
        engine_->cancelLiveEdit();
        return;
    }
    if (engine_->editRunning() || engine_->inversionState() != EngineController::InversionState::Ready) return;
    if (tooSlow()) {
        engine_->cancelLiveEdit();
        setStatus(slowText());
        return;
    }
    EditJob job;
    job.drags = completeDrags(document_->points());
    // A target dragged across its handle passes over it: said here, not sent to fail in the engine.
    for (size_t i = 0; i < job.drags.size(); ++i)
        if (job.drags[i].targetOnHandle()) {
            engine_->cancelLiveEdit();
            setStatus(tr("Live drag waits: pair %1's target is on its handle; drag it to where the part should go.")
                          .arg(i + 1));
            return;
        }
    setStatus(tr("Live drag: the result follows the points; Run makes the full-quality edit."));
    job.image = document_->image();
    job.mask = document_->hasMask() ? document_->mask() : QImage();
    job.parameters = liveParameters(document_->parameters());
    if (const quint64 request = engine_->requestLiveEdit(job)) lastRequest_ = request;
}

void LiveDrag::onResult(const LiveResult& r) {
    lastComputeMs_ = r.computeMs;
    // An answer for pairs that have changed since is never shown (nor one after live mode went off).
    if (!enabled_ || r.request != lastRequest_ || document_->completePairCount() == 0) {
        ++stale_;
        return;
    }
    lastShown_ = r.request;
    ++shown_;
    canvas_->setLiveResult(r.image);
    lastLatencyMs_ = (steadyNowNs() - r.postedNs) / 1e6;
    Q_EMIT shown(lastLatencyMs_);
    if (tooSlow()) setStatus(slowText());  // the next change of the pairs is not run live
}

}  // namespace dragdiff::ui
