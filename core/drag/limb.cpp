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

cv::Mat disc(int radius) {
    return cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * radius + 1, 2 * radius + 1));
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

std::optional<Limb> findLimb(const cv::Mat& region, PointF handle) {
    if (region.empty()) return std::nullopt;
    const cv::Mat binary = region > 0;
    const cv::Point at(std::clamp(int(handle.x), 0, binary.cols - 1), std::clamp(int(handle.y), 0, binary.rows - 1));
    if (!binary.at<uint8_t>(at)) return std::nullopt;
    const int area = cv::countNonZero(binary);
    cv::Mat distance;
    cv::distanceTransform(binary, distance, cv::DIST_L2, cv::DIST_MASK_PRECISE);
    double deepest = 0;
    cv::minMaxLoc(distance, nullptr, &deepest);
    for (int r = 1; r <= int(std::ceil(deepest)); ++r) {
        cv::Mat opened;
        cv::morphologyEx(binary, opened, cv::MORPH_OPEN, disc(r), cv::Point(-1, -1), 1, cv::BORDER_CONSTANT, cv::Scalar(0));
        const cv::Mat body = largestComponent(opened);
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
        const double half = std::min(0.5 * thickness, double(r));
        const double inset = double(r) - std::sqrt(double(r * r) - half * half) + 1.0;
        joint += (joint - tip) * (inset / std::max(1e-9, cv::norm(tip - joint)));
        Limb out;
        out.pixels = limb / 255;
        out.joint = {joint.x, joint.y};
        return out;
    }
    return std::nullopt;
}

}  // namespace dragdiff::drag
