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

TEST_CASE("An object's palette: two colours for a checked one, one for a plain one", "[drag][unit]") {
    cv::Mat picture(48, 48, CV_32FC3, cv::Scalar(0.2, 0.5, 0.9)), object = cv::Mat::zeros(48, 48, CV_8UC1);
    cv::rectangle(object, cv::Rect(8, 8, 24, 24), cv::Scalar(1), cv::FILLED);
    for (int y = 8; y < 32; ++y)
        for (int x = 8; x < 32; ++x)
            picture.at<cv::Vec3f>(y, x) = ((x / 4 + y / 4) % 2) ? cv::Vec3f(0.9f, 0.1f, 0.1f) : cv::Vec3f(0.95f, 0.95f, 0.95f);
    const std::vector<cv::Vec3f> checked = drag::objectPalette(picture, object);
    REQUIRE(checked.size() == 2);
    auto has = [&](const cv::Vec3f& c) { return cv::norm(checked[0] - c) < 0.05 || cv::norm(checked[1] - c) < 0.05; };
    CHECK(has({0.9f, 0.1f, 0.1f}));
    CHECK(has({0.95f, 0.95f, 0.95f}));

    picture(cv::Rect(8, 8, 24, 24)).setTo(cv::Scalar(0.1, 0.8, 0.3));
    const std::vector<cv::Vec3f> plain = drag::objectPalette(picture, object);
    REQUIRE(plain.size() == 1);
    CHECK(cv::norm(plain[0] - cv::Vec3f(0.1f, 0.8f, 0.3f)) < 0.02);
    CHECK(drag::objectPalette(picture, cv::Mat::zeros(48, 48, CV_8UC1)).empty());
}

TEST_CASE("A translucent copy of an object is taken out of its old place, the model's own texture stays",
          "[drag][unit]") {
    // A green field with a gradient; where a red object was, the model left it at 35% over the
    // field, and drew a blue-grey line (not the object's colour) across the place.
    cv::Mat field(64, 64, CV_32FC3);
    for (int y = 0; y < 64; ++y) field.row(y).setTo(cv::Scalar(0.2, 0.45 + 0.004 * y, 0.2));
    // What lies behind as estimated from around the place: the field without the model's line.
    const cv::Mat behind = field.clone();
    cv::line(field, {20, 32}, {44, 32}, cv::Scalar(0.2, 0.35, 0.6), 2);
    const cv::Vec3f red(0.9f, 0.1f, 0.1f);
    cv::Mat holes = cv::Mat::zeros(64, 64, CV_8UC1), picture = field.clone();
    cv::circle(holes, {32, 32}, 12, cv::Scalar(1), cv::FILLED);
    for (int y = 0; y < 64; ++y)
        for (int x = 0; x < 64; ++x)
            if (holes.at<uint8_t>(y, x)) picture.at<cv::Vec3f>(y, x) = 0.65f * field.at<cv::Vec3f>(y, x) + 0.35f * red;

    const cv::Mat out = drag::removeObjectTint(picture, holes, {red, cv::Vec3f(1.f, 1.f, 1.f)}, behind);
    // The field is green again where the ghost was...
    for (const cv::Point p : {cv::Point(32, 24), cv::Point(26, 38), cv::Point(38, 28)})
        CHECK(cv::norm(out.at<cv::Vec3f>(p) - field.at<cv::Vec3f>(p)) < 0.06);
    // ...and the line the model drew is still there, darker and bluer than the field around it.
    const cv::Vec3f onLine = out.at<cv::Vec3f>(32, 32), beside = out.at<cv::Vec3f>(27, 32);
    CHECK(onLine[2] - beside[2] > 0.25);
    // Outside the hole, bit for bit.
    cv::Mat outside;
    cv::bitwise_not(holes > 0, outside);
    cv::Mat diff;
    cv::absdiff(out, picture, diff);
    CHECK(cv::norm(diff, cv::NORM_INF, outside) == 0);
    // No palette, no change.
    CHECK(cv::norm(drag::removeObjectTint(picture, holes, {}, behind), picture, cv::NORM_INF) == 0);
}
