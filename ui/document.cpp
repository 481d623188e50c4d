#include "ui/document.h"

#include "ui/image_command.h"
#include "ui/image_convert.h"
#include "ui/mask_command.h"
#include "ui/points_command.h"

#include <QPainter>
#include <QPainterPath>
#include <cmath>

namespace dragdiff::ui {

Document::Document(QObject* parent) : QObject(parent) {
    connect(&undoStack_, &QUndoStack::cleanChanged, this, [this] { touch(); });
    connect(&undoStack_, &QUndoStack::indexChanged, this, [this] { touch(); });
}

// The stack clears its history as it is destroyed, after this object's other members and while the
// window that owns the document is being destroyed too: nothing may hear of it.
Document::~Document() { undoStack_.disconnect(this); }

void Document::reset(const QImage& image, const QString& imagePath, bool edited) {
    undoStack_.clear();
    image_ = image.convertToFormat(QImage::Format_RGBA8888);
    imagePath_ = imagePath;
    imageEdited_ = edited;
    previousImage_ = QImage();
    points_.clear();
    mask_ = QImage();
    strokeActive_ = false;
    extraDirty_ = false;
    projectPath_.clear();
    undoStack_.setClean();
    Q_EMIT imageReset();
    Q_EMIT imageChanged();
    Q_EMIT pointsChanged();
    Q_EMIT maskChanged(QRect());
    Q_EMIT projectPathChanged(projectPath_);
    touch();
}

int Document::completePairCount() const {
    int n = 0;
    for (const auto& p : points_) n += p.hasTarget ? 1 : 0;
    return n;
}

void Document::changePoints(const DragPoints& after, const QString& text, int mergeSession) {
    if (after == points_) return;
    undoStack_.push(new PointsCommand(this, points_, after, text, mergeSession));
}

void Document::clearPoints() {
    if (points_.isEmpty()) return;
    changePoints({}, tr("Clear points"));
}

void Document::setDragMode(int index, DragMode mode) {
    if (index < 0 || index >= points_.size() || points_[index].mode == mode) return;
    DragPoints after = points_;
    after[index].mode = mode;
    changePoints(after, tr("Set drag mode: %1").arg(QString::fromUtf8(dragModeName(mode))));
}

std::vector<DragPair> completeDrags(const DragPoints& points) {
    std::vector<DragPair> drags;
    for (const DragPoint& p : points)
        if (p.hasTarget) drags.push_back({{p.handle.x(), p.handle.y()}, {p.target.x(), p.target.y()}, p.mode});
    return drags;
}

void Document::setPointsNoUndo(const DragPoints& points) { applyPoints(points); }

bool Document::hasMask() const { return !maskIsEmpty(mask_); }

void Document::ensureMask() {
    if (mask_.isNull() && hasImage()) {
        mask_ = QImage(image_.size(), QImage::Format_Alpha8);
        mask_.fill(0);
    }
}

void Document::beginMaskStroke(bool erase) {
    if (!hasImage()) return;
    ensureMask();
    strokeActive_ = true;
    strokeErase_ = erase;
    strokeBefore_ = mask_.copy();
    strokeRect_ = QRect();
}

void Document::strokeMaskSegment(QPointF from, QPointF to, double diameter) {
    if (!strokeActive_) return;
    QPainter painter(&mask_);
    painter.setRenderHint(QPainter::Antialiasing);
    // Alpha8: painting opaque sets 255, CompositionMode_Clear erases to 0.
    painter.setCompositionMode(strokeErase_ ? QPainter::CompositionMode_Clear : QPainter::CompositionMode_SourceOver);
    QPen pen(QColor(0, 0, 0, 255), diameter, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin);
    painter.setPen(pen);
    if (from == to) {
        painter.setPen(Qt::NoPen);
        painter.setBrush(QColor(0, 0, 0, 255));
        painter.drawEllipse(from, diameter / 2, diameter / 2);
    } else {
        painter.drawLine(from, to);
    }
    painter.end();
    const double r = diameter / 2 + 2;
    QRect dirty = QRectF(QPointF(std::min(from.x(), to.x()) - r, std::min(from.y(), to.y()) - r),
                         QPointF(std::max(from.x(), to.x()) + r, std::max(from.y(), to.y()) + r))
                      .toAlignedRect()
                      .intersected(mask_.rect());
    strokeRect_ = strokeRect_.united(dirty);
    Q_EMIT maskChanged(dirty);
}

void Document::endMaskStroke() {
    if (!strokeActive_) return;
    strokeActive_ = false;
    if (strokeRect_.isEmpty()) return;
    const QRect rect = strokeRect_;
    undoStack_.push(new MaskCommand(this, rect, strokeBefore_.copy(rect), mask_.copy(rect),
                                    strokeErase_ ? tr("Erase mask") : tr("Paint mask"), /*alreadyApplied=*/true));
    strokeBefore_ = QImage();
}

void Document::clearMask() {
    if (!hasMask()) return;
    QImage empty(mask_.size(), QImage::Format_Alpha8);
    empty.fill(0);
    undoStack_.push(new MaskCommand(this, mask_.rect(), mask_.copy(), empty, tr("Clear mask"), false));
}

void Document::replaceMask(const QImage& alphaMask, const QString& text) {
    if (!hasImage() || alphaMask.size() != image_.size()) return;
    QImage before = mask_;
    if (before.isNull()) {
        before = QImage(image_.size(), QImage::Format_Alpha8);
        before.fill(0);
    }
    undoStack_.push(new MaskCommand(this, before.rect(), before.copy(), alphaMask.convertToFormat(QImage::Format_Alpha8),
                                    text, false));
}

void Document::setMaskNoUndo(const QImage& alphaMask) { applyWholeMask(alphaMask); }

void Document::applyEdit(const QImage& result, bool keepPoints) {
    if (!hasImage() || result.isNull()) return;
    ImageCommand::State before{image_, imageEdited_, previousImage_, points_};
    QImage scaled = result.convertToFormat(QImage::Format_RGBA8888);
    if (scaled.size() != image_.size())  // the facade promises input resolution; stay safe anyway
        scaled = scaled.scaled(image_.size(), Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
    ImageCommand::State after{scaled, true, image_, keepPoints ? points_ : DragPoints()};
    undoStack_.push(new ImageCommand(this, before, after, tr("Apply edit")));
}

void Document::setParameters(const EditParameters& parameters) {
    parameters_ = parameters;
    extraDirty_ = true;
    Q_EMIT parametersChanged();
    touch();
}

void Document::setProjectPath(const QString& path) {
    projectPath_ = path;
    Q_EMIT projectPathChanged(path);
}

void Document::markSaved() {
    undoStack_.setClean();
    extraDirty_ = false;
    touch();
}

void Document::markModified() {
    extraDirty_ = true;
    touch();
}

void Document::applyPoints(const DragPoints& points) {
    if (points == points_) return;
    points_ = points;
    Q_EMIT pointsChanged();
    touch();
}

void Document::applyMaskRegion(const QRect& rect, const QImage& region) {
    ensureMask();
    QPainter painter(&mask_);
    painter.setCompositionMode(QPainter::CompositionMode_Source);
    painter.drawImage(rect.topLeft(), region);
    painter.end();
    Q_EMIT maskChanged(rect);
    touch();
}

void Document::applyWholeMask(const QImage& mask) {
    mask_ = mask.isNull() ? QImage() : mask.convertToFormat(QImage::Format_Alpha8);
    Q_EMIT maskChanged(QRect());
    touch();
}

void Document::applyImage(const QImage& image, bool edited, const QImage& previous) {
    image_ = image;
    imageEdited_ = edited;
    previousImage_ = previous;
    Q_EMIT imageChanged();
    touch();
}

void Document::touch() {
    ++revision_;
    const bool modified = isModified();
    if (modified != lastModified_) {
        lastModified_ = modified;
        Q_EMIT modifiedChanged(modified);
    }
    Q_EMIT changed();
}

}  // namespace dragdiff::ui
