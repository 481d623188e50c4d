#pragma once
// The engine's warp preview comes at the model's working size (64 px for the embedded model):
// shown over the whole picture it would blur everything. compositeWarp() keeps the picture's own
// pixels wherever the warp equals the picture resampled to that size, and takes the warp (scaled
// up) only where the displacement field moved or filled something, with a soft edge one working
// pixel wide. Plain QImage work, any thread; its cost grows with the changed area, not the picture.
#include <QImage>

namespace dragdiff::ui {

// Returns an RGBA8888 picture of `picture`'s size (`warp` itself when there is no picture).
QImage compositeWarp(const QImage& picture, const QImage& warp);

}  // namespace dragdiff::ui
