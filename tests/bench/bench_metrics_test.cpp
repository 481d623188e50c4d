// The drag benchmark's metrics on synthetic images with known answers, and on generated drag
// cases whose ground truth must score as a success.
#include "support/catch.h"

#include "bench/bench_metrics.h"
#include "scenes/drag_case.h"

#include <opencv2/imgproc.hpp>

#include <cmath>

using namespace dragdiff;
using namespace dragdiff::bench;

namespace {

constexpr int kSide = 64;
const cv::Scalar kBackground(120, 140, 160);  // RGB, mid-grey-blue: noise never clips
const cv::Scalar kDisc(220, 40, 30);           // RGB red
const cv::Point kHandle(20, 24), kTarget(36, 32);
constexpr int kRadius = 8;

cv::Mat background() { return cv::Mat(kSide, kSide, CV_8UC3, kBackground); }

cv::Mat discMask(cv::Point centre) {
    cv::Mat m = cv::Mat::zeros(kSide, kSide, CV_8UC1);
    cv::circle(m, centre, kRadius, cv::Scalar(255), cv::FILLED, cv::LINE_8);
    return m;
}

cv::Mat withDisc(cv::Point centre) {
    cv::Mat img = background();
    img.setTo(kDisc, discMask(centre));
    return img;
}

DragTruth truth() {
    DragTruth t;
    t.input = withDisc(kHandle);
    t.subjectMask = discMask(kHandle);
    t.expectedMask = discMask(kTarget);
    t.handle = cv::Point2d(kHandle);
    t.target = cv::Point2d(kTarget);
    t.dilation = 3;
    return t;
}

// `image` plus rounded Gaussian noise of `sigma` (fixed seed).
cv::Mat noisy(const cv::Mat& image, double sigma) {
    cv::Mat noise(image.size(), CV_32FC3), f;
    cv::RNG rng(12345);
    rng.fill(noise, cv::RNG::NORMAL, 0, sigma);
    image.convertTo(f, CV_32FC3);
    cv::Mat out;
    cv::Mat(f + noise).convertTo(out, CV_8UC3);  // rounds and saturates
    return out;
}

}  // namespace

TEST_CASE("a disc moved exactly by the drag scores MD ratio 0, area ratio 1 and capped PSNR", "[unit][bench]") {
    const DragMetrics m = measureDrag(withDisc(kTarget), truth());
    CHECK(m.found);
    CHECK(m.mdRatio == Approx(0).margin(1e-9));
    CHECK(m.areaRatio == Approx(1));
    CHECK(m.backgroundPsnr == kPsnrCap);
    CHECK(m.success);
    CHECK(m.expectedCentroid.x == Approx(kTarget.x));
    CHECK(m.expectedCentroid.y == Approx(kTarget.y));
}

TEST_CASE("a disc that did not move scores MD ratio 1", "[unit][bench]") {
    const DragTruth t = truth();
    const DragMetrics m = measureDrag(t.input, t);
    CHECK(m.found);
    CHECK(m.mdRatio == Approx(1));
    CHECK(m.md == Approx(std::hypot(16.0, 8.0)));
    CHECK(m.areaRatio == Approx(1));
    CHECK(m.backgroundPsnr == kPsnrCap);
    CHECK_FALSE(m.success);
}

TEST_CASE("a disc moved half way scores MD ratio 0.5", "[unit][bench]") {
    const DragMetrics m = measureDrag(withDisc(cv::Point(28, 28)), truth());
    CHECK(m.found);
    CHECK(m.mdRatio == Approx(0.5));
    CHECK_FALSE(m.success);
}

TEST_CASE("a removed disc is not found: MD ratio 1, area ratio 0", "[unit][bench]") {
    const DragMetrics m = measureDrag(background(), truth());
    CHECK_FALSE(m.found);
    CHECK(m.mdRatio == 1);
    CHECK(m.areaRatio == 0);
    CHECK_FALSE(m.success);
}

TEST_CASE("a disc that shrank or grew fails on its area ratio", "[unit][bench]") {
    cv::Mat small = background(), big = background();
    cv::circle(small, kTarget, kRadius / 2, kDisc, cv::FILLED, cv::LINE_8);
    cv::circle(big, kTarget, kRadius * 3 / 2, kDisc, cv::FILLED, cv::LINE_8);
    const DragMetrics s = measureDrag(small, truth()), b = measureDrag(big, truth());
    CHECK(s.areaRatio < 0.4);
    CHECK(b.areaRatio > 2.0);
    CHECK(s.mdRatio < 0.05);
    CHECK_FALSE(s.success);
    CHECK_FALSE(b.success);
}

TEST_CASE("a slightly recoloured disc is still found", "[unit][bench]") {
    cv::Mat img = background();
    img.setTo(cv::Scalar(200, 55, 45), discMask(kTarget));
    const DragMetrics m = measureDrag(img, truth());
    CHECK(m.found);
    CHECK(m.mdRatio < 0.01);
    CHECK(m.areaRatio == Approx(1));
}

