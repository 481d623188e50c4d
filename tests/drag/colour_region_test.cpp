// The structure a handle grabbed, from the picture's colours: an object ends at its outline, a
// ridge continues to the border, shading and dots stay inside.
#include "support/catch.h"

#include "drag/colour_region.h"

#include <opencv2/imgproc.hpp>

using namespace dragdiff;

TEST_CASE("The grabbed region follows shading and stops at outlines", "[drag][unit]") {
    // Sky gradient, a shaded ball with dots, a hazy ridge across the picture.
    cv::Mat rgb(128, 128, CV_32FC3);
    for (int y = 0; y < 128; ++y) rgb.row(y).setTo(cv::Scalar(0.3 + 0.003 * y, 0.5 + 0.002 * y, 0.9));
    for (int y = 80; y < 128; ++y)
        for (int x = 0; x < 128; ++x)
            if (y > 90 - 10 * std::exp(-(x - 64) * (x - 64) / 200.0)) rgb.at<cv::Vec3f>(y, x) = cv::Vec3f(0.35f, 0.3f + 0.002f * float(y - 80), 0.25f);
    for (int y = 20; y < 60; ++y)
        for (int x = 20; x < 60; ++x) {
            const double d = std::hypot(x - 40, y - 40);
            if (d < 18) rgb.at<cv::Vec3f>(y, x) = cv::Vec3f(float(0.9 - 0.01 * d), 0.1f, 0.1f);
        }
    cv::circle(rgb, {36, 38}, 2, cv::Scalar(1, 1, 1), cv::FILLED);  // a dot: a hole to fill

    // The heatmap's part: a blob around the handle, a little off the ball (latent scale 4).
    at::Tensor blob = at::zeros({32, 32});
    blob.slice(0, 7, 14).slice(1, 8, 15).fill_(1);
    const cv::Mat ball = drag::colourRegion(rgb, {44, 42}, blob);
    CHECK(ball.at<uint8_t>(40, 40) == 1);
    CHECK(ball.at<uint8_t>(38, 36) == 1);  // the dot belongs to the ball
    CHECK(ball.at<uint8_t>(40, 5) == 0);   // the sky does not
    CHECK(cv::countNonZero(ball) == Approx(CV_PI * 18 * 18).epsilon(0.15));

    at::Tensor low = at::zeros({32, 32});
    low.slice(0, 22, 28).slice(1, 12, 20).fill_(1);
    const cv::Mat ridge = drag::colourRegion(rgb, {64, 100}, low);
    CHECK(ridge.at<uint8_t>(100, 64) == 1);
    CHECK(ridge.at<uint8_t>(60, 64) == 0);
    CHECK(ridge.at<uint8_t>(40, 40) == 0);

    const at::Tensor latent = drag::regionToLatent(ball, 4, at::TensorOptions(at::kFloat));
    CHECK(latent.size(0) == 32);
    CHECK(latent[10][10].item<float>() == 1);
    CHECK(latent[10][1].item<float>() == 0);
}

TEST_CASE("The grabbed region is the same on every call (GrabCut's k-means is seeded)", "[drag][unit]") {
    cv::Mat rgb(64, 64, CV_32FC3, cv::Scalar(0.3, 0.5, 0.9));
    cv::circle(rgb, {30, 30}, 12, cv::Scalar(0.9, 0.2, 0.2), cv::FILLED, cv::LINE_AA);
    cv::circle(rgb, {26, 26}, 4, cv::Scalar(1.0, 0.8, 0.8), cv::FILLED, cv::LINE_AA);
    at::Tensor blob = at::zeros({16, 16});
    blob.slice(0, 5, 10).slice(1, 6, 11).fill_(1);
    const cv::Mat first = drag::colourRegion(rgb, {34, 30}, blob);
    cv::theRNG().next();  // whatever else used the thread's RNG in between
    const cv::Mat second = drag::colourRegion(rgb, {34, 30}, blob);
    CHECK(cv::countNonZero(first != second) == 0);
}

