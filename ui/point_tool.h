#pragma once
// The drag-point tool: a click sets a handle, the next click its target; points are dragged to
// adjust them and removed with a right-click. Hovering asks for the correspondence heatmap.
#include "ui/tool.h"

namespace dragdiff::ui {

class PointTool : public Tool {
public:
    using Tool::Tool;
    void mousePress(const ToolEvent& e) override;
    void mouseMove(const ToolEvent& e) override;
    void mouseRelease(const ToolEvent& e) override;
    void leave() override;
    void deactivate() override;
    QCursor cursor() const override { return Qt::CrossCursor; }

    // Screen pixels within which a click grabs an existing point.
    static constexpr double kGrabRadius = 9.0;

private:
    struct Hit {
        int pair = -1;
        bool target = false;
    };
    Hit hitTest(QPointF widgetPos) const;

    Hit dragging_;
    bool moved_ = false;
    QPointF grabOffset_;  // image pixels between the cursor and the point's centre
    int mergeSession_ = 0;
    static int nextSession_;
};

}  // namespace dragdiff::ui
