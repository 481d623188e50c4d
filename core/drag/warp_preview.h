#pragma once
// The warp preview: the picture pulled through the fields an edit would start from (the parts
// found by the handles' heatmaps, translated or reshaped), pixels only, no model pass. The GUI
// shows it while points are placed; the benchmark's contact sheets show it beside the result.
#include "drag/feature_cache.h"
#include "drag/part_move.h"
#include "drag/working_image.h"

namespace dragdiff::drag {

// `work`'s picture warped by `move` (latent maps, `latentScale` working pixels per latent pixel),
// at the working size's content, 8-bit.
RgbaImage warpPicture(const WorkingImage& work, const PartMove& move, int latentScale);

// The whole preview from a prepared picture's cached features. InvalidRequest for a point outside
// the picture or a mask of another size.
WarpPreview previewWarp(const FeatureCache& features, const WorkingImage& work, int latentScale,
                        const std::vector<DragPair>& drags, const Mask& mask, const EditParameters& params);

}  // namespace dragdiff::drag
