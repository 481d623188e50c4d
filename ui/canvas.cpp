#include "ui/canvas.h"

#include "ui/document.h"
#include "ui/pair_painter.h"
#include "ui/tool.h"

#include <QKeyEvent>
#include <QPainter>
#include <QPainterPath>
#include <QPushButton>
#include <QVBoxLayout>
#include <QWheelEvent>
#include <QtMath>

#include <algorithm>
#include <cmath>

namespace dragdiff::ui {
namespace {

constexpr double kMinScale = 0.02;
constexpr double kMaxScale = 64.0;
constexpr double kFitMargin = 24.0;
const QColor kHandleColor(230, 40, 40);
const QColor kTargetColor(40, 110, 240);
const QColor kMaskColor(255, 40, 150, 115);
const QColor kCentroidColor(255, 200, 0);

ToolEvent toolEvent(const Canvas* c, const QMouseEvent* e) {
    ToolEvent t;
    t.widget = e->position();
    t.image = c->widgetToImage(e->position());
    t.button = e->button();
    t.buttons = e->buttons();
    t.modifiers = e->modifiers();
    return t;
}

}  // namespace

Canvas::Canvas(Document* document, QWidget* parent) : QWidget(parent), document_(document) {
    setMouseTracking(true);
    setFocusPolicy(Qt::StrongFocus);
    setAcceptDrops(false);  // the main window takes drops
    setMinimumSize(320, 240);
    setAutoFillBackground(false);
    setAttribute(Qt::WA_OpaquePaintEvent);

    // Empty state: two obvious ways in.
    auto* box = new QVBoxLayout(this);
    box->addStretch(3);
    openButton_ = new QPushButton(tr("Open Image…"), this);
    sampleButton_ = new QPushButton(tr("Try the Sample Image"), this);
    for (auto* b : {openButton_, sampleButton_}) {
        b->setMinimumWidth(220);
        box->addWidget(b, 0, Qt::AlignHCenter);
    }
    box->addStretch(2);
    connect(openButton_, &QPushButton::clicked, this, &Canvas::openRequested);
    connect(sampleButton_, &QPushButton::clicked, this, &Canvas::sampleRequested);

    connect(document_, &Document::imageReset, this, &Canvas::onImageReset);
    connect(document_, &Document::imageChanged, this, &Canvas::onImageChanged);
    connect(document_, &Document::maskChanged, this, &Canvas::onMaskChanged);
    connect(document_, &Document::pointsChanged, this, [this] {
        if (selectedPair_ >= document_->points().size()) setSelectedPair(-1);
        update();
    });
}

QPointF Canvas::clampToImage(QPointF p) const {
    const QSize s = document_->imageSize();
    return {std::clamp(p.x(), 0.0, std::max(0.0, s.width() - 0.001)),
            std::clamp(p.y(), 0.0, std::max(0.0, s.height() - 0.001))};
}

void Canvas::setScale(double scale, QPointF anchor) {
    scale = std::clamp(scale, kMinScale, kMaxScale);
    const QPointF imagePoint = widgetToImage(anchor);
    scale_ = scale;
    offset_ = anchor - imagePoint * scale_;
    fitMode_ = false;
    Q_EMIT scaleChanged(scale_);
    update();
}

void Canvas::zoomBy(double factor, QPointF anchor) { setScale(scale_ * factor, anchor); }
void Canvas::zoomIn() { zoomBy(1.25, rect().center()); }
void Canvas::zoomOut() { zoomBy(1 / 1.25, rect().center()); }

void Canvas::fitToWindow() {
    fitMode_ = true;
    if (!document_->hasImage()) return;
    const QSizeF s = document_->imageSize();
    const double w = std::max(1.0, width() - 2 * kFitMargin);
    const double h = std::max(1.0, height() - 2 * kFitMargin);
    scale_ = std::clamp(std::min(w / s.width(), h / s.height()), kMinScale, kMaxScale);
    offset_ = QPointF((width() - s.width() * scale_) / 2, (height() - s.height() * scale_) / 2);
    Q_EMIT scaleChanged(scale_);
    update();
}

void Canvas::actualSize() {
    if (!document_->hasImage()) return;
    const QPointF centre = widgetToImage(rect().center());
    scale_ = 1.0;
    offset_ = QPointF(rect().center()) - centre;
    // Whole-pixel offsets keep 1:1 pixels exactly on the screen grid.
    offset_ = QPointF(std::round(offset_.x()), std::round(offset_.y()));
    fitMode_ = false;
    Q_EMIT scaleChanged(scale_);
    update();
}

void Canvas::setTool(Tool* tool) {
    if (tool_ == tool) return;
    if (tool_) tool_->deactivate();
    tool_ = tool;
    if (tool_) tool_->activate();
    updateCursor();
    update();
}

void Canvas::setSelectedPair(int index) {
    if (index == selectedPair_) return;
    selectedPair_ = index;
    Q_EMIT selectedPairChanged(index);
    update();
}

void Canvas::deleteSelectedPair() {
    if (busy_ || selectedPair_ < 0 || selectedPair_ >= document_->points().size()) return;
    DragPoints pts = document_->points();
    pts.removeAt(selectedPair_);
    setSelectedPair(-1);
    document_->changePoints(pts, tr("Remove point pair"));
    clearHeatmap();
}

void Canvas::requestHeatmap(QPointF imagePoint) {
    heatmapPoint_ = imagePoint;
    heatmapWanted_ = true;
    Q_EMIT heatmapRequested(imagePoint);
}

void Canvas::refreshHeatmap() {
    if (heatmapWanted_) Q_EMIT heatmapRequested(heatmapPoint_);
}

void Canvas::clearHeatmap() {
    heatmapWanted_ = false;
    if (!heatmap_.isNull()) {
        heatmap_ = QImage();
        update();
    }
}

void Canvas::setHeatmap(const QImage& overlay) {
    heatmap_ = overlay;
    update();
}

void Canvas::setHeatmapVisible(bool visible) {
    heatmapVisible_ = visible;
    update();
}

void Canvas::setHeatmapOpacity(double opacity) {
    heatmapOpacity_ = std::clamp(opacity, 0.0, 1.0);
    update();
}

void Canvas::setMaskVisible(bool visible) {
    maskVisible_ = visible;
    update();
}

QImage Canvas::maskedPreview(const QImage& preview) {
    previewMasked_ = document_->hasMask();
    if (!previewMasked_) return preview;
    QImage out = preview.convertToFormat(QImage::Format_ARGB32_Premultiplied);
    const QImage& mask = document_->mask();
    if (previewMask_.size() != out.size() || previewMaskKey_ != mask.cacheKey()) {
        previewMask_ = mask.convertToFormat(QImage::Format_ARGB32_Premultiplied)
                           .scaled(out.size(), Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
        previewMaskKey_ = mask.cacheKey();
    }
    QPainter p(&out);
    p.setCompositionMode(QPainter::CompositionMode_DestinationIn);
    p.drawImage(0, 0, previewMask_);
    return out;
}

void Canvas::setPreview(const QImage& preview, const QVector<QPointF>& centroids) {
    if (!preview.isNull()) preview_ = maskedPreview(preview);
    centroids_ = centroids;
    update();
}

void Canvas::clearPreview() {
    preview_ = QImage();
    previewMask_ = QImage();
    centroids_.clear();
    update();
}

void Canvas::setBusy(bool busy) {
    busy_ = busy;
    updateCursor();
}

void Canvas::setWarpPreview(const QImage& image, const QVector<DragMode>& modes) {
    warp_ = image;
    resolvedModes_ = modes;
    ++warpCount_;
    update();
}

void Canvas::clearWarpPreview() {
    warp_ = QImage();
    resolvedModes_.clear();
    update();
}

void Canvas::setWarpVisible(bool visible) {
    warpVisible_ = visible;
    update();
}

bool Canvas::showingWarp() const {
    return (warpVisible_ || liveMode_) && !warp_.isNull() && preview_.isNull() && !showingLive();
}

void Canvas::setLiveMode(bool on) {
    liveMode_ = on;
    if (!on) live_ = QImage();
    update();
}

void Canvas::setLiveResult(const QImage& image) {
    live_ = image;
    update();
}

void Canvas::clearLiveResult() {
    if (live_.isNull()) return;
    live_ = QImage();
    update();
}

bool Canvas::showingLive() const { return liveMode_ && !live_.isNull() && preview_.isNull(); }

const QPixmap* Canvas::comparePixmap() const {
    if (showingWarp() || showingLive()) return &pixmap_;  // the warp or live result against the picture
    return beforePixmap_.isNull() ? nullptr : &beforePixmap_;
}

bool Canvas::canCompare() const { return comparePixmap() != nullptr; }

void Canvas::setCompareSplit(bool on) {
    compareSplit_ = on;
    update();
}

void Canvas::setShowBefore(bool on) {
    showBefore_ = on;
    update();
}

void Canvas::setSplitPosition(double fraction) {
    splitFraction_ = std::clamp(fraction, 0.0, 1.0);
    update();
}

void Canvas::onImageReset() {
    selectedPair_ = -1;
    heatmap_ = QImage();
    live_ = QImage();
    clearWarpPreview();
    clearPreview();
    const bool has = document_->hasImage();
    openButton_->setVisible(!has);
    sampleButton_->setVisible(!has);
    fitToWindow();
}

void Canvas::onImageChanged() {
    warp_ = QImage();  // a warp of the picture before: the new one's comes once it is analysed
    live_ = QImage();
    pixmap_ = document_->hasImage() ? QPixmap::fromImage(document_->image()) : QPixmap();
    const QImage& before = document_->previousImage();
    beforePixmap_ = before.isNull() ? QPixmap() : QPixmap::fromImage(before);
    if (fitMode_) fitToWindow();
    update();
}

void Canvas::onMaskChanged(const QRect& changed) {
    const QImage& mask = document_->mask();
    if (mask.isNull()) {
        maskOverlay_ = QImage();
        update();
        return;
    }
    if (maskOverlay_.size() != mask.size()) {
        maskOverlay_ = QImage(mask.size(), QImage::Format_ARGB32_Premultiplied);
        maskOverlay_.fill(Qt::transparent);
    }
    const QRect r = changed.isNull() ? mask.rect() : changed.intersected(mask.rect());
    if (!r.isEmpty()) {
        QPainter p(&maskOverlay_);
        p.setCompositionMode(QPainter::CompositionMode_Source);
        p.fillRect(r, kMaskColor);
        // The Alpha8 mask as source: keep the colour where the mask is set.
        p.setCompositionMode(QPainter::CompositionMode_DestinationIn);
        p.drawImage(r.topLeft(), mask, r);
    }
    const QRectF w(imageToWidget(r.topLeft()), imageToWidget(r.bottomRight() + QPoint(1, 1)));
    update(w.toAlignedRect().adjusted(-2, -2, 2, 2));
}

QRectF Canvas::imageRectWidget() const {
    return {offset_, QSizeF(document_->imageSize()) * scale_};
}

bool Canvas::nearDivider(QPointF p) const {
    if (!compareSplit_ || !comparePixmap()) return false;
    const QRectF r = imageRectWidget();
    const double x = r.left() + r.width() * splitFraction_;
    return std::abs(p.x() - x) <= 6 && p.y() >= r.top() && p.y() <= r.bottom();
}

void Canvas::updateCursor() {
    if (panning_) setCursor(Qt::ClosedHandCursor);
    else if (spaceHeld_) setCursor(Qt::OpenHandCursor);
    else if (busy_ || !tool_ || !document_->hasImage()) setCursor(Qt::ArrowCursor);
    else setCursor(tool_->cursor());
}

void Canvas::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), palette().color(QPalette::Dark).darker(115));
    if (!document_->hasImage()) {
        paintEmptyState(p);
        return;
    }
    const QRectF target = imageRectWidget();
    // Nearest-neighbour when magnified: each image pixel a crisp square. Smooth when reduced.
    const bool smooth = scale_ < 1.0;
    p.setRenderHint(QPainter::SmoothPixmapTransform, smooth);
    // A checkerboard shows transparency in pictures with alpha.
    if (document_->image().hasAlphaChannel()) {
        QPixmap checker(16, 16);
        checker.fill(QColor(200, 200, 200));
        QPainter cp(&checker);
        cp.fillRect(0, 0, 8, 8, QColor(150, 150, 150));
        cp.fillRect(8, 8, 8, 8, QColor(150, 150, 150));
        cp.end();
        p.fillRect(target, QBrush(checker));
    }
    const QPixmap* beforePixmap = comparePixmap();
    const bool warp = showingWarp();
    const bool live = showingLive();
    const bool before = showBefore_ && beforePixmap;
    if (!preview_.isNull() && !before) {
        // The picture, and over it the preview (transparent outside the mask). Previews come at the
        // model's working size: smoothed up, they read as a picture, not blocks.
        if (previewMasked_) p.drawPixmap(target, pixmap_, QRectF(pixmap_.rect()));
        p.setRenderHint(QPainter::SmoothPixmapTransform, smooth || preview_.width() < document_->imageSize().width());
        p.drawImage(target, preview_);
        p.setRenderHint(QPainter::SmoothPixmapTransform, smooth);
    } else if (before) {
        p.drawPixmap(target, *beforePixmap, QRectF(beforePixmap->rect()));
    } else if (live) {
        p.setRenderHint(QPainter::SmoothPixmapTransform, smooth || live_.width() < document_->imageSize().width());
        p.drawImage(target, live_);
        p.setRenderHint(QPainter::SmoothPixmapTransform, smooth);
    } else if (warp) {
        // At the model's working size, like run previews: smoothed up.
        p.setRenderHint(QPainter::SmoothPixmapTransform, smooth || warp_.width() < document_->imageSize().width());
        p.drawImage(target, warp_);
        p.setRenderHint(QPainter::SmoothPixmapTransform, smooth);
    } else {
        p.drawPixmap(target, pixmap_, QRectF(pixmap_.rect()));
    }
    if (compareSplit_ && beforePixmap && !before && preview_.isNull()) {
        QRectF left = target;
        left.setWidth(target.width() * splitFraction_);
        p.save();
        p.setClipRect(left);
        p.drawPixmap(target, *beforePixmap, QRectF(beforePixmap->rect()));
        p.restore();
    }
    if (maskVisible_ && !maskOverlay_.isNull() && !before) p.drawImage(target, maskOverlay_);
    if (heatmapVisible_ && !heatmap_.isNull() && !before) {
        p.setOpacity(heatmapOpacity_);
        p.setRenderHint(QPainter::SmoothPixmapTransform, true);
        p.drawImage(target, heatmap_);
        p.setOpacity(1.0);
    }
    if (compareSplit_ && beforePixmap && !before) paintDivider(p);
    p.setRenderHint(QPainter::Antialiasing);
    if (!before) {
        paintPoints(p);
        paintCentroids(p);
    }
    if (tool_ && !busy_ && !panning_ && !spaceHeld_) tool_->paintOverlay(p);
}

