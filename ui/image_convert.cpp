#include "ui/image_convert.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace dragdiff::ui {

QImage toQImage(const RgbaImage& image) {
    if (image.empty()) return {};
    QImage view(image.pixels.data(), image.width, image.height, image.width * 4, QImage::Format_RGBA8888);
    return view.copy();
}

RgbaImage toRgbaImage(const QImage& source) {
    RgbaImage out;
    if (source.isNull()) return out;
    const QImage image = source.convertToFormat(QImage::Format_RGBA8888);
    out.width = image.width();
    out.height = image.height();
    out.pixels.resize(static_cast<size_t>(out.width) * out.height * 4);
    for (int y = 0; y < out.height; ++y)
        std::memcpy(out.pixels.data() + static_cast<size_t>(y) * out.width * 4, image.constScanLine(y),
                    static_cast<size_t>(out.width) * 4);
    return out;
}

Mask toMask(const QImage& alphaMask) {
    Mask out;
    if (alphaMask.isNull()) return out;
    out.width = alphaMask.width();
    out.height = alphaMask.height();
    out.values.resize(static_cast<size_t>(out.width) * out.height);
    const QImage alpha = alphaMask.format() == QImage::Format_Alpha8 ? alphaMask
                                                                      : alphaMask.convertToFormat(QImage::Format_Alpha8);
    for (int y = 0; y < out.height; ++y) {
        const uchar* line = alpha.constScanLine(y);
        uint8_t* dst = out.values.data() + static_cast<size_t>(y) * out.width;
        for (int x = 0; x < out.width; ++x) dst[x] = line[x] > 127 ? 255 : 0;
    }
    return out;
}

QImage maskToQImage(const Mask& mask) {
    if (mask.empty()) return {};
    QImage out(mask.width, mask.height, QImage::Format_Alpha8);
    for (int y = 0; y < mask.height; ++y)
        std::memcpy(out.scanLine(y), mask.values.data() + static_cast<size_t>(y) * mask.width,
                    static_cast<size_t>(mask.width));
    return out;
}

bool maskIsEmpty(const QImage& alphaMask) {
    if (alphaMask.isNull()) return true;
    for (int y = 0; y < alphaMask.height(); ++y) {
        const uchar* line = alphaMask.constScanLine(y);
        for (int x = 0; x < alphaMask.width(); ++x)
            if (line[x]) return false;
    }
    return true;
}

namespace {
// A compact "turbo"-like ramp: blue -> cyan -> green -> yellow -> red.
QRgb ramp(float v) {
    static const float stops[5][3] = {{48, 18, 160}, {30, 160, 230}, {60, 220, 90}, {250, 210, 40}, {220, 30, 20}};
    const float t = std::clamp(v, 0.0f, 1.0f) * 4.0f;
    const int i = std::min(3, static_cast<int>(t));
    const float f = t - static_cast<float>(i);
    auto mix = [&](int c) { return stops[i][c] + (stops[i + 1][c] - stops[i][c]) * f; };
    return qRgb(static_cast<int>(mix(0)), static_cast<int>(mix(1)), static_cast<int>(mix(2)));
}
}  // namespace

QImage heatmapToImage(const HeatMap& heat) {
    if (heat.empty()) return {};
    QImage out(heat.width, heat.height, QImage::Format_ARGB32_Premultiplied);
    for (int y = 0; y < heat.height; ++y) {
        auto* line = reinterpret_cast<QRgb*>(out.scanLine(y));
        const float* src = heat.values.data() + static_cast<size_t>(y) * heat.width;
        for (int x = 0; x < heat.width; ++x) {
            const float v = std::isfinite(src[x]) ? std::clamp(src[x], 0.0f, 1.0f) : 0.0f;
            const QRgb c = ramp(v);
            const int a = static_cast<int>(255.0f * (0.15f + 0.85f * v));
            line[x] = qPremultiply(qRgba(qRed(c), qGreen(c), qBlue(c), a));
        }
    }
    return out;
}

}  // namespace dragdiff::ui
