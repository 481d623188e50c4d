#include "ui/warp_previewer.h"

#include "ui/canvas.h"
#include "ui/document.h"
#include "ui/engine_controller.h"

#include <algorithm>

namespace dragdiff::ui {

WarpPreviewer::WarpPreviewer(Document* document, Canvas* canvas, EngineController* engine, QObject* parent)
    : QObject(parent), document_(document), canvas_(canvas), engine_(engine) {
    connect(document_, &Document::pointsChanged, this, &WarpPreviewer::refresh);
    connect(document_, &Document::maskChanged, this, &WarpPreviewer::refresh);
    connect(document_, &Document::parametersChanged, this, &WarpPreviewer::refresh);
    connect(engine_, &EngineController::imageStateChanged, this, [this](EngineController::ImageState state) {
        if (state == EngineController::ImageState::Prepared) refresh();
    });
    connect(engine_, &EngineController::warpPreviewReady, this, &WarpPreviewer::onResult);
    connect(engine_, &EngineController::warpPreviewFailed, this, &WarpPreviewer::failed);
}

void WarpPreviewer::setVisible(bool visible) {
    visible_ = visible;
    canvas_->setWarpVisible(visible);
    refresh();
}

bool WarpPreviewer::wanted() const {
    if (!document_->hasImage() || document_->completePairCount() == 0) return false;
    if (visible_ || canvas_->liveMode()) return true;  // live mode shows the warp between answers
    const DragPoints& pts = document_->points();
    return std::any_of(pts.begin(), pts.end(), [](const DragPoint& p) { return p.hasTarget && p.mode == DragMode::Auto; });
}

void WarpPreviewer::refresh() {
    if (document_->completePairCount() == 0) {
        canvas_->clearWarpPreview();
        return;
    }
    if (!wanted()) return;
    const QImage mask = document_->hasMask() ? document_->mask() : QImage();
    lastRequest_ = engine_->requestWarpPreview(completeDrags(document_->points()), mask, document_->parameters());
}

void WarpPreviewer::onResult(const WarpResult& r) {
    // Requests are answered in order, newest only; never step back to an older answer.
    if (r.request < lastShown_ || document_->completePairCount() == 0) return;
    lastShown_ = r.request;
    canvas_->setWarpPreview(r.image, r.modes);
    lastComputeMs_ = r.computeMs;
    lastLatencyMs_ = (steadyNowNs() - r.postedNs) / 1e6;
    Q_EMIT shown(lastLatencyMs_);
}

}  // namespace dragdiff::ui
