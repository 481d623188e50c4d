#pragma once
// Live drag: while live mode is on, every change of the pairs, the mask or the parameters asks
// the engine for the edit a Run would make now (with the live parameters: no guidance, no
// previews; the background inversion is shared with Run's), newest request only, and the canvas
// shows the answer in place of the picture until the pairs change again; in between, and for
// models too slow for it, the canvas shows the warp preview. The document is never changed: Run
// makes the full-quality edit as before, one undo step.
#include "dragdiff/parameters.h"
#include "ui/engine_types.h"

#include <QObject>
#include <QString>

namespace dragdiff::ui {

class Canvas;
class Document;
class EngineController;
class WarpPreviewer;

class LiveDrag : public QObject {
    Q_OBJECT
public:
    // A model whose live edit is expected to take longer than this is not run live: its answer
    // would come long after the mouse stopped (the issue asks for 1 s; the budget leaves room
    // for a busy machine).
    static constexpr double kBudgetSeconds = 2.0;
    // The edit's parameters for a live answer: guidance off (it costs a backward pass per guided
    // step; the latent move carries the part) and no previews.
    static EditParameters liveParameters(EditParameters parameters);

    LiveDrag(Document* document, Canvas* canvas, EngineController* engine, WarpPreviewer* warp, QObject* parent = nullptr);

    void setEnabled(bool on);
    bool enabled() const { return enabled_; }
    // Whether live edits run for the loaded model; when not, why (the warp preview stands in).
    bool tooSlow() const { return estimateSeconds() > kBudgetSeconds; }
    QString statusText() const;
    // What a live edit costs here: the last one's time, or before one has run, the background
    // inversion's (the same denoising passes); -1 while neither is known.
    double estimateSeconds() const;

    // Asks for the current pairs now when live mode is on and they changed since the picture did.
    void refresh();

    quint64 lastRequest() const { return lastRequest_; }  // 0: none asked yet
    quint64 lastShown() const { return lastShown_; }      // the request the canvas shows
    int shownCount() const { return shown_; }
    int staleCount() const { return stale_; }             // answers that came after a newer request
    double lastLatencyMs() const { return lastLatencyMs_; }
    double lastComputeMs() const { return lastComputeMs_; }

Q_SIGNALS:
    void shown(double latencyMs);
    void statusChanged(const QString& text);
    void failed(const QString& message);

private:
    void onResult(const LiveResult& result);
    void setStatus(const QString& text);
    QString slowText() const;

    Document* document_;
    Canvas* canvas_;
    EngineController* engine_;
    WarpPreviewer* warp_;
    bool enabled_ = false;
    bool armed_ = false;  // the pairs, mask or parameters changed since the picture did
    QString status_;
    quint64 lastRequest_ = 0;
    quint64 lastShown_ = 0;
    int shown_ = 0;
    int stale_ = 0;
    double lastLatencyMs_ = 0;
    double lastComputeMs_ = -1;  // -1: no live edit of this model yet
};

}  // namespace dragdiff::ui
