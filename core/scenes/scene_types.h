#pragma once
// What a generated scene hands out: the picture and, per object, its ground truth.
#include <opencv2/core.hpp>

#include <cstdint>
#include <vector>

namespace dragdiff::scenes {

// Limbed (a body with an attached limb) exists only in the benchmark's bend cases: the training
// stream draws among the first kObjectKindCount kinds, so its scenes are unchanged.
enum class ObjectKind { Circle, RoundedRect, Triangle, Star, Blob, Limbed };
constexpr int kObjectKindCount = 5;
const char* objectKindName(ObjectKind kind);

struct SceneObject {
    ObjectKind kind = ObjectKind::Circle;
    cv::Mat mask;          // CV_8UC1, image size, 255 where the object covers >= half a pixel
    cv::Mat coverage;      // CV_8UC1, image size, anti-aliased coverage 0..255: > 0 wherever it touches
    cv::Vec3b colour;      // base RGB before shading and texture
    cv::Point2f centroid;  // mean (x, y) of the mask's pixels; pixel centres are integers
    cv::Rect box;          // bounding box of the mask
    int area = 0;          // mask pixels
};

struct Scene {
    cv::Mat rgb;  // CV_8UC3, RGB order (not OpenCV's BGR), size x size
    std::vector<SceneObject> objects;
    uint64_t seed = 0;
};

}  // namespace dragdiff::scenes
