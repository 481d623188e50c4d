#include "ui/point_tool.h"

#include "ui/canvas.h"
#include "ui/document.h"

#include <QLineF>

namespace dragdiff::ui {

int PointTool::nextSession_ = 1;

PointTool::Hit PointTool::hitTest(QPointF widgetPos) const {
    // Later pairs are drawn on top, so they win; targets are checked before handles of the same
    // pair because a fresh target often sits close to its handle.
    const DragPoints& pts = document_->points();
    Hit best;
    double bestDistance = kGrabRadius;
    for (int i = 0; i < pts.size(); ++i) {
        const double dh = QLineF(canvas_->imageToWidget(pts[i].handle), widgetPos).length();
        if (dh <= bestDistance) best = {i, false}, bestDistance = dh;
        if (pts[i].hasTarget) {
            const double dt = QLineF(canvas_->imageToWidget(pts[i].target), widgetPos).length();
            if (dt <= bestDistance) best = {i, true}, bestDistance = dt;
        }
    }
    return best;
}

void PointTool::mousePress(const ToolEvent& e) {
    if (!document_->hasImage()) return;
    const Hit hit = hitTest(e.widget);
    DragPoints pts = document_->points();
    if (e.button == Qt::RightButton) {
        if (hit.pair < 0) return;
        // A target goes alone (the handle then waits for a new one); a handle takes its pair.
        if (hit.target) {
            pts[hit.pair].hasTarget = false;
            document_->changePoints(pts, QObject::tr("Remove target"));
        } else {
            pts.removeAt(hit.pair);
            document_->changePoints(pts, QObject::tr("Remove point pair"));
        }
        canvas_->setSelectedPair(-1);
        return;
    }
    if (e.button != Qt::LeftButton) return;
    if (hit.pair >= 0) {
        dragging_ = hit;
        moved_ = false;
        mergeSession_ = nextSession_++;
        const QPointF centre = hit.target ? pts[hit.pair].target : pts[hit.pair].handle;
        grabOffset_ = centre - e.image;
        canvas_->setSelectedPair(hit.pair);
        if (!hit.target) canvas_->requestHeatmap(pts[hit.pair].handle);
        return;
    }
    if (!QRectF(QPointF(0, 0), QSizeF(document_->imageSize())).contains(e.image)) return;
    const QPointF p = canvas_->clampToImage(e.image);
    if (!pts.isEmpty() && !pts.last().hasTarget) {
        pts.last().target = p;
        pts.last().hasTarget = true;
        document_->changePoints(pts, QObject::tr("Set target"));
        canvas_->setSelectedPair(pts.size() - 1);
    } else {
        DragPoint d;
        d.handle = p;
        pts.append(d);
        document_->changePoints(pts, QObject::tr("Add handle"));
        canvas_->setSelectedPair(pts.size() - 1);
    }
}

void PointTool::mouseMove(const ToolEvent& e) {
    if (dragging_.pair >= 0 && (e.buttons & Qt::LeftButton)) {
        DragPoints pts = document_->points();
        if (dragging_.pair >= pts.size()) return;
        const QPointF p = canvas_->clampToImage(e.image + grabOffset_);
        (dragging_.target ? pts[dragging_.pair].target : pts[dragging_.pair].handle) = p;
        moved_ = true;
        document_->changePoints(pts, QObject::tr("Move point"), mergeSession_);
        canvas_->requestHeatmap(p);
        return;
    }
    if (e.buttons == Qt::NoButton && document_->hasImage()) {
        if (QRectF(QPointF(0, 0), QSizeF(document_->imageSize())).contains(e.image))
            canvas_->requestHeatmap(e.image);
        else
            leave();
    }
}

void PointTool::mouseRelease(const ToolEvent& e) {
    if (e.button == Qt::LeftButton) dragging_ = {};
}

void PointTool::leave() {
    // Fall back to the selected handle's heatmap, or none.
    const int sel = canvas_->selectedPair();
    if (sel >= 0 && sel < document_->points().size())
        canvas_->requestHeatmap(document_->points()[sel].handle);
    else
        canvas_->clearHeatmap();
}

void PointTool::deactivate() {
    dragging_ = {};
    canvas_->clearHeatmap();
}

}  // namespace dragdiff::ui
