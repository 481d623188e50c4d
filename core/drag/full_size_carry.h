#pragma once
// The pixels an edit carries (drag/warp_preview.h: carryPixels), pasted again at the picture's own
// resolution. The edit works at the model's working size and its result is scaled back up; a
// carried object scaled up with it arrived blurred (the embedded model on the 256 px sample: 4x)
// and inside a ring of the decoder's colours. Here the original's own pixels are pulled through the
// same fields at full resolution, with outlines traced from the working-size ones.
#include "drag/part_move.h"
#include "drag/working_image.h"
#include "dragdiff/engine.h"

namespace dragdiff::drag {

// `composited` (the edit's result at the original's size) with `original`'s pixels where `move`
// carries them, and the bodies of bent limbs as they were. Pixels where `limit` (the user's mask,
// optional) is zero stay as they are, and so does everything when the picture is no larger than
// the working size (carryPixels was exact there).
RgbaImage carryAtOriginalSize(const RgbaImage& composited, const RgbaImage& original, const WorkingImage& work,
                              const PartMove& move, const Mask* limit);

}  // namespace dragdiff::drag