void Canvas::paintEmptyState(QPainter& p) {
    p.setPen(palette().color(QPalette::Light));
    QFont f = font();
    f.setPointSizeF(f.pointSizeF() * 1.4);
    p.setFont(f);
    QRect r = rect();
    r.setBottom(height() * 3 / 5 - 40);
    p.drawText(r, Qt::AlignHCenter | Qt::AlignBottom,
               tr("Open a picture to start: Ctrl+O, or drop it here."));
}

void Canvas::paintPoints(QPainter& p) {
    const DragPoints& pts = document_->points();
    QFont f = font();
    f.setBold(true);
    p.setFont(f);
    for (int i = 0; i < pts.size(); ++i) {
        const QPointF h = imageToWidget(pts[i].handle);
        const bool sel = i == selectedPair_;
        if (pts[i].hasTarget) drawPairArrow(p, h, imageToWidget(pts[i].target), arrowStyle(i));
        drawPointMarker(p, h, kHandleColor, sel);
        if (pts[i].hasTarget) drawPointMarker(p, imageToWidget(pts[i].target), kTargetColor, sel);
        drawPairTag(p, h, pairTag(i, pts[i].mode, resolvedMode(i)), sel);
    }
}

std::optional<DragMode> Canvas::resolvedMode(int pair) const {
    const DragPoints& pts = document_->points();
    if (pair < 0 || pair >= pts.size() || !pts[pair].hasTarget) return std::nullopt;
    // The engine's answer lists complete pairs; one for another set of pairs says nothing.
    if (resolvedModes_.size() != document_->completePairCount()) return std::nullopt;
    int complete = 0;
    for (int i = 0; i < pair; ++i) complete += pts[i].hasTarget ? 1 : 0;
    return resolvedModes_[complete];
}

