#pragma once
// The editing canvas: shows the picture at any zoom (nearest-neighbour when magnified so pixels
// stay crisp), with the mask, heatmap, drag points and run previews drawn in image coordinates.
// Wheel zooms around the cursor; middle-drag or Space+drag pans; the active Tool gets the rest.
#include "ui/pair_painter.h"

#include <QImage>
#include <QPixmap>
#include <QPointF>
#include <QVector>
#include <QWidget>

#include <optional>

class QPushButton;

namespace dragdiff::ui {

class Document;
class Tool;

class Canvas : public QWidget {
    Q_OBJECT
public:
    explicit Canvas(Document* document, QWidget* parent = nullptr);

    // View transform: widget = image * scale + offset.
    double scale() const { return scale_; }
    QPointF offset() const { return offset_; }
    QPointF imageToWidget(QPointF image) const { return image * scale_ + offset_; }
    QPointF widgetToImage(QPointF widget) const { return (widget - offset_) / scale_; }
    QPointF clampToImage(QPointF image) const;
    void setScale(double scale, QPointF anchorWidget);
    void zoomBy(double factor, QPointF anchorWidget);
    void zoomIn();
    void zoomOut();
    void fitToWindow();
    void actualSize();  // 100 %
    bool fitMode() const { return fitMode_; }

    void setTool(Tool* tool);
    Tool* tool() const { return tool_; }

    int selectedPair() const { return selectedPair_; }
    void setSelectedPair(int index);
    void deleteSelectedPair();

    // Heatmap overlay. requestHeatmap() only emits heatmapRequested: the owner coalesces and
    // answers with setHeatmap().
    void requestHeatmap(QPointF imagePoint);
    // Asks again for the heatmap shown (or awaited), e.g. after its parameters changed.
    void refreshHeatmap();
    bool heatmapWanted() const { return heatmapWanted_; }
    void clearHeatmap();
    void setHeatmap(const QImage& overlay);
    void setHeatmapVisible(bool visible);
    bool heatmapVisible() const { return heatmapVisible_; }
    void setHeatmapOpacity(double opacity);
    const QImage& heatmap() const { return heatmap_; }
    const QImage& preview() const { return preview_; }

    // The mask's translucent overlay (the mask itself is unaffected).
    void setMaskVisible(bool visible);
    bool maskVisible() const { return maskVisible_; }

    // Run previews: the predicted picture and each handle's current centroid. With a mask, the
    // preview shows only inside it (outside, the result keeps the original pixels).
    void setPreview(const QImage& preview, const QVector<QPointF>& centroids);
    void clearPreview();
    bool showingPreview() const { return !preview_.isNull(); }
    // While busy, the tools do not edit (zoom and pan still work).
    void setBusy(bool busy);
    bool busy() const { return busy_; }

    // Warp preview: the picture warped by the engine's displacement field for the current pairs,
    // with the mode the engine resolved each complete pair to (auto pairs draw in that style).
    // Only the canvas holds it; the document's picture is never touched. While visible it is shown
    // in place of the picture, and Compare and holding backslash show it against the original.
    void setWarpPreview(const QImage& image, const QVector<DragMode>& modes);
    void clearWarpPreview();
    const QImage& warpPreview() const { return warp_; }
    quint64 warpPreviewCount() const { return warpCount_; }  // warp images received so far
    void setWarpVisible(bool visible);
    bool warpVisible() const { return warpVisible_; }
    bool showingWarp() const;  // the warp is what the canvas shows now
    // Live drag: the edit the current pairs would give (LiveDrag), shown in place of the picture
    // (and of the warp preview) until the pairs change; the document's picture is never touched.
    // In live mode the warp preview is shown while no live result is there, as W shows it.
    void setLiveMode(bool on);
    bool liveMode() const { return liveMode_; }
    void setLiveResult(const QImage& image);
    void clearLiveResult();
    const QImage& liveResult() const { return live_; }
    bool showingLive() const;  // the live result is what the canvas shows now
    // What the engine resolved pair `pair` to (nothing for an incomplete pair or no answer yet).
    std::optional<DragMode> resolvedMode(int pair) const;
    ArrowStyle arrowStyle(int pair) const;

    // Compare: a split view (before on the left of the divider) and/or "hold to see before".
    // With the warp preview shown, "before" is the picture and "after" the warp.
    bool canCompare() const;
    void setCompareSplit(bool on);
    bool compareSplit() const { return compareSplit_; }
    void setShowBefore(bool on);
    void setSplitPosition(double fraction);

Q_SIGNALS:
    void scaleChanged(double scale);
    void heatmapRequested(QPointF imagePoint);
    void cursorMoved(QPointF imagePoint, bool insideImage);
    void selectedPairChanged(int index);
    void sampleRequested();
    void openRequested();

protected:
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void keyReleaseEvent(QKeyEvent* event) override;
    void leaveEvent(QEvent* event) override;
    void enterEvent(QEnterEvent* event) override;
    void focusOutEvent(QFocusEvent* event) override;

private:
    void onImageReset();
    void onImageChanged();
    void onMaskChanged(const QRect& rect);
    void updateCursor();
    void paintEmptyState(QPainter& painter);
    void paintPoints(QPainter& painter);
    void paintCentroids(QPainter& painter);
    void paintDivider(QPainter& painter);
    QImage maskedPreview(const QImage& preview);
    QRectF imageRectWidget() const;
    const QPixmap* comparePixmap() const;  // what "before" shows, or null
    bool nearDivider(QPointF widgetPos) const;

    Document* document_;
    Tool* tool_ = nullptr;
    QPixmap pixmap_;           // the document's picture, converted once per change
    QPixmap beforePixmap_;     // the picture before the last applied edit
    QImage maskOverlay_;       // premultiplied colour overlay made from the mask
    QImage heatmap_;
    QImage warp_;              // the warp preview (RGBA8888, at the model's working size)
    QVector<DragMode> resolvedModes_;
    quint64 warpCount_ = 0;
    bool warpVisible_ = false;
    QImage live_;              // the live-drag result (RGBA8888, the picture's size)
    bool liveMode_ = false;
    QImage preview_;           // premultiplied; transparent outside the mask
    QImage previewMask_;       // the mask at the preview's size, cached for a run
    qint64 previewMaskKey_ = 0;
    bool previewMasked_ = false;  // the preview is transparent outside the mask
    bool maskVisible_ = true;
    QVector<QPointF> centroids_;
    double scale_ = 1.0;
    QPointF offset_;
    bool fitMode_ = true;
    bool panning_ = false;
    bool spaceHeld_ = false;
    QPointF panStart_;
    QPointF panOffsetStart_;
    int selectedPair_ = -1;
    QPointF heatmapPoint_;
    bool heatmapWanted_ = false;  // a heatmap was requested for heatmapPoint_ and not cleared since
    bool heatmapVisible_ = true;
    double heatmapOpacity_ = 0.6;
    bool busy_ = false;
    bool compareSplit_ = false;
    bool showBefore_ = false;
    double splitFraction_ = 0.5;
    bool draggingDivider_ = false;
    QPushButton* openButton_ = nullptr;
    QPushButton* sampleButton_ = nullptr;
};

}  // namespace dragdiff::ui