TEST_CASE("background noise lowers the background PSNR as expected", "[unit][bench]") {
    // Rounded Gaussian noise of sigma s has MSE ~ s^2 + 1/12: PSNR = 10 log10(255^2 / MSE).
    for (double sigma : {2.0, 5.0, 20.0}) {
        const DragMetrics m = measureDrag(noisy(withDisc(kTarget), sigma), truth());
        const double expected = 10 * std::log10(255.0 * 255.0 / (sigma * sigma + 1.0 / 12));
        INFO("sigma " << sigma);
        CHECK(m.backgroundPsnr == Approx(expected).margin(0.3));
        CHECK(m.found);
        CHECK(m.mdRatio < 0.05);
        CHECK(m.success == (expected >= kMinSuccessBackgroundPsnr));
    }
}

TEST_CASE("changes inside the subject's old and new regions do not count against the background", "[unit][bench]") {
    cv::Mat img = withDisc(kTarget);
    // A smear where the disc was (inside the old region): the background stays perfect.
    cv::circle(img, kHandle, kRadius, cv::Scalar(100, 100, 100), cv::FILLED, cv::LINE_8);
    CHECK(measureDrag(img, truth()).backgroundPsnr == kPsnrCap);
    // A change far away does count.
    img(cv::Rect(0, 56, 8, 8)).setTo(cv::Scalar(0, 0, 0));
    CHECK(measureDrag(img, truth()).backgroundPsnr < 40);
}

TEST_CASE("regionPsnr, median and summarize", "[unit][bench]") {
    const cv::Mat a = background();
    const cv::Mat b = a + cv::Scalar(1, 1, 1);
    const cv::Mat all(kSide, kSide, CV_8UC1, cv::Scalar(255));
    CHECK(regionPsnr(a, b, all) == Approx(20 * std::log10(255.0)));
    CHECK(regionPsnr(a, a, all) == kPsnrCap);
    CHECK(regionPsnr(a, b, cv::Mat::zeros(kSide, kSide, CV_8UC1)) == kPsnrCap);
    CHECK(median({}) == 0);
    CHECK(median({3, 1, 2}) == 2);
    CHECK(median({4, 1, 3, 2}) == 2.5);
    DragMetrics ok, bad;
    ok.mdRatio = 0.1, ok.areaRatio = 1, ok.backgroundPsnr = 30, ok.success = true;
    bad.mdRatio = 1, bad.areaRatio = 0, bad.backgroundPsnr = 20;
    const Summary s = summarize({ok, bad, ok}, {1.0, 2.0, 3.0});
    CHECK(s.cases == 3);
    CHECK(s.successRate == Approx(2.0 / 3));
    CHECK(s.medianMdRatio == Approx(0.1));
    CHECK(s.medianAreaRatio == Approx(1));
    CHECK(s.medianBackgroundPsnr == Approx(30));
    CHECK(s.secondsPerEdit == Approx(2));
    CHECK(isSuccess(0.25, 0.7, 25));
    CHECK_FALSE(isSuccess(0.26, 1, 30));
    CHECK_FALSE(isSuccess(0.1, 1.31, 30));
    CHECK_FALSE(isSuccess(0.1, 1, 24.9));
}

TEST_CASE("on generated drag cases the ground truth succeeds (also blurred) and the input does not", "[unit][bench][scenes]") {
    for (int size : {64, 96}) {
        for (uint64_t i = 0; i < 12; ++i) {
            const scenes::DragCase c = scenes::makeDragCase(scenes::benchmarkCaseSeed(7, i), size);
            DragTruth t;
            t.input = c.source.rgb;
            t.subjectMask = c.source.objects[size_t(c.subject)].mask;
            t.expectedMask = c.expected.objects[size_t(c.subject)].mask;
            t.othersMask = cv::Mat::zeros(t.input.size(), CV_8UC1);
            for (size_t k = 0; k < c.source.objects.size(); ++k)
                if (int(k) != c.subject) t.othersMask |= c.source.objects[k].mask;
            t.handle = cv::Point2d(c.handle);
            t.target = cv::Point2d(c.target);
            t.dilation = std::max(2, int(std::lround(scenes::kMaskBoxMarginFraction * size)));
            INFO("size " << size << " case " << i << " seed " << c.sceneSeed << " subject " << c.subject);
            const DragMetrics ideal = measureDrag(c.expected.rgb, t);
            CHECK(ideal.found);
            CHECK(ideal.mdRatio < 0.1);
            CHECK(ideal.areaRatio == Approx(1).margin(0.1));
            CHECK(ideal.backgroundPsnr == kPsnrCap);
            CHECK(ideal.success);
            // A decoder-like rendition of the ideal (blurred, a little brighter) is still found in place.
            cv::Mat soft;
            cv::GaussianBlur(c.expected.rgb, soft, cv::Size(0, 0), 0.8);
            soft += cv::Scalar(6, 6, 6);
            const DragMetrics blurred = measureDrag(soft, t);
            CHECK(blurred.found);
            CHECK(blurred.mdRatio < 0.1);
            CHECK(blurred.areaRatio == Approx(1).margin(0.25));
            const DragMetrics unchanged = measureDrag(c.source.rgb, t);
            CHECK(unchanged.mdRatio == Approx(1));
            CHECK(unchanged.areaRatio == Approx(1));
            CHECK_FALSE(unchanged.success);
        }
    }
}
