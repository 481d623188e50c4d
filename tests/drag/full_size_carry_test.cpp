// A moved object keeps its own pixels at the picture's resolution, also when the picture is larger
// than the model's working size, and with a mask: the embedded model works at 64 px, so a 256 px
// picture's ball came back blurred 4x with a dark ring of the decoder's colours (the app's own
// screenshot of the sample), and with a mask everything inside the mask was the decoder's.
#include "support/catch.h"

#include "dragdiff/engine.h"
#include "support/test_support.h"

#include <opencv2/imgproc.hpp>

using namespace dragdiff;

namespace {

constexpr int kSize = 256, kRadius = 36;
const cv::Point kFrom(90, 150), kTo(150, 150);  // a 60 px drag to the right

// Sky over grass, and a disc of 4 px red/yellow checks: detail a 4x upscale would wash out.
cv::Mat checkedBall() {
    cv::Mat rgb(kSize, kSize, CV_8UC3);
    for (int y = 0; y < kSize; ++y)
        for (int x = 0; x < kSize; ++x)
            rgb.at<cv::Vec3b>(y, x) = y < 110 ? cv::Vec3b(90, 140, uint8_t(200 + y / 3)) : cv::Vec3b(60, uint8_t(150 - y / 8), 50);
    cv::Mat inside = cv::Mat::zeros(rgb.size(), CV_8UC1);
    cv::circle(inside, kFrom, kRadius, cv::Scalar(255), cv::FILLED);
    for (int y = 0; y < kSize; ++y)
        for (int x = 0; x < kSize; ++x)
            if (inside.at<uint8_t>(y, x))
                rgb.at<cv::Vec3b>(y, x) = ((x / 4 + y / 4) % 2) ? cv::Vec3b(220, 30, 30) : cv::Vec3b(240, 210, 40);
    return rgb;
}

// Mean absolute difference per channel between the ball's interior where it lands in `result` and
// the original ball (a band of 6 px at its edge left out).
double landedDifference(const cv::Mat& result, const cv::Mat& original) {
    double sum = 0;
    int n = 0;
    const cv::Point shift = kTo - kFrom;
    for (int y = kFrom.y - kRadius; y <= kFrom.y + kRadius; ++y)
        for (int x = kFrom.x - kRadius; x <= kFrom.x + kRadius; ++x) {
            if (std::hypot(x - kFrom.x, y - kFrom.y) > kRadius - 6) continue;
            const cv::Vec3b a = result.at<cv::Vec3b>(y + shift.y, x + shift.x), b = original.at<cv::Vec3b>(y, x);
            for (int c = 0; c < 3; ++c) sum += std::abs(int(a[c]) - int(b[c]));
            n += 3;
        }
    return sum / n;
}

EditRequest request(const cv::Mat& rgb) {
    EditRequest r;
    r.image = test::rgbaOf(rgb);
    r.drags = {{{double(kFrom.x), double(kFrom.y)}, {double(kTo.x), double(kTo.y)}, DragMode::Move}};
    return r;
}

}  // namespace

TEST_CASE("a picture larger than the working size: the moved object keeps its own sharp pixels", "[engine][drag]") {
    Engine engine;
    engine.loadModel(ModelSpec());
    REQUIRE(engine.modelInfo().imageSize < kSize);  // the edit works at a smaller size
    const cv::Mat rgb = checkedBall();
    const cv::Mat out = test::rgbOf(engine.edit(request(rgb)).image);
    const double diff = landedDifference(out, rgb);
    INFO("mean difference inside the landed ball: " << diff);
    CHECK(diff < 6.0);
    // Far from the ball's path nothing changes, bit for bit.
    CHECK(out.at<cv::Vec3b>(20, 20) == rgb.at<cv::Vec3b>(20, 20));
    CHECK(out.at<cv::Vec3b>(240, 240) == rgb.at<cv::Vec3b>(240, 240));

    SECTION("with a mask over the path: the same sharp ball, and inside the mask what the move does not touch stays") {
        EditRequest r = request(rgb);
        r.mask.width = r.mask.height = kSize;
        r.mask.values.assign(size_t(kSize) * kSize, 0);
        cv::Mat m(kSize, kSize, CV_8UC1, r.mask.values.data());
        cv::rectangle(m, cv::Rect(40, 90, 200, 130), cv::Scalar(255), cv::FILLED);
        const cv::Mat masked = test::rgbOf(engine.edit(r).image);
        const double maskedDiff = landedDifference(masked, rgb);
        INFO("mean difference inside the landed ball, masked: " << maskedDiff);
        CHECK(maskedDiff < 6.0);
        // Inside the mask, away from where the ball was and lands: the picture's own pixels.
        CHECK(masked.at<cv::Vec3b>(210, 230) == rgb.at<cv::Vec3b>(210, 230));
        CHECK(masked.at<cv::Vec3b>(95, 235) == rgb.at<cv::Vec3b>(95, 235));
        // Outside the mask: untouched.
        CHECK(masked.at<cv::Vec3b>(60, 100) == rgb.at<cv::Vec3b>(60, 100));
    }
}
