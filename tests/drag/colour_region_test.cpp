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
