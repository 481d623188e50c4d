// A handle on a ridge's edge raises or lowers the peak: the edge under the handle moves by the
// drag, the skyline a few peak widths away and everything above the raised peak (the sky, a
// cloud) stay exactly, the ground under the ridge stays; a handle deep inside the ridge or off it
// gets no such field.
#include "support/catch.h"

#include "drag/boundary_warp.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

using namespace dragdiff;

namespace {

constexpr int kSize = 96;
constexpr int kPeakX = 48, kPeakY = 40, kBaseY = 56;  // a triangular peak on a skyline at kBaseY

cv::Mat ridge() {
    cv::Mat m = cv::Mat::zeros(kSize, kSize, CV_8UC1);
    cv::rectangle(m, cv::Rect(0, kBaseY, kSize, kSize - kBaseY), cv::Scalar(1), cv::FILLED);
    const std::vector<cv::Point> peak{{kPeakX - 14, kBaseY}, {kPeakX, kPeakY}, {kPeakX + 14, kBaseY}};
    cv::fillPoly(m, std::vector<std::vector<cv::Point>>{peak}, cv::Scalar(1));
    return m;
}

cv::Mat warped(const cv::Mat& region, const drag::BoundaryWarp& w) {
    cv::Mat f, out, map = w.source - cv::Scalar(0.5, 0.5);
    region.convertTo(f, CV_32F);
    cv::remap(f, out, map, cv::noArray(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    return out > 0.5;
}

int topOf(const cv::Mat& region, int column) {
    for (int y = 0; y < region.rows; ++y)
        if (region.at<uint8_t>(y, column)) return y;
    return -1;
}

bool identity(const drag::BoundaryWarp& w, int x, int y) {
    const cv::Vec2f s = w.source.at<cv::Vec2f>(y, x);
    return std::abs(s[0] - (x + 0.5f)) < 1e-3f && std::abs(s[1] - (y + 0.5f)) < 1e-3f;
}

// A skyline whose rock starts at `top(x)` (fractional rows) in column x, rendered as the
// pictures are: a pixel half of whose height is rock is the rock's, its colour the blend.
struct Skyline {
    cv::Mat region, picture;
};

template <class Top>
Skyline skyline(Top top) {
    const cv::Vec3f rock(0.40f, 0.40f, 0.45f), sky(0.60f, 0.75f, 0.95f);
    Skyline s{cv::Mat::zeros(kSize, kSize, CV_8UC1), cv::Mat(kSize, kSize, CV_32FC3)};
    for (int x = 0; x < kSize; ++x)
        for (int y = 0; y < kSize; ++y) {
            const float cover = std::clamp(float(y + 1) - float(top(x)), 0.f, 1.f);
            s.picture.at<cv::Vec3f>(y, x) = rock * cover + sky * (1 - cover);
            s.region.at<uint8_t>(y, x) = cover >= 0.5f;
        }
    return s;
}

}  // namespace

TEST_CASE("a narrow peak rises narrow but whole: as wide as its shoulders, no narrower than a share of the picture", "[drag][boundary]") {
    // A spike one column wide, 4 px above a flat skyline (the shoulder drop is 0.03 of 96 px,
    // 2.9 px). Averaging a few lines of the edge made it 0.8 px tall, so the bump took the widest
    // width and lifted the skyline beside the peak (drag bench: flat-topped blocks, drift 0.47).
    // Narrowed to its shoulders' 1.3 px, the bump raised a needle a column wide whose anti-aliased
    // top fell short of the target (drag bench: landmark 0.28 of the drag) and lowered a notch that
    // left the flanks standing: the bump is at least 0.04 of the picture wide.
    const Skyline s = skyline([](int x) { return x == kPeakX ? 52.0 : 56.0; });
    const PointF handle{kPeakX + 0.5, 54.5};
    const auto w = drag::boundaryWarp(s.region, s.picture, handle, {handle.x, handle.y - 10}, 2.0);
    REQUIRE(w.has_value());
    const cv::Mat after = warped(s.region, *w);
    CHECK(std::abs(topOf(after, kPeakX) - 42) <= 1);
    for (int x : {kPeakX - 6, kPeakX + 6}) CHECK(topOf(s.region, x) - topOf(after, x) <= 1);
    for (int x : {kPeakX - 2, kPeakX + 2}) CHECK(topOf(s.region, x) - topOf(after, x) >= 5);
}

TEST_CASE("a peak's shoulders are measured to a fraction of a pixel from the picture's blend", "[drag][boundary]") {
    // A flat-topped peak 2.6 px above the skyline beside it: less than the shoulder drop (2.9 px),
    // so the skyline is the peak's shoulder and rises with it. Its pixels are whole rows apart (3),
    // more than the drop: only the blended row says how far the skyline really is below.
    const Skyline s = skyline([](int x) { return std::abs(x - kPeakX) <= 2 ? 50.0 : 52.6; });
    const PointF handle{kPeakX + 0.5, 52.5};
    const PointF target{handle.x, handle.y - 10};
    auto rise = [&](const cv::Mat& picture, int x) {
        const auto w = drag::boundaryWarp(s.region, picture, handle, target, 2.0);
        REQUIRE(w.has_value());
        return topOf(s.region, x) - topOf(warped(s.region, *w), x);
    };
    CHECK(rise(s.picture, kPeakX + 8) >= 3);
    CHECK(rise(s.picture, kPeakX - 8) >= 3);
    // The region alone sees a 3 px drop: a narrow bump.
    CHECK(rise(cv::Mat(), kPeakX + 8) <= 1);
}

TEST_CASE("raising a peak moves its top by the drag and leaves the sky and the far skyline", "[drag][boundary]") {
    const cv::Mat r = ridge();
    const PointF handle{kPeakX + 0.5, kPeakY + 2.5};  // a couple of pixels inside the rock
    const auto w = drag::boundaryWarp(r, cv::Mat(), handle, {handle.x, handle.y - 10}, 2.0);
    REQUIRE(w.has_value());
    const cv::Mat after = warped(r, *w);
    CHECK(std::abs(topOf(after, kPeakX) - (kPeakY - 10)) <= 1);
    // The flanks rise less than the top, the skyline far away not at all.
    CHECK(topOf(after, kPeakX - 2) < topOf(r, kPeakX - 2));
    CHECK(topOf(r, kPeakX - 2) - topOf(after, kPeakX - 2) < 10);
    for (int x : {2, 10, kSize - 10, kSize - 3}) CHECK(topOf(after, x) == topOf(r, x));
    // Above the new top (the sky, a cloud there) and the ground below the deformation: untouched.
    for (int x = 0; x < kSize; ++x) {
        for (int y = 0; y < kPeakY - 12; ++y) REQUIRE(identity(*w, x, y));
        for (int y = kSize - 8; y < kSize; ++y) REQUIRE(identity(*w, x, y));
    }
    CHECK(cv::countNonZero(w->zone) > 0);
    CHECK(w->zone.at<uint8_t>(kPeakY - 5, kPeakX) != 0);
}

TEST_CASE("a peak symmetric about a handle on a pixel's corner rises and falls symmetrically", "[drag][boundary]") {
    // Columns 47 and 48 both top out at row 40, the flanks fall a row a column: the handle on the
    // corner between them. Each column must move by its own edge; one beside the handle took its
    // neighbour's, a row lower, and the peak came out lopsided (right of the handle when raised,
    // left when lowered: the lines are counted across the drag).
    const Skyline s = skyline([](int x) { return 40.0 + (x < kPeakX ? kPeakX - 1 - x : x - kPeakX); });
    for (double drag : {-6.0, 6.0}) {
        const auto w = drag::boundaryWarp(s.region, s.picture, {double(kPeakX), 40}, {double(kPeakX), 40 - drag}, 3.0);
        REQUIRE(w);
        const cv::Mat after = warped(s.region, *w);
        INFO("drag " << drag);
        for (int d = 0; d < 8; ++d) {
            INFO("columns " << kPeakX - 1 - d << " and " << kPeakX + d);
            CHECK(topOf(after, kPeakX - 1 - d) == topOf(after, kPeakX + d));
        }
    }
}

TEST_CASE("lowering a peak brings its top down and what is behind it stretches over the strip", "[drag][boundary]") {
    const cv::Mat r = ridge();
    const PointF handle{kPeakX + 0.5, kPeakY + 2.5};
    const auto w = drag::boundaryWarp(r, cv::Mat(), handle, {handle.x, handle.y + 8}, 2.0);
    REQUIRE(w.has_value());
    const cv::Mat after = warped(r, *w);
    CHECK(std::abs(topOf(after, kPeakX) - (kPeakY + 8)) <= 1);
    for (int x : {2, kSize - 3}) CHECK(topOf(after, x) == topOf(r, x));
    // The strip the top leaves reads the sky above the old top, not the rock.
    const cv::Vec2f s = w->source.at<cv::Vec2f>(kPeakY + 4, kPeakX);
    CHECK(s[1] < kPeakY);
}

TEST_CASE("lowering a peak stretches the sky over the strip, not a sun just above the peak", "[drag][boundary]") {
    // A sun 4 px above the top: stretched back from up to two drags beyond the edge, it was drawn
    // down into the dip (the drag bench's lowered peaks under a sun, a star or a triangle).
    const cv::Mat r = ridge();
    const cv::Vec3f rock(0.40f, 0.40f, 0.45f), sky(0.60f, 0.75f, 0.95f), sun(0.98f, 0.85f, 0.45f);
    cv::Mat picture(kSize, kSize, CV_32FC3, cv::Scalar(sky[0], sky[1], sky[2])), sunDisc = cv::Mat::zeros(kSize, kSize, CV_8UC1);
    picture.setTo(cv::Scalar(rock[0], rock[1], rock[2]), r);
    cv::circle(sunDisc, {kPeakX, kPeakY - 7}, 3, cv::Scalar(1), cv::FILLED);
    picture.setTo(cv::Scalar(sun[0], sun[1], sun[2]), sunDisc);
    const PointF handle{kPeakX + 0.5, kPeakY + 2.5};
    const auto w = drag::boundaryWarp(r, picture, handle, {handle.x, handle.y + 8}, 2.0);
    REQUIRE(w.has_value());
    CHECK(std::abs(topOf(warped(r, *w), kPeakX) - (kPeakY + 8)) <= 1);
    for (int y = 0; y < kSize; ++y)
        for (int x = 0; x < kSize; ++x)
            if (sunDisc.at<uint8_t>(y, x)) REQUIRE(identity(*w, x, y));
    // The strip the top leaves is sky.
    const cv::Vec2f s = w->source.at<cv::Vec2f>(kPeakY + 4, kPeakX);
    CHECK(cv::norm(drag::pixelAt(picture, s[0], s[1]) - sky) < 1e-6);
}

TEST_CASE("a handle deep inside a structure or away from it gets no edge field", "[drag][boundary]") {
    const cv::Mat r = ridge();
    CHECK_FALSE(drag::boundaryWarp(r, cv::Mat(), {20.5, 80.5}, {20.5, 70.5}, 2.0).has_value());  // in the ground
    CHECK_FALSE(drag::boundaryWarp(r, cv::Mat(), {20.5, 10.5}, {20.5, 2.5}, 2.0).has_value());   // in the sky
    CHECK_FALSE(drag::boundaryWarp(r, cv::Mat(), {kPeakX + 0.5, kPeakY + 2.5}, {kPeakX + 0.5, kPeakY + 2.5}, 2.0).has_value());
}

TEST_CASE("a band across the drag is told from an object", "[drag][boundary]") {
    cv::Mat band = cv::Mat::zeros(kSize, kSize, CV_8UC1), disc = band.clone();
    cv::rectangle(band, cv::Rect(10, 40, 60, 10), cv::Scalar(1), cv::FILLED);  // a ridge hidden at both ends
    cv::circle(disc, cv::Point(48, 48), 12, cv::Scalar(1), cv::FILLED);
    CHECK(drag::bandAcross(band, {40.5, 41.5}, {40.5, 33.5}));    // its top pushed up
    CHECK_FALSE(drag::bandAcross(band, {12.5, 45.5}, {4.5, 45.5}));  // its end pulled along it
    CHECK_FALSE(drag::bandAcross(disc, {48.5, 37.5}, {48.5, 29.5}));
    cv::Mat narrow = cv::Mat::zeros(kSize, kSize, CV_8UC1);
    cv::rectangle(narrow, cv::Rect(40, 40, 15, 4), cv::Scalar(1), cv::FILLED);  // flat, but a sixth of the picture
    CHECK_FALSE(drag::bandAcross(narrow, {47.5, 40.5}, {47.5, 32.5}));
    // A ridge mostly hidden by nearer ones: a quarter of the picture wide, 1.7 times wider than
    // deep. Its peak pushed up is a reshape of the ridge (the drag bench's peaks that came out as a
    // block of ridge lifted whole were such pieces).
    cv::Mat piece = cv::Mat::zeros(kSize, kSize, CV_8UC1);
    cv::rectangle(piece, cv::Rect(30, 40, 24, 14), cv::Scalar(1), cv::FILLED);
    CHECK(drag::bandAcross(piece, {42.5, 40.5}, {42.5, 30.5}));
}
