#pragma once
// Pixels from a SceneLayout. Everything is drawn hard-edged on a canvas kSupersample times
// larger and box-filtered down (INTER_AREA), which anti-aliases every edge the same way at any
// size and keeps a pixel's value a function of its own 4x4 block only: a pixel that no object
// touches is bit-identical whatever the objects do.
#include "scenes/scene_layout.h"
#include "scenes/scene_types.h"

#include <opencv2/core.hpp>

namespace dragdiff::scenes {

constexpr int kSupersample = 4;

// The background alone on a CV_32FC3 RGB canvas of side `canvasSide` (values 0..255).
cv::Mat renderBackgroundCanvas(const BackgroundLayout& background, int canvasSide);
// The background alone at `size`, CV_8UC3 RGB.
cv::Mat renderBackground(const BackgroundLayout& background, int size);

// The scene at `size` with its ground truth. Object `shiftedObject` (or none, -1) is drawn
// translated by `shiftPixels` (output pixels); an integer shift moves its pixels exactly.
Scene renderScene(const SceneLayout& layout, int size, int shiftedObject = -1, cv::Point2f shiftPixels = {});

}  // namespace dragdiff::scenes
