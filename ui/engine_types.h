#pragma once
// Plain values that cross from the engine threads to the UI thread in queued signals.
#include "dragdiff/engine.h"

#include <QImage>
#include <QMetaType>
#include <QPointF>
#include <QString>
#include <QVector>

#include <vector>

namespace dragdiff::ui {

struct EditJob {
    QImage image;  // the input picture (RGBA8888)
    std::vector<DragPair> drags;
    QImage mask;   // Alpha8 or null = everywhere
    EditParameters parameters;
};

struct EditUpdate {
    QString phase;
    int step = 0;
    int totalSteps = 0;
    double elapsedSeconds = 0;
    double etaSeconds = 0;
    double moveEnergy = 0;
    QVector<QPointF> centroids;
    QImage preview;  // may be null
};

struct EditOutcome {
    QImage image;
    double seconds = 0;
    int steps = 0;
    bool inversionCached = false;  // the edit started from a prepared inversion (no encoding, no inversion)
};

struct HeatmapResult {
    QPointF point;
    QImage overlay;
    quint64 request = 0;
};

// A warp preview request: the complete pairs with their modes, the mask (Alpha8 or null =
// everywhere) and the parameters, stamped when the change that asked for it happened.
struct WarpJob {
    std::vector<DragPair> drags;
    QImage mask;
    EditParameters parameters;
    quint64 request = 0;
    quint64 imageGeneration = 0;  // the prepared picture it was asked against
    qint64 postedNs = 0;          // steady clock, for the latency the UI reports
};

struct WarpResult {
    QImage image;                 // RGBA8888, the picture at the model's working size, warped
    QVector<DragMode> modes;      // per complete pair, as the engine resolved them (never Auto)
    quint64 request = 0;
    quint64 imageGeneration = 0;
    qint64 postedNs = 0;
    double computeMs = 0;         // the engine's call alone
};

// A live-drag edit request (LiveEditWorker): the edit a Run would make now, with the live
// parameters, stamped like a warp request.
struct LiveJob {
    EditJob edit;
    quint64 request = 0;
    quint64 imageGeneration = 0;
    qint64 postedNs = 0;
};

struct LiveResult {
    QImage image;                 // RGBA8888, the edited picture (as EditOutcome::image)
    quint64 request = 0;
    quint64 imageGeneration = 0;
    qint64 postedNs = 0;
    double computeMs = 0;         // the engine's edit alone
};

// Now on the steady clock, in nanoseconds (WarpJob::postedNs).
qint64 steadyNowNs();

}  // namespace dragdiff::ui

Q_DECLARE_METATYPE(dragdiff::ModelInfo)
Q_DECLARE_METATYPE(dragdiff::ui::EditUpdate)
Q_DECLARE_METATYPE(dragdiff::ui::EditOutcome)
Q_DECLARE_METATYPE(dragdiff::ui::HeatmapResult)
Q_DECLARE_METATYPE(dragdiff::ui::WarpResult)
Q_DECLARE_METATYPE(dragdiff::ui::LiveResult)
