// A handle on a limb (a thin part sticking out of a body) is found as such, with the joint where
// the limb meets the body; a handle on a body's edge, a corner or a bump is not on a limb.
#include "support/catch.h"

#include "drag/limb.h"

#include <opencv2/imgproc.hpp>

#include <chrono>
#include <cmath>

using namespace dragdiff;

namespace {

// A bench-like limbed object at `scale` x 64 px: an ellipse body and a capsule limb from its
// right side, pointing right and a little down.
struct Limbed {
    cv::Mat mask;
    cv::Point2d joint, tip;
};

Limbed limbed(double scale) {
    Limbed out;
    out.mask = cv::Mat::zeros(int(64 * scale), int(64 * scale), CV_8UC1);
    const cv::Point2d centre(28 * scale, 32 * scale);
    cv::ellipse(out.mask, cv::Point(centre * 1.0), cv::Size(int(6 * scale), int(4.5 * scale)), 0, 0, 360, cv::Scalar(1), cv::FILLED);
    out.joint = centre + cv::Point2d(6 * scale, 0);
    const cv::Point2d dir(std::cos(0.3), std::sin(0.3));
    out.tip = out.joint + 8 * scale * dir;
    cv::line(out.mask, cv::Point(out.joint), cv::Point(out.tip), cv::Scalar(1), int(std::lround(3.5 * scale)));
    return out;
}

double distance(PointF a, cv::Point2d b) { return std::hypot(a.x - b.x, a.y - b.y); }

}  // namespace

TEST_CASE("A handle on a limb's tip finds the limb and its joint", "[drag][unit]") {
    for (const double scale : {1.0, 2.0, 8.0}) {
        INFO("scale " << scale);
        const Limbed shape = limbed(scale);
        const cv::Point2d handle = shape.tip - 1.5 * scale * cv::Point2d(std::cos(0.3), std::sin(0.3));
        const std::optional<drag::Limb> limb = drag::findLimb(shape.mask, {handle.x, handle.y});
        REQUIRE(limb);
        CHECK(distance(limb->joint, shape.joint) <= 2.0 * scale);
        CHECK(limb->pixels.at<uint8_t>(cv::Point(handle)) == 1);
        CHECK(limb->pixels.at<uint8_t>(32 * int(scale), 28 * int(scale)) == 0);  // the body's centre
        CHECK(cv::countNonZero(limb->pixels) < cv::countNonZero(shape.mask) / 2);
    }
}

TEST_CASE("A handle on a body, an edge, a corner or a bump is not on a limb", "[drag][unit]") {
    const Limbed shape = limbed(1.0);
    CHECK_FALSE(drag::findLimb(shape.mask, {24, 32}));  // the limbed object's body
    CHECK_FALSE(drag::findLimb(shape.mask, {3, 3}));    // outside it

    cv::Mat ellipse = cv::Mat::zeros(64, 64, CV_8UC1);
    cv::ellipse(ellipse, {32, 32}, {10, 6}, 20, 0, 360, cv::Scalar(1), cv::FILLED);
    CHECK_FALSE(drag::findLimb(ellipse, {41, 35}));  // near the edge

    cv::Mat triangle = cv::Mat::zeros(64, 64, CV_8UC1);
    const std::vector<cv::Point> corners{{20, 44}, {44, 40}, {30, 18}};
    cv::fillConvexPoly(triangle, corners, cv::Scalar(1));
    CHECK_FALSE(drag::findLimb(triangle, {30, 21}));  // just inside a corner
    CHECK_FALSE(drag::findLimb(triangle, {41, 40}));

    cv::Mat box = cv::Mat::zeros(64, 64, CV_8UC1);
    cv::rectangle(box, cv::Rect(16, 20, 30, 14), cv::Scalar(1), cv::FILLED);
    CHECK_FALSE(drag::findLimb(box, {44, 27}));  // an edge to stretch

    cv::Mat bump = ellipse.clone();  // a short round bump on the outline
    cv::circle(bump, {42, 36}, 3, cv::Scalar(1), cv::FILLED);
    CHECK_FALSE(drag::findLimb(bump, {43, 37}));
}

TEST_CASE("An empty region or a handle outside it has no limb", "[drag][unit]") {
    CHECK_FALSE(drag::findLimb(cv::Mat(), {1, 1}));
    CHECK_FALSE(drag::findLimb(cv::Mat::zeros(16, 16, CV_8UC1), {8, 8}));
}

TEST_CASE("Looking for a limb on a large picture stays cheap", "[drag][unit]") {
    // A deep handle in a big disc at SD sizes: every opening up to the disc's radius is tried.
    cv::Mat big = cv::Mat::zeros(1024, 1024, CV_8UC1);
    cv::circle(big, {512, 512}, 400, cv::Scalar(1), cv::FILLED);
    const auto start = std::chrono::steady_clock::now();
    CHECK_FALSE(drag::findLimb(big, {512, 512}));
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    // This whole test: 55 ms on the 2-core VM beside a benchmark; a disc-kernel opening per radius
    // (the first version) took seconds here.
    CHECK(ms < 250);
    // The limbed shape found at 1024 px too, through the reduced scale.
    const Limbed shape = limbed(16.0);
    const cv::Point2d handle = shape.tip - 24.0 * cv::Point2d(std::cos(0.3), std::sin(0.3));
    const std::optional<drag::Limb> limb = drag::findLimb(shape.mask, {handle.x, handle.y});
    REQUIRE(limb);
    CHECK(distance(limb->joint, shape.joint) <= 32.0);
    CHECK(limb->pixels.size() == shape.mask.size());
    CHECK(limb->pixels.at<uint8_t>(cv::Point(handle)) == 1);
}
