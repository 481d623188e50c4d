#pragma once
// A scene as parameters, before any pixel exists. Every coordinate is normalised to the image
// side (x right, y down, both in [0,1]) so one layout renders the same picture at 64 or 128 px,
// and moving an object is a change of one number followed by a re-render.
#include "scenes/scene_types.h"

#include <opencv2/core.hpp>

#include <cstdint>
#include <vector>

namespace dragdiff::scenes {

enum class SkyKind { Day, Dusk, Night };
enum class ObjectTexture { Plain, Glossy, Stripes, Dots };

struct Cloud {
    std::vector<cv::Vec3f> puffs;  // (x, y, radius) of the circles whose union is the cloud
    float bottom = 0;              // flat underside: y below this is not cloud
    cv::Vec3f lit, shade;          // RGB at the top and at the underside
};

struct Star {
    cv::Point2f at;
    float radius = 0;
    float brightness = 0;
};

struct MountainLayer {
    std::vector<float> ridge;  // y of the ridge at kRidgeSamples evenly spaced x in [0,1]
    cv::Vec3f colour;          // RGB at the ridge
    cv::Vec3f haze;            // RGB the layer fades to at its foot (atmospheric perspective)
    float snowLine = -1;       // y above which the rock is snow; < 0 for none
};

struct BackgroundLayout {
    SkyKind sky = SkyKind::Day;
    cv::Vec3f skyTop, skyMid, skyHorizon;  // a three-stop vertical gradient, RGB
    float skyMidAt = 0.5f;                 // where the middle stop sits, as a fraction of the horizon

    bool moon = false;          // a moon (night) instead of a sun
    cv::Point2f sunAt;          // disc centre
    float sunRadius = 0;
    cv::Vec3f sunColour;
    float moonShadow = 0;       // crescent: offset of the shadow disc in sun radii; 0 = full moon
    cv::Vec3f glowColour;       // added to the sky around the disc
    float glowRadius = 0;

    std::vector<Star> stars;
    std::vector<Cloud> clouds;
    std::vector<MountainLayer> mountains;  // far to near

    float horizon = 0.6f;            // mean y of the ground's top edge
    std::vector<float> groundEdge;   // y of the ground's top edge at kRidgeSamples x
    cv::Vec3f groundFar, groundNear; // RGB at the horizon and at the bottom edge
    float groundTexture = 0;         // relative brightness amplitude of the field texture
    uint64_t textureSeed = 0;

    cv::Point2f lightDirection;  // unit vector towards the sun or moon, for object shading
};

struct ObjectLayout {
    ObjectKind kind = ObjectKind::Circle;
    cv::Point2f centre;                // centre of the smallest enclosing circle
    std::vector<cv::Point2f> outline;  // closed polygon relative to `centre`
    float radius = 0;                  // smallest enclosing circle: everything is within it
    float extent = 0;                  // max(width, height) of the outline's box
    cv::Vec3b colour;                  // base RGB
    ObjectTexture texture = ObjectTexture::Plain;
    float textureAngle = 0;            // radians
    float texturePeriod = 0;           // stripes / dots spacing
    // Benchmark-only parts (the training stream never sets them, so its scenes stay as they were):
    std::vector<cv::Point2f> limb;     // a second closed polygon relative to `centre`, drawn as one
                                       // shape with the outline (a tail, a branch, an arm); empty = none
    // Maps a drawn point (relative to `centre`, normalised) to where the paint is looked up, so a
    // stretched, scaled or rotated object carries its shading and texture along with its outline.
    // Identity for every generated object; set by deformed drag-case ideals (object_transform.h).
    cv::Matx23f paintFrame = cv::Matx23f(1, 0, 0, 0, 1, 0);
    bool hasPaintFrame = false;
};

struct SceneLayout {
    uint64_t seed = 0;
    BackgroundLayout background;
    std::vector<ObjectLayout> objects;
};

constexpr int kRidgeSamples = 129;  // 2^7 + 1 for midpoint displacement

// Objects keep this far apart (between their enclosing circles) and this far inside the image.
constexpr float kObjectGap = 0.04f;
constexpr float kBorderGap = 0.03f;
// Generated objects have an extent (max box side) in this range; the masks, one render later,
// stay inside the 10–35% promised to callers.
constexpr float kMinObjectExtent = 0.13f;
constexpr float kMaxObjectExtent = 0.31f;
// Euclidean RGB distances: between the objects' base colours, and from a base colour to every
// background pixel near the object (sampled on a 32 px render of the background).
constexpr double kMinObjectColourDistance = 110.0;
constexpr double kMinBackgroundColourDistance = 90.0;

// The whole scene from its seed. Deterministic; independent of any output size.
SceneLayout layoutScene(uint64_t seed);
BackgroundLayout layoutBackground(uint64_t seed);

// The outline's box relative to the image, after moving the object's centre to `centre`.
cv::Rect2f outlineBox(const ObjectLayout& object, cv::Point2f centre);
// True when `object` with its centre at `centre` sits kBorderGap inside the image and kObjectGap
// clear of every object of `layout` except the one at index `skip`.
bool placementFits(const SceneLayout& layout, const ObjectLayout& object, cv::Point2f centre, int skip);

}  // namespace dragdiff::scenes
