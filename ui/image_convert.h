#pragma once
// Copies between the core's plain value types and Qt's images. Always deep copies: facade buffers
// and QImages never share memory, so either side may live on another thread.
#include "dragdiff/engine.h"

#include <QColor>
#include <QImage>

namespace dragdiff::ui {

QImage toQImage(const RgbaImage& image);    // Format_RGBA8888
RgbaImage toRgbaImage(const QImage& image);  // any format; converted to straight RGBA
// Masks are held in the UI as Format_Alpha8 (QPainter paints and erases on it natively, with
// soft edges). The engine and mask files get it binarised by the rule dragdiff::loadMask() applies
// to files (above one half = editable, stored as 255), so an edit replayed from a saved project
// sees exactly the mask the GUI's edit saw.
Mask toMask(const QImage& alphaMask);
QImage maskToQImage(const Mask& mask);  // Format_Alpha8, or null for an empty mask
bool maskIsEmpty(const QImage& alphaMask);
// A heatmap as a premultiplied colour overlay: a perceptual ramp whose alpha grows with the
// value, so cold regions leave the picture visible.
QImage heatmapToImage(const HeatMap& heat);

}  // namespace dragdiff::ui
