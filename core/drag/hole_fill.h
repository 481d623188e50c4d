#pragma once
// Where a carried object was and no longer is, the model paints what was behind it. A hole
// thinner than about two latent pixels (the old place of a bent limb, the strip an edge pushed in
// leaves) is finer than the latent can draw: the model leaves a smudge of the object's colour or a
// dark blot there. Such holes are filled from the result around them instead.
#include <opencv2/core.hpp>

namespace dragdiff::drag {

// `picture` (CV_32FC3) with `holes` (CV_8UC1, non-zero inside) and a pixel around them (the hole's
// anti-aliased rim carries the object's colour too) filled from the pixels around them (Telea's
// inpainting, `radius` pixels of neighbourhood). Every other pixel is left as it is.
cv::Mat fillHoles(const cv::Mat& picture, const cv::Mat& holes, double radius);

// `picture` (CV_32FC3) with each connected part of `holes` (CV_8UC1, non-zero inside) that is no
// more than `maxHalfWidth` pixels from its edge anywhere filled from the pixels around it. Wider
// holes and every pixel outside the holes are left as they are.
cv::Mat fillThinHoles(const cv::Mat& picture, const cv::Mat& holes, double maxHalfWidth);

}  // namespace dragdiff::drag