ArrowStyle Canvas::arrowStyle(int pair) const {
    const DragPoints& pts = document_->points();
    if (pair < 0 || pair >= pts.size()) return {};
    return dragdiff::ui::arrowStyle(pts[pair].mode, resolvedMode(pair));
}

void Canvas::paintCentroids(QPainter& p) {
    const DragPoints& pts = document_->points();
    int pair = 0;
    for (int i = 0; i < centroids_.size(); ++i) {
        while (pair < pts.size() && !pts[pair].hasTarget) ++pair;  // centroids follow complete pairs
        const QPointF c = imageToWidget(centroids_[i]);
        if (pair < pts.size()) {
            p.setPen(QPen(kCentroidColor, 1.5, Qt::DashLine));
            p.drawLine(c, imageToWidget(pts[pair].target));
        }
        p.setPen(QPen(Qt::black, 2));
        p.setBrush(kCentroidColor);
        p.drawEllipse(c, 5, 5);
        ++pair;
    }
}

void Canvas::paintDivider(QPainter& p) {
    const QRectF r = imageRectWidget();
    const double x = r.left() + r.width() * splitFraction_;
    p.setPen(QPen(QColor(0, 0, 0, 160), 3));
    p.drawLine(QPointF(x, r.top()), QPointF(x, r.bottom()));
    p.setPen(QPen(Qt::white, 1.5));
    p.drawLine(QPointF(x, r.top()), QPointF(x, r.bottom()));
    const QPointF knob(x, std::clamp(height() / 2.0, r.top(), r.bottom()));
    p.setRenderHint(QPainter::Antialiasing);
    p.setBrush(Qt::white);
    p.setPen(QPen(QColor(0, 0, 0, 160), 1.5));
    p.drawEllipse(knob, 9, 9);
    // Labels on dark pills: legible on any picture.
    const auto label = [&](const QString& text, bool left) {
        const QFontMetricsF fm(p.font());
        const QSizeF size(fm.horizontalAdvance(text) + 14, fm.height() + 6);
        const QPointF corner = left ? QPointF(r.left() + 6, r.top() + 6) : QPointF(r.right() - 6 - size.width(), r.top() + 6);
        const QRectF box(corner, size);
        p.setPen(Qt::NoPen);
        p.setBrush(QColor(0, 0, 0, 170));
        p.drawRoundedRect(box, 5, 5);
        p.setPen(Qt::white);
        p.drawText(box, Qt::AlignCenter, text);
    };
    const bool warp = showingWarp(), live = showingLive();
    label(warp || live ? tr("Picture") : tr("Before"), true);
    label(live ? tr("Live result") : warp ? tr("Warp preview") : tr("After"), false);
}

