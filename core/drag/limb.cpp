#include "drag/limb.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

namespace dragdiff::drag {
namespace {

// What the opening leaves of the region must be at least this share of it to be a body.
constexpr double kMinBodyShare = 0.4;
// A protrusion is a limb when it is at least this many times longer than it is thick (a bump on an
// outline, a triangle's corner, a star's point are not).
constexpr double kMinElongation = 1.4;

// The region is looked at with this long side at most: a limb a user can grab is still several
// pixels thick there, and every opening stays a fraction of a millisecond.
constexpr int kSide = 160;

// The opening by a disc of `radius` of the region whose distance transform is `inside`: every
// pixel within `radius` of a point at least `radius` inside. One more distance transform, whatever
// the radius (a morphological opening costs the disc's area per pixel).
cv::Mat opening(const cv::Mat& inside, double radius) {
    // A pixel disc of radius r holds the pixels within r + a quarter (OpenCV's elliptic kernel).
    const float reach = float(radius + 0.25);
    const cv::Mat centres = inside > reach;
    if (cv::countNonZero(centres) == 0) return cv::Mat::zeros(inside.size(), CV_8UC1);
    cv::Mat outside;
    cv::distanceTransform(~centres, outside, cv::DIST_L2, cv::DIST_MASK_PRECISE);
    return outside <= reach;
}

// The largest connected component of `mask` (CV_8UC1, 0/255); empty when there is none.
cv::Mat largestComponent(const cv::Mat& mask) {
    cv::Mat labels, stats, centroids;
    const int n = cv::connectedComponentsWithStats(mask, labels, stats, centroids, 4, CV_32S);
    int best = 0, bestArea = 0;
    for (int i = 1; i < n; ++i)
        if (const int a = stats.at<int>(i, cv::CC_STAT_AREA); a > bestArea) best = i, bestArea = a;
    return best > 0 ? cv::Mat(labels == best) : cv::Mat();
}

}  // namespace

namespace {

std::optional<Limb> findLimbAtScale(const cv::Mat& binary, PointF handle) {
    const cv::Point at(std::clamp(int(handle.x), 0, binary.cols - 1), std::clamp(int(handle.y), 0, binary.rows - 1));
    if (!binary.at<uint8_t>(at)) return std::nullopt;
    const int area = cv::countNonZero(binary);
    cv::Mat inside, padded;
    // The picture's border is not an edge: a structure continues beyond it.
    cv::copyMakeBorder(binary, padded, 1, 1, 1, 1, cv::BORDER_CONSTANT, cv::Scalar(0));
    cv::distanceTransform(padded, inside, cv::DIST_L2, cv::DIST_MASK_PRECISE);
    inside = inside(cv::Rect(1, 1, binary.cols, binary.rows)).clone();
    double deepest = 0;
    cv::minMaxLoc(inside, nullptr, &deepest);
    // Radii 1, 2, ..., 6, 7, 9, 11, 14, ...: a pixel more, or a quarter more once that is larger.
    for (double r = 1; r <= deepest; r = std::max(r + 1, std::round(r * 1.25))) {
        const cv::Mat body = largestComponent(opening(inside, r) & binary);
        if (body.empty() || cv::countNonZero(body) < kMinBodyShare * area) return std::nullopt;
        if (body.at<uint8_t>(at)) continue;  // still part of the body at this thickness

        // The handle's protrusion: what the opening removed, connected to the handle.
        cv::Mat rest = binary & ~body, labels;
        cv::connectedComponents(rest, labels, 4, CV_32S);
        const int label = labels.at<int32_t>(at);
        if (label == 0) return std::nullopt;
        const cv::Mat limb = labels == label;

        // The joint: the limb's pixels touching the body.
        cv::Mat grown;
        cv::dilate(body, grown, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(3, 3)));
        std::vector<cv::Point> touching, pixels;
        cv::findNonZero(limb & grown, touching);
        if (touching.empty()) return std::nullopt;
        cv::Point2d joint(0, 0);
        for (const cv::Point& p : touching) joint += cv::Point2d(p.x + 0.5, p.y + 0.5);
        joint /= double(touching.size());

        cv::findNonZero(limb, pixels);
        double length = 0;
        cv::Point2d tip = joint;
        for (const cv::Point& p : pixels)
            if (const double d = std::hypot(p.x + 0.5 - joint.x, p.y + 0.5 - joint.y); d > length) length = d, tip = {p.x + 0.5, p.y + 0.5};
        length += 0.5;
        const double thickness = double(pixels.size()) / length;
        if (length < kMinElongation * thickness) return std::nullopt;
        // The opening's disc reaches into the limb's base through the gap the limb leaves in the
        // body's outline, and the touching pixels lie a pixel beyond the body: the joint is that
        // much further in along the limb.
        const double half = std::min(0.5 * thickness, r);
        const double inset = r - std::sqrt(r * r - half * half) + 1.0;
        joint += (joint - tip) * (inset / std::max(1e-9, cv::norm(tip - joint)));
        Limb out;
        out.pixels = limb / 255;
        out.joint = {joint.x, joint.y};
        return out;
    }
    return std::nullopt;
}

}  // namespace

std::optional<Limb> findLimb(const cv::Mat& region, PointF handle) {
    if (region.empty()) return std::nullopt;
    const double scale = std::min(1.0, double(kSide) / double(std::max(region.cols, region.rows)));
    cv::Mat binary = region > 0;
    if (scale < 1) {
        cv::Mat f;
        binary.convertTo(f, CV_32F, 1.0 / 255.0);
        cv::resize(f, f, cv::Size(), scale, scale, cv::INTER_AREA);
        binary = f >= 0.5f;
    }
    std::optional<Limb> limb = findLimbAtScale(binary, {handle.x * scale, handle.y * scale});
    if (!limb || scale >= 1) return limb;
    cv::resize(limb->pixels, limb->pixels, region.size(), 0, 0, cv::INTER_NEAREST);
    limb->pixels &= region > 0;  // 1 & 255: still 1 inside
    limb->joint = {limb->joint.x / scale, limb->joint.y / scale};
    return limb;
}

}  // namespace dragdiff::drag