TEST_CASE("A dark ridge on a night sky is split from the sky at the step its flood fill runs across", "[drag][unit]") {
    // A peak a few 8-bit levels off the sky's blue, its outline anti-aliased: the blended pixels
    // step by less than the flood fill's tolerance, so the fill runs from the ridge into the sky.
    cv::Mat rgb(64, 64, CV_32FC3);
    const cv::Vec3f ridge(0.16f, 0.18f, 0.30f);
    for (int y = 0; y < 64; ++y)
        for (int x = 0; x < 64; ++x) {
            const cv::Vec3f sky(0.07f, 0.09f, float(0.20 + 0.002 * y));
            int covered = 0;  // of 4 x 4 samples, under the skyline 40 - 20 * exp(-((x - 32) / 8)^2)
            for (int i = 0; i < 16; ++i) {
                const double sx = x + (i % 4 + 0.5) / 4, sy = y + (i / 4 + 0.5) / 4;
                covered += sy > 40 - 20 * std::exp(-std::pow((sx - 32) / 8, 2)) ? 1 : 0;
            }
            rgb.at<cv::Vec3f>(y, x) = sky + (ridge - sky) * (float(covered) / 16.f);
        }
    const PointF handle{32, 22}, target{32, 14};  // two pixels under the top, raised
    const cv::Mat flood = drag::layerRegion(rgb, handle);
    REQUIRE(!flood.empty());
    CHECK(flood.at<uint8_t>(5, 5) == 1);  // the fill reached the sky

    const std::optional<drag::ColourStep> step = drag::stepAlong(rgb, handle, target, 4, 0.04);
    REQUIRE(step);
    CHECK(step->within.y > step->past.y);  // the ridge below the step, the sky above it
    const cv::Mat side = drag::sideOfStep(rgb, *step);
    REQUIRE(!side.empty());
    CHECK(side.at<uint8_t>(22, 32) == 1);
    CHECK(side.at<uint8_t>(50, 5) == 1);   // the ridge's foot
    CHECK(side.at<uint8_t>(17, 32) == 0);  // the sky above the top
    CHECK(side.at<uint8_t>(5, 5) == 0);
    CHECK(side.at<uint8_t>(35, 10) == 0);  // the sky beside the peak

    // No step at the handle: a flat colour.
    const cv::Mat flat(64, 64, CV_32FC3, cv::Scalar(0.2, 0.2, 0.3));
    CHECK(!drag::stepAlong(flat, handle, target, 4, 0.04));
}

TEST_CASE("An object of one colour is flooded whole, shading too, and not the ridge it lies over", "[drag][unit]") {
    // A grey ridge across the picture and a shaded red ball with an arm whose tip lies over the
    // ridge. Hard-edged: along an anti-aliased diagonal outline neighbouring blends differ by a
    // few levels, and a fill can walk along it into what lies behind (the caller checks for that).
    cv::Mat rgb(64, 64, CV_32FC3, cv::Scalar(0.4, 0.6, 0.95));
    for (int y = 36; y < 64; ++y) rgb.row(y).setTo(cv::Scalar(0.55 - 0.004 * y, 0.53 - 0.004 * y, 0.5 - 0.004 * y));
    cv::Mat object = cv::Mat::zeros(64, 64, CV_8UC1);
    cv::circle(object, {20, 22}, 8, cv::Scalar(255), cv::FILLED);
    cv::line(object, {24, 26}, {40, 44}, cv::Scalar(255), 3);
    for (int y = 0; y < 64; ++y)
        for (int x = 0; x < 64; ++x)
            if (object.at<uint8_t>(y, x)) rgb.at<cv::Vec3f>(y, x) = cv::Vec3f(0.9f - 0.006f * float(y), 0.15f, 0.2f);
    const cv::Mat flood = drag::sameColourRegion(rgb, {40, 43});  // from the arm's tip over the ridge
    CHECK(flood.at<uint8_t>(22, 20) == 1);  // the ball
    CHECK(flood.at<uint8_t>(55, 20) == 0);  // not the ridge
    CHECK(flood.at<uint8_t>(5, 5) == 0);    // nor the sky
    CHECK(cv::countNonZero((flood > 0) != (object > 0)) == 0);
}