void Canvas::resizeEvent(QResizeEvent*) {
    if (fitMode_) fitToWindow();
}

void Canvas::wheelEvent(QWheelEvent* e) {
    if (!document_->hasImage()) return;
    const double steps = e->angleDelta().y() / 120.0;
    if (steps == 0) return;
    zoomBy(std::pow(1.15, steps), e->position());
    e->accept();
}

void Canvas::mousePressEvent(QMouseEvent* e) {
    setFocus(Qt::MouseFocusReason);
    if (e->button() == Qt::MiddleButton || (e->button() == Qt::LeftButton && spaceHeld_)) {
        panning_ = true;
        panStart_ = e->position();
        panOffsetStart_ = offset_;
        updateCursor();
        return;
    }
    if (e->button() == Qt::LeftButton && nearDivider(e->position())) {
        draggingDivider_ = true;
        return;
    }
    if (tool_ && !busy_ && document_->hasImage()) {
        tool_->mousePress(toolEvent(this, e));
        update();
    }
}

void Canvas::mouseMoveEvent(QMouseEvent* e) {
    const QPointF ip = widgetToImage(e->position());
    Q_EMIT cursorMoved(ip, QRectF(QPointF(0, 0), QSizeF(document_->imageSize())).contains(ip));
    if (panning_) {
        offset_ = panOffsetStart_ + (e->position() - panStart_);
        fitMode_ = false;
        update();
        return;
    }
    if (draggingDivider_) {
        const QRectF r = imageRectWidget();
        setSplitPosition((e->position().x() - r.left()) / std::max(1.0, r.width()));
        return;
    }
    if (tool_ && !busy_ && document_->hasImage()) tool_->mouseMove(toolEvent(this, e));
}

