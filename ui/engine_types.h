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

}  // namespace dragdiff::ui

Q_DECLARE_METATYPE(dragdiff::ModelInfo)
Q_DECLARE_METATYPE(dragdiff::ui::EditUpdate)
Q_DECLARE_METATYPE(dragdiff::ui::EditOutcome)
Q_DECLARE_METATYPE(dragdiff::ui::HeatmapResult)
