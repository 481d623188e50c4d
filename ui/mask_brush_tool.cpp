#include "ui/mask_brush_tool.h"

#include "ui/canvas.h"
#include "ui/document.h"

#include <QPainter>

namespace dragdiff::ui {

void MaskBrushTool::mousePress(const ToolEvent& e) {
    if (e.button != Qt::LeftButton || !document_->hasImage()) return;
    painting_ = true;
    last_ = e.image;
    document_->beginMaskStroke(erase_);
    document_->strokeMaskSegment(last_, last_, diameter_);
}

void MaskBrushTool::mouseMove(const ToolEvent& e) {
    cursorWidget_ = e.widget;
    hovering_ = true;
    if (painting_ && (e.buttons & Qt::LeftButton)) {
        document_->strokeMaskSegment(last_, e.image, diameter_);
        last_ = e.image;
    }
    canvas_->update();
}

void MaskBrushTool::mouseRelease(const ToolEvent& e) {
    if (e.button != Qt::LeftButton || !painting_) return;
    painting_ = false;
    document_->endMaskStroke();
}

void MaskBrushTool::leave() {
    hovering_ = false;
    canvas_->update();
}

void MaskBrushTool::deactivate() {
    if (painting_) document_->endMaskStroke();
    painting_ = false;
    hovering_ = false;
}

void MaskBrushTool::paintOverlay(QPainter& painter) {
    if (!hovering_) return;
    const double r = std::max(2.0, diameter_ * canvas_->scale() / 2);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setBrush(Qt::NoBrush);
    // Two rings (dark and light) stay visible on any picture.
    painter.setPen(QPen(QColor(0, 0, 0, 180), 3));
    painter.drawEllipse(cursorWidget_, r, r);
    painter.setPen(QPen(erase_ ? QColor(255, 255, 255) : QColor(255, 120, 190), 1.5,
                        erase_ ? Qt::DashLine : Qt::SolidLine));
    painter.drawEllipse(cursorWidget_, r, r);
    painter.setPen(QPen(QColor(255, 255, 255, 200), 1));
    painter.drawPoint(cursorWidget_);
}

}  // namespace dragdiff::ui
