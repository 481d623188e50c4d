#pragma once
// The edited document: the picture, its drag points, its mask and its edit parameters, with the
// undo stack that records every user action (Gwenview's Document / Qt's Undo Framework example).
// Widgets observe it through signals; every user-visible change goes through a QUndoCommand.
#include "dragdiff/engine.h"
#include "dragdiff/parameters.h"

#include <QImage>
#include <QObject>
#include <QPointF>
#include <QRect>
#include <QUndoStack>
#include <QVector>

namespace dragdiff::ui {

// One drag: a handle and, once the user has placed it, its target (image pixels), and how its
// part follows (auto: the engine decides from the heatmap; move; reshape).
struct DragPoint {
    QPointF handle;
    QPointF target;
    bool hasTarget = false;
    DragMode mode = DragMode::Auto;
    bool operator==(const DragPoint& o) const {
        return handle == o.handle && target == o.target && hasTarget == o.hasTarget && mode == o.mode;
    }
};
using DragPoints = QVector<DragPoint>;
// The complete pairs as the engine takes them (with their modes), in order.
std::vector<DragPair> completeDrags(const DragPoints& points);

class Document : public QObject {
    Q_OBJECT
public:
    explicit Document(QObject* parent = nullptr);
    ~Document() override;

    // Starts over with a new picture: points, mask and history are cleared. `edited`: the picture
    // is not the file at `imagePath` (a recovered autosave of an edited picture).
    void reset(const QImage& image, const QString& imagePath, bool edited = false);
    bool hasImage() const { return !image_.isNull(); }
    const QImage& image() const { return image_; }  // Format_RGBA8888
    QSize imageSize() const { return image_.size(); }
    // The file the picture came from; `imageEdited()` says the picture no longer equals it.
    QString imagePath() const { return imagePath_; }
    bool imageEdited() const { return imageEdited_; }
    // The picture before the most recent applied edit (for Compare); null if none.
    const QImage& previousImage() const { return previousImage_; }

    const DragPoints& points() const { return points_; }
    int completePairCount() const;
    // Pushes one undo step; successive calls with the same non-zero `mergeSession` (one mouse drag)
    // merge into a single step.
    void changePoints(const DragPoints& after, const QString& text, int mergeSession = 0);
    void clearPoints();
    // Sets how pair `index` follows its drag: one undo step ("Set drag mode: reshape").
    void setDragMode(int index, DragMode mode);

    const QImage& mask() const { return mask_; }  // Format_Alpha8 or null
    bool hasMask() const;
    // A brush stroke is one undo step: begin, any number of segments, end.
    void beginMaskStroke(bool erase);
    void strokeMaskSegment(QPointF from, QPointF to, double diameter);
    void endMaskStroke();
    bool strokeActive() const { return strokeActive_; }
    void clearMask();
    // Replaces the whole mask as one undo step (importing a mask file). `alphaMask` has the
    // picture's size.
    void replaceMask(const QImage& alphaMask, const QString& text);
    // Replaces the mask wholesale without history (project loading).
    void setMaskNoUndo(const QImage& alphaMask);
    void setPointsNoUndo(const DragPoints& points);

    // The engine's result becomes the picture (one undo step); points stay for another round
    // unless `keepPoints` is false.
    void applyEdit(const QImage& result, bool keepPoints);

    const EditParameters& parameters() const { return parameters_; }
    void setParameters(const EditParameters& parameters);

    QUndoStack* undoStack() { return &undoStack_; }
    QString projectPath() const { return projectPath_; }
    void setProjectPath(const QString& path);
    bool isModified() const { return !undoStack_.isClean() || extraDirty_; }
    void markSaved();
    void markModified();  // e.g. recovered work that has not been saved anywhere yet
    // Increases on every change; the autosave compares it with the last one it wrote.
    quint64 revision() const { return revision_; }

    // Used by the undo commands only: apply a state without recording it.
    void applyPoints(const DragPoints& points);
    void applyMaskRegion(const QRect& rect, const QImage& region);
    void applyWholeMask(const QImage& mask);
    void applyImage(const QImage& image, bool edited, const QImage& previous);

Q_SIGNALS:
    void imageReset();                 // a different document (new picture, history cleared)
    void imageChanged();               // the picture's pixels changed (applied edit, undo of one)
    void pointsChanged();
    void maskChanged(const QRect& rect);  // image pixels that changed; null rect = everything
    void parametersChanged();
    void modifiedChanged(bool modified);
    void projectPathChanged(const QString& path);
    void changed();

private:
    void touch();
    void ensureMask();

    QImage image_;
    QString imagePath_;
    bool imageEdited_ = false;
    QImage previousImage_;
    DragPoints points_;
    QImage mask_;
    EditParameters parameters_;
    bool extraDirty_ = false;
    QString projectPath_;
    QUndoStack undoStack_;
    quint64 revision_ = 0;
    bool lastModified_ = false;
    // Stroke in progress
    bool strokeActive_ = false;
    bool strokeErase_ = false;
    QImage strokeBefore_;
    QRect strokeRect_;
};

}  // namespace dragdiff::ui
