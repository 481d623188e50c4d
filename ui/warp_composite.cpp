#include "ui/warp_composite.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace dragdiff::ui {
namespace {

// A working pixel counts as changed when a channel differs by more than this from the picture
// resampled the same way (area averaging on both sides leaves a level or two of difference).
constexpr int kChangedLevel = 16;

}  // namespace

QImage compositeWarp(const QImage& pictureIn, const QImage& warpIn) {
    const QImage picture = pictureIn.convertToFormat(QImage::Format_RGBA8888);
    const QImage warp = warpIn.convertToFormat(QImage::Format_RGBA8888);
    if (picture.isNull()) return warp;
    if (warp.isNull()) return picture;
    if (warp.size() == picture.size()) return warp;
    const QImage small = picture.scaled(warp.size(), Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
    const int w = warp.width(), h = warp.height();
    // Changed working pixels, grown by one so the soft edge lies outside the change.
    QImage changed(w, h, QImage::Format_Grayscale8);
    changed.fill(0);
    QRect box;
    for (int y = 0; y < h; ++y) {
        const uchar* a = warp.constScanLine(y);
        const uchar* b = small.constScanLine(y);
        for (int x = 0; x < w; ++x) {
            const int d = std::max({std::abs(a[4 * x] - b[4 * x]), std::abs(a[4 * x + 1] - b[4 * x + 1]),
                                    std::abs(a[4 * x + 2] - b[4 * x + 2])});
            if (d <= kChangedLevel) continue;
            for (int yy = std::max(0, y - 1); yy <= std::min(h - 1, y + 1); ++yy) {
                uchar* m = changed.scanLine(yy);
                for (int xx = std::max(0, x - 1); xx <= std::min(w - 1, x + 1); ++xx) m[xx] = 255;
            }
            box |= QRect(x - 2, y - 2, 5, 5);
        }
    }
    QImage out = picture;
    box &= QRect(0, 0, w, h);
    if (box.isEmpty()) return out;
    // The changed box in picture pixels; only it is scaled up and blended.
    const double sx = double(picture.width()) / w, sy = double(picture.height()) / h;
    const QRect target(QPoint(int(std::floor(box.left() * sx)), int(std::floor(box.top() * sy))),
                       QPoint(std::min(picture.width(), int(std::ceil((box.right() + 1) * sx))) - 1,
                              std::min(picture.height(), int(std::ceil((box.bottom() + 1) * sy))) - 1));
    const QImage warpUp = warp.copy(box).scaled(target.size(), Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
    const QImage maskUp = changed.copy(box).scaled(target.size(), Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
    for (int y = 0; y < target.height(); ++y) {
        uchar* o = out.scanLine(target.top() + y) + 4 * target.left();
        const uchar* u = warpUp.constScanLine(y);
        const uchar* m = maskUp.constScanLine(y);
        for (int x = 0; x < target.width(); ++x) {
            const int a = m[x];
            if (a == 0) continue;
            for (int c = 0; c < 4; ++c) o[4 * x + c] = uchar((o[4 * x + c] * (255 - a) + u[4 * x + c] * a + 127) / 255);
        }
    }
    return out;
}

}  // namespace dragdiff::ui
