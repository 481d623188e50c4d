#pragma once
// The drag-case kinds' builders and what they share (internal to core/scenes).
#include "scenes/drag_case.h"
#include "scenes/scene_layout.h"

#include <opencv2/core.hpp>

#include <cstdint>
#include <optional>

namespace dragdiff::scenes {

// Each builder returns the case for one scene seed, or nothing when that scene offers no valid
// case of its kind (makeKindCase then tries derived scenes).
std::optional<DragCase> makePeakCase(uint64_t sceneSeed, int size);
std::optional<DragCase> makeStretchCase(uint64_t sceneSeed, int size);
std::optional<DragCase> makeBendCase(uint64_t sceneSeed, int size);
std::optional<DragCase> makeMultiCase(uint64_t sceneSeed, int size);

// The other objects' masks of `scene` (all but `subject`; -1 = all).
cv::Mat othersMask(const Scene& scene, int subject);

// True when `object` (its centre unchanged, possibly deformed) sits kBorderGap inside the image
// and kObjectGap clear of every other object of `layout`, by its enclosing radius.
bool deformedFits(const SceneLayout& layout, const ObjectLayout& object, int skip);

// Renders source and ideal (`ideal` is `layout` with the subject replaced), fills the common
// fields of an object case (masks, maskBox, othersMask), with the first pair as handle/target.
DragCase objectCase(DragKind kind, const char* variant, uint64_t sceneSeed, int size, const SceneLayout& layout,
                    const SceneLayout& ideal, int subject, std::vector<CasePair> pairs);

// The mask's pixel whose projection on `direction` is largest (ties: the one nearest the mask's
// centroid line), moved `inset` pixels back against the direction: a point just inside an edge.
cv::Point2f pointInsideEdge(const cv::Mat& mask, cv::Point2f direction, float inset);

}  // namespace dragdiff::scenes
