#pragma once
// The mask brush and, with `erase`, the eraser: round strokes of an adjustable diameter (image
// pixels); a circle cursor shows the size at the current zoom. One stroke is one undo step.
#include "ui/tool.h"

namespace dragdiff::ui {

class MaskBrushTool : public Tool {
public:
    MaskBrushTool(Canvas* canvas, Document* document, bool erase) : Tool(canvas, document), erase_(erase) {}
    void mousePress(const ToolEvent& e) override;
    void mouseMove(const ToolEvent& e) override;
    void mouseRelease(const ToolEvent& e) override;
    void leave() override;
    void deactivate() override;
    void paintOverlay(QPainter& painter) override;
    QCursor cursor() const override { return Qt::BlankCursor; }

    double diameter() const { return diameter_; }
    void setDiameter(double d) { diameter_ = d; }
    bool erases() const { return erase_; }

private:
    bool erase_;
    double diameter_ = 40;
    bool painting_ = false;
    bool hovering_ = false;
    QPointF last_;
    QPointF cursorWidget_;
};

}  // namespace dragdiff::ui
