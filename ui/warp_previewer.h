#pragma once
// Keeps the canvas's warp preview in step with the document: whenever the pairs, their modes,
// the mask or the parameters change, it asks the engine (off the UI thread, newest request only)
// for the picture warped by the displacement field the edit would start from, and hands the
// answer to the canvas with the mode the engine resolved each pair to. It asks while the preview
// is shown (W) or while an auto pair waits to be resolved (its arrow shows the engine's choice).
// The document is never changed by a preview.
#include "ui/engine_types.h"

#include <QObject>

namespace dragdiff::ui {

class Canvas;
class Document;
class EngineController;

class WarpPreviewer : public QObject {
    Q_OBJECT
public:
    WarpPreviewer(Document* document, Canvas* canvas, EngineController* engine, QObject* parent = nullptr);

    void setVisible(bool visible);
    bool visible() const { return visible_; }
    // Asks for the current pairs now when a preview is wanted.
    void refresh();
    bool wanted() const;

    quint64 lastRequest() const { return lastRequest_; }  // 0: none asked yet
    quint64 lastShown() const { return lastShown_; }      // the request the canvas shows
    // From the change that asked for it to the canvas holding it, and the engine's call alone.
    double lastLatencyMs() const { return lastLatencyMs_; }
    double lastComputeMs() const { return lastComputeMs_; }

Q_SIGNALS:
    void shown(double latencyMs);
    void failed(const QString& message);

private:
    void onResult(const WarpResult& result);

    Document* document_;
    Canvas* canvas_;
    EngineController* engine_;
    bool visible_ = false;
    quint64 lastRequest_ = 0;
    quint64 lastShown_ = 0;
    double lastLatencyMs_ = 0;
    double lastComputeMs_ = 0;
};

}  // namespace dragdiff::ui
