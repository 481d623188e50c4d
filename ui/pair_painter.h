#pragma once
// How the canvas draws a drag pair: its handle and target markers, its number and mode tag, and
// an arrow whose look says how the part will follow. Move: a straight solid shaft with a filled
// head (the part translates whole). Reshape: a bowed dashed shaft with an open head (the part
// deforms). Auto: the style of the mode the engine resolved the pair to (its warp preview),
// faded; dotted and faded until the engine has answered.
#include "dragdiff/engine.h"

#include <QColor>
#include <QPointF>
#include <QString>

#include <optional>

class QPainter;

namespace dragdiff::ui {

struct ArrowStyle {
    DragMode shape = DragMode::Move;  // Move or Reshape: which arrow is drawn
    bool faded = false;               // auto: the engine's choice, not the user's
    bool dotted = false;              // auto the engine has not resolved yet
    bool operator==(const ArrowStyle& o) const { return shape == o.shape && faded == o.faded && dotted == o.dotted; }
};

// `resolved`: what the engine made of an auto pair (nothing while it has not answered).
ArrowStyle arrowStyle(DragMode mode, std::optional<DragMode> resolved);
// The tag beside pair `index`'s handle: "1 move", "2 reshape", "3 auto", "3 auto→reshape".
QString pairTag(int index, DragMode mode, std::optional<DragMode> resolved);
// A point at `t` in [0, 1] along the bowed shaft of a reshape arrow (widget pixels): it bows to
// the left of the drag's direction by 18 % of its length, at most 36 px.
QPointF reshapeArrowPoint(QPointF from, QPointF to, double t);

void drawPairArrow(QPainter& painter, QPointF from, QPointF to, const ArrowStyle& style);
void drawPointMarker(QPainter& painter, QPointF at, const QColor& fill, bool selected);
void drawPairTag(QPainter& painter, QPointF handle, const QString& text, bool selected);

}  // namespace dragdiff::ui
