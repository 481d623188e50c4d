#pragma once
// The warp preview: the picture pulled through the fields an edit would start from (the parts
// found by the handles' heatmaps, translated or reshaped), pixels only, no model pass. The GUI
// shows it while points are placed; the benchmark's contact sheets show it beside the result.
#include "drag/feature_cache.h"
#include "drag/part_move.h"
#include "drag/working_image.h"

namespace dragdiff::drag {

// A warp's field as a grid for grid_sampler at H x W ([1, H, W, 2]): the per-pixel one of a pushed
// edge or the latent one, upsampled when the size differs (normalised coordinates: any size).
at::Tensor warpGridAt(const PartWarp& warp, int64_t H, int64_t W);

// `base` (CV_32FC3, working size) with the pixels of `work`'s picture that `move` carries pasted
// where they land: the object's own pixels when the picture told where it ends, else the latent
// part's (upsampled); the body a bent limb hangs on, in place. The edit's result gets them too, so
// a moved or reshaped object keeps its exact texture, outline and colour; the model fills what the
// move uncovers and blends seams, except where what it uncovers is thinner than the latent can
// draw (drag/hole_fill.h).
cv::Mat carryPixels(const cv::Mat& base, const WorkingImage& work, const PartMove& move, int latentScale);

// `decoded` (the model's result at working size, CV_32FC3) with what remains of the carried
// objects' colours taken out of the places they were, grown by `margin` pixels (drag/hole_fill.h,
// removeObjectTint): the model paints over such a place but often leaves a translucent copy of
// the object there, spread past its outline.
cv::Mat removeGhosts(const cv::Mat& decoded, const WorkingImage& work, const PartMove& move, int margin);

// The seam (pixels) the composite grows the place a carried object left by, at `latentScale`
// pixels per latent pixel: half a latent pixel, at least 2. carriedFootprint and removeGhosts
// must agree on it.
int seamMargin(int latentScale);

// Where the carried objects (the warps whose pixels are known) change the picture: where each was,
// grown by `margin` pixels for the seam, and where it lands, grown by one for its rim (CV_32FC1
// alpha at `size`, within the user's mask). The result keeps the picture's own pixels outside it and outside the latent
// parts' footprint: the decoder's drift around a carried object would be a halo.
cv::Mat carriedFootprint(const PartMove& move, cv::Size size, int margin);

// `work`'s picture warped by `move` (latent maps, `latentScale` working pixels per latent pixel),
// at the working size's content, 8-bit.
RgbaImage warpPicture(const WorkingImage& work, const PartMove& move, int latentScale);

// The whole preview from a prepared picture's cached features. InvalidRequest for a point outside
// the picture or a mask of another size.
WarpPreview previewWarp(const FeatureCache& features, const WorkingImage& work, int latentScale,
                        const std::vector<DragPair>& drags, const Mask& mask, const EditParameters& params);

}  // namespace dragdiff::drag
