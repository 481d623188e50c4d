#pragma once
// Copies between the core's plain value types and Qt's images. Always deep copies: facade buffers
// and QImages never share memory, so either side may live on another thread.
#include "dragdiff/engine.h"

#include <QColor>
#include <QImage>

namespace dragdiff::ui {

QImage toQImage(const RgbaImage& image);    // Format_RGBA8888
RgbaImage toRgbaImage(const QImage& image);  // any format; converted to straight RGBA
// Masks are held in the UI as Format_Alpha8 (QPainter paints and erases on it natively).
Mask toMask(const QImage& alphaMask);
QImage maskFromGray(const RgbaImage& gray, int width, int height);  // red channel > 0 = editable
QImage maskToGrayscale(const QImage& alphaMask);                   // for saving as an 8-bit PNG
bool maskIsEmpty(const QImage& alphaMask);
// A heatmap as a premultiplied colour overlay: a perceptual ramp whose alpha grows with the
// value, so cold regions leave the picture visible.
QImage heatmapToImage(const HeatMap& heat);

}  // namespace dragdiff::ui