void Canvas::mouseReleaseEvent(QMouseEvent* e) {
    if (panning_ && (e->button() == Qt::MiddleButton || e->button() == Qt::LeftButton)) {
        panning_ = false;
        updateCursor();
        return;
    }
    if (draggingDivider_ && e->button() == Qt::LeftButton) {
        draggingDivider_ = false;
        return;
    }
    if (tool_ && document_->hasImage()) {
        tool_->mouseRelease(toolEvent(this, e));
        update();
    }
}

void Canvas::keyPressEvent(QKeyEvent* e) {
    if (e->key() == Qt::Key_Space && !e->isAutoRepeat()) {
        spaceHeld_ = true;
        updateCursor();
        update();
        return;
    }
    if (e->key() == Qt::Key_Space) return;
    QWidget::keyPressEvent(e);
}

void Canvas::keyReleaseEvent(QKeyEvent* e) {
    if (e->key() == Qt::Key_Space && !e->isAutoRepeat()) {
        spaceHeld_ = false;
        panning_ = false;
        updateCursor();
        update();
        return;
    }
    QWidget::keyReleaseEvent(e);
}

void Canvas::leaveEvent(QEvent*) {
    if (tool_ && !busy_) tool_->leave();
    Q_EMIT cursorMoved(QPointF(), false);
}

void Canvas::enterEvent(QEnterEvent*) { updateCursor(); }

void Canvas::focusOutEvent(QFocusEvent*) {
    spaceHeld_ = false;
    updateCursor();
}

}  // namespace dragdiff::ui
