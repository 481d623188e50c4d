// Thin holes an object leaves (finer than the latent can draw) are filled from around them; wide
// holes and everything else stay as the model made them.
#include "support/catch.h"

#include "drag/hole_fill.h"

#include <opencv2/imgproc.hpp>

using namespace dragdiff;

TEST_CASE("A thin hole is filled from around it, a wide one and the rest are kept", "[drag][unit]") {
    // A green field with a vertical gradient; a red smudge along a thin strip and a red square.
    cv::Mat picture(64, 64, CV_32FC3);
    for (int y = 0; y < 64; ++y) picture.row(y).setTo(cv::Scalar(0.2, 0.5 + 0.004 * y, 0.2));
    const cv::Mat field = picture.clone();
    cv::Mat holes = cv::Mat::zeros(64, 64, CV_8UC1);
    cv::line(picture, {10, 10}, {30, 20}, cv::Scalar(0.9, 0.1, 0.1), 3);
    cv::line(holes, {10, 10}, {30, 20}, cv::Scalar(1), 3);
    cv::rectangle(picture, cv::Rect(36, 36, 20, 20), cv::Scalar(0.9, 0.1, 0.1), cv::FILLED);
    cv::rectangle(holes, cv::Rect(36, 36, 20, 20), cv::Scalar(1), cv::FILLED);

    const cv::Mat out = drag::fillThinHoles(picture, holes, 4.0);
    // The strip is green again, close to the field.
    const cv::Vec3f strip = out.at<cv::Vec3f>(15, 20), expected = field.at<cv::Vec3f>(15, 20);
    CHECK(cv::norm(strip - expected) < 0.05);
    // The square (10 px from its edge) is the model's to fill: untouched.
    CHECK(out.at<cv::Vec3f>(46, 46) == picture.at<cv::Vec3f>(46, 46));
    // Far from any hole, bit for bit.
    CHECK(out.at<cv::Vec3f>(5, 60) == picture.at<cv::Vec3f>(5, 60));
    CHECK(cv::norm(out(cv::Rect(0, 30, 30, 34)), picture(cv::Rect(0, 30, 30, 34)), cv::NORM_INF) == 0);
}

TEST_CASE("No holes, no change", "[drag][unit]") {
    cv::Mat picture(16, 16, CV_32FC3, cv::Scalar(0.1, 0.2, 0.3));
    const cv::Mat out = drag::fillThinHoles(picture, cv::Mat::zeros(16, 16, CV_8UC1), 4.0);
    CHECK(cv::norm(out, picture, cv::NORM_INF) == 0);
}
