#include "ui/pair_painter.h"

#include <QLineF>
#include <QPainter>
#include <QPainterPath>
#include <QPolygonF>
#include <QtMath>

#include <algorithm>
#include <cmath>

namespace dragdiff::ui {
namespace {

const QColor kShadow(0, 0, 0, 150);
constexpr double kHeadLength = 11;
constexpr double kTargetGap = 8;  // the shaft stops short of the target marker so the head shows

// The head's two back corners for a tip pointing along `direction` (unit vector).
std::pair<QPointF, QPointF> headCorners(QPointF tip, QPointF direction, double angle) {
    const double c = std::cos(angle), s = std::sin(angle);
    const QPointF back(-direction.x(), -direction.y());
    const QPointF a(back.x() * c - back.y() * s, back.x() * s + back.y() * c);
    const QPointF b(back.x() * c + back.y() * s, -back.x() * s + back.y() * c);
    return {tip + a * kHeadLength, tip + b * kHeadLength};
}

QPointF unit(QPointF v) {
    const double l = std::hypot(v.x(), v.y());
    return l > 0 ? v / l : QPointF(1, 0);
}

void strokeTwice(QPainter& p, const QPainterPath& path, Qt::PenStyle style) {
    // A dark outline under a white line: legible on any picture.
    QPen shadow(kShadow, 4.5, style == Qt::SolidLine ? Qt::SolidLine : Qt::CustomDashLine, Qt::FlatCap, Qt::RoundJoin);
    QPen pen(Qt::white, 2.5, style == Qt::SolidLine ? Qt::SolidLine : Qt::CustomDashLine, Qt::FlatCap, Qt::RoundJoin);
    if (style != Qt::SolidLine) {
        // Dash lengths in pen widths: the outline's dashes cover the white ones.
        const QVector<qreal> dashes = style == Qt::DotLine ? QVector<qreal>{0.9, 1.5} : QVector<qreal>{3.2, 1.8};
        pen.setDashPattern(dashes);
        QVector<qreal> scaled;
        for (qreal d : dashes) scaled << d * 2.5 / 4.5;
        shadow.setDashPattern(scaled);
    } else {
        shadow.setCapStyle(Qt::RoundCap);
        pen.setCapStyle(Qt::RoundCap);
    }
    p.setBrush(Qt::NoBrush);
    p.setPen(shadow);
    p.drawPath(path);
    p.setPen(pen);
    p.drawPath(path);
}

}  // namespace

ArrowStyle arrowStyle(DragMode mode, std::optional<DragMode> resolved) {
    if (mode != DragMode::Auto) return {mode, false, false};
    if (!resolved || *resolved == DragMode::Auto) return {DragMode::Move, true, true};
    return {*resolved, true, false};
}

QString pairTag(int index, DragMode mode, std::optional<DragMode> resolved) {
    QString tag = QString::number(index + 1) + ' ' + QString::fromUtf8(dragModeName(mode));
    if (mode == DragMode::Auto && resolved && *resolved != DragMode::Auto)
        tag += QString::fromUtf8("→") + QString::fromUtf8(dragModeName(*resolved));
    return tag;
}

QPointF reshapeArrowPoint(QPointF from, QPointF to, double t) {
    const QPointF d = to - from;
    const double length = std::hypot(d.x(), d.y());
    const QPointF left = length > 0 ? QPointF(d.y(), -d.x()) / length : QPointF();
    const QPointF control = (from + to) / 2 + left * std::min(0.18 * length, 36.0) * 2;  // the curve reaches half of it
    const double u = 1 - t;
    return from * (u * u) + control * (2 * u * t) + to * (t * t);
}

void drawPairArrow(QPainter& p, QPointF from, QPointF to, const ArrowStyle& style) {
    const double length = QLineF(from, to).length();
    if (length < 1) return;
    p.save();
    if (style.faded) p.setOpacity(0.5);
    const double end = std::max(0.0, 1 - kTargetGap / length);
    QPainterPath shaft;
    QPointF tip, direction;
    if (style.shape == DragMode::Reshape) {
        constexpr int kSegments = 40;
        shaft.moveTo(from);
        for (int i = 1; i <= kSegments; ++i) shaft.lineTo(reshapeArrowPoint(from, to, end * i / kSegments));
        tip = reshapeArrowPoint(from, to, end);
        direction = unit(tip - reshapeArrowPoint(from, to, std::max(0.0, end - 0.02)));
    } else {
        direction = unit(to - from);
        tip = from + direction * std::max(0.0, length - kTargetGap);
        shaft.moveTo(from);
        shaft.lineTo(tip);
    }
    strokeTwice(p, shaft, style.shape == DragMode::Reshape ? Qt::DashLine : style.dotted ? Qt::DotLine : Qt::SolidLine);
    if (style.shape == DragMode::Reshape) {
        // An open head: two strokes.
        const auto [a, b] = headCorners(tip, direction, M_PI / 6);
        QPainterPath head;
        head.moveTo(a);
        head.lineTo(tip);
        head.lineTo(b);
        strokeTwice(p, head, Qt::SolidLine);
    } else {
        const auto [a, b] = headCorners(tip, direction, M_PI / 7);
        p.setPen(QPen(kShadow, 1.5));
        p.setBrush(Qt::white);
        p.drawPolygon(QPolygonF({tip, a, b}));
    }
    p.restore();
}

void drawPointMarker(QPainter& p, QPointF at, const QColor& fill, bool selected) {
    const double r = selected ? 7.5 : 6.0;
    p.setPen(QPen(QColor(0, 0, 0, 170), 3));
    p.setBrush(Qt::NoBrush);
    p.drawEllipse(at, r + 1, r + 1);
    p.setPen(QPen(Qt::white, selected ? 2.5 : 2));
    p.setBrush(fill);
    p.drawEllipse(at, r, r);
}

void drawPairTag(QPainter& p, QPointF handle, const QString& text, bool selected) {
    const QRectF tag(handle + QPointF(9, -22), QSizeF(p.fontMetrics().horizontalAdvance(text) + 10, 17));
    p.setPen(Qt::NoPen);
    p.setBrush(QColor(0, 0, 0, selected ? 220 : 160));
    p.drawRoundedRect(tag, 4, 4);
    p.setPen(Qt::white);
    p.drawText(tag, Qt::AlignCenter, text);
}

}  // namespace dragdiff::ui
