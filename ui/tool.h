#pragma once
// A canvas tool (PhotoFlare's Tool): receives mouse events already mapped to image pixels and may
// paint its own cursor decoration. Tools change the Document only through its undoable API.
#include <QCursor>
#include <QPointF>
#include <Qt>

class QPainter;
class QKeyEvent;

namespace dragdiff::ui {

class Canvas;
class Document;

struct ToolEvent {
    QPointF image;   // image pixels (may lie outside the picture)
    QPointF widget;  // canvas widget pixels
    Qt::MouseButton button = Qt::NoButton;
    Qt::MouseButtons buttons;
    Qt::KeyboardModifiers modifiers;
};

class Tool {
public:
    Tool(Canvas* canvas, Document* document) : canvas_(canvas), document_(document) {}
    virtual ~Tool() = default;
    Tool(const Tool&) = delete;
    Tool& operator=(const Tool&) = delete;

    virtual void mousePress(const ToolEvent&) {}
    virtual void mouseMove(const ToolEvent&) {}
    virtual void mouseRelease(const ToolEvent&) {}
    virtual void leave() {}
    virtual void activate() {}
    virtual void deactivate() {}
    // Painted in widget coordinates over everything else.
    virtual void paintOverlay(QPainter&) {}
    virtual QCursor cursor() const { return Qt::ArrowCursor; }

protected:
    Canvas* canvas_;
    Document* document_;
};

}  // namespace dragdiff::ui
