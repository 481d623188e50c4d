#pragma once
// Where a carried object was and no longer is, the model paints what was behind it. A hole
// thinner than about two latent pixels (the old place of a bent limb, the strip an edge pushed in
// leaves) is finer than the latent can draw: the model leaves a smudge of the object's colour or a
// dark blot there. Such holes are filled from the result around them instead.
#include <opencv2/core.hpp>

#include <vector>

namespace dragdiff::drag {

// `picture` (CV_32FC3) with `holes` (CV_8UC1, non-zero inside) and a pixel around them (the hole's
// anti-aliased rim carries the object's colour too) filled from the pixels around them (Telea's
// inpainting, `radius` pixels of neighbourhood). Every other pixel is left as it is.
cv::Mat fillHoles(const cv::Mat& picture, const cv::Mat& holes, double radius);

// `picture` (CV_32FC3) with each connected part of `holes` (CV_8UC1, non-zero inside) that is no
// more than `maxHalfWidth` pixels from its edge anywhere filled from the pixels around it. Wider
// holes and every pixel outside the holes are left as they are.
cv::Mat fillThinHoles(const cv::Mat& picture, const cv::Mat& holes, double maxHalfWidth);

// Up to `k` colours (RGB in [0, 1]) that `object` (CV_8UC1, non-zero inside) is painted with in
// `picture` (CV_32FC3): a striped or checked object has two, a plain one collapses to one.
std::vector<cv::Vec3f> objectPalette(const cv::Mat& picture, const cv::Mat& object, int k = 3);

// `picture` (CV_32FC3) with the object's colour taken out of `holes` (CV_8UC1): where the model
// painted the place an object left, a translucent copy of the object often remains (a ghost).
// Each hole pixel c is read as a mix c = b + a (o - b) of what lies behind (`background`,
// CV_32FC3: an estimate from the picture around the object) and the nearest of `palette`'s
// colours o, and a (in [0, 1]) is taken out; what is not object colour (the model's own texture
// and edges) stays. Pixels outside the holes are left as they are.
cv::Mat removeObjectTint(const cv::Mat& picture, const cv::Mat& holes, const std::vector<cv::Vec3f>& palette,
                         const cv::Mat& background);

}  // namespace dragdiff::drag
