// The benchmark's drag-case kinds: one case of each kind generated and checked — shapes, seeds,
// determinism, and an ideal that differs from the input only near the subject and does what the
// kind promises (the peak rises or falls by the drag, the opposite edge and the body stay).
#include "dragdiff/error.h"
#include "scenes/drag_case.h"
#include "scenes/scene_layout.h"

#include "support/catch.h"

#include <opencv2/imgproc.hpp>

#include <cmath>
#include <cstring>

using namespace dragdiff;
using namespace dragdiff::scenes;

namespace {

constexpr int kSize = 128;

bool sameBytes(const cv::Mat& a, const cv::Mat& b) {
    return a.size() == b.size() && a.type() == b.type() && std::memcmp(a.data, b.data, a.total() * a.elemSize()) == 0;
}

cv::Mat changedPixels(const DragCase& c) {
    cv::Mat diff, grey;
    cv::absdiff(c.source.rgb, c.expected.rgb, diff);
    cv::cvtColor(diff, grey, cv::COLOR_RGB2GRAY);
    return grey > 0;
}

// Mean of the mask's pixels within a pixel of its farthest along `d`.
cv::Point2d extreme(const cv::Mat& mask, cv::Point2f d) {
    std::vector<cv::Point> px;
    cv::findNonZero(mask, px);
    double best = -1e9;
    for (const cv::Point& p : px) best = std::max(best, double(p.x * d.x + p.y * d.y));
    cv::Point2d sum;
    int n = 0;
    for (const cv::Point& p : px)
        if (p.x * d.x + p.y * d.y >= best - 1) sum += cv::Point2d(p), ++n;
    return sum / double(n);
}

}  // namespace

TEST_CASE("drag kinds: names, lists and bad words", "[unit][scenes]") {
    CHECK(parseDragKinds("all").size() == size_t(kDragKindCount));
    const auto two = parseDragKinds("peak,move,peak");
    REQUIRE(two.size() == 2);
    CHECK(two[0] == DragKind::Peak);
    CHECK(two[1] == DragKind::Move);
    CHECK(std::string(dragKindName(DragKind::Multi)) == "multi");
    CHECK_THROWS_AS(parseDragKinds("move,twist"), InvalidRequest);
    CHECK_THROWS_AS(parseDragKinds(""), InvalidRequest);
}

TEST_CASE("drag kinds: move cases are today's cases", "[unit][scenes]") {
    for (uint64_t i : {0, 3}) {
        const DragCase a = makeKindCase(DragKind::Move, 1, i, 64), b = makeDragCase(benchmarkCaseSeed(1, i), 64);
        CHECK(a.kind == DragKind::Move);
        CHECK(a.handle == b.handle);
        CHECK(a.target == b.target);
        CHECK(sameBytes(a.expected.rgb, b.expected.rgb));
        REQUIRE(a.pairs.size() == 1);
        CHECK(a.pairs[0].handle == a.handle);
        CHECK(sameBytes(a.idealMask, b.expected.objects[size_t(b.subject)].mask));
    }
}

TEST_CASE("drag kinds: one case of each kind, deterministic, changed only near the subject", "[unit][scenes]") {
    for (int k = 0; k < kDragKindCount; ++k) {
        const auto kind = DragKind(k);
        INFO(dragKindName(kind));
        const DragCase c = makeKindCase(kind, 1, 2, kSize), again = makeKindCase(kind, 1, 2, kSize);
        CHECK(c.kind == kind);
        CHECK(c.caseSeed == kindCaseSeed(kind, 1, 2));
        CHECK(seedRange(c.sceneSeed) == SeedRange::Benchmark);
        CHECK(sameBytes(c.source.rgb, again.source.rgb));
        CHECK(sameBytes(c.expected.rgb, again.expected.rgb));
        REQUIRE(c.source.rgb.size() == cv::Size(kSize, kSize));
        REQUIRE(c.expected.rgb.type() == CV_8UC3);
        REQUIRE(c.subjectMask.size() == c.source.rgb.size());
        REQUIRE(c.idealMask.size() == c.source.rgb.size());
        CHECK(cv::countNonZero(c.subjectMask) > 20);
        CHECK(cv::countNonZero(c.idealMask) > 20);

        REQUIRE_FALSE(c.pairs.empty());
        CHECK(c.pairs.size() == (kind == DragKind::Multi ? 2u : 1u));
        CHECK(c.landmarks.size() == c.pairs.size());
        CHECK(c.handle == c.pairs[0].handle);
        for (const CasePair& p : c.pairs) {
            const double drag = cv::norm(p.target - p.handle);
            CHECK(drag >= 0.04 * kSize);
            CHECK(drag <= kMaxDragFraction * kSize + 1);
            CHECK(cv::Rect(0, 0, kSize, kSize).contains(cv::Point(int(p.handle.x), int(p.handle.y))));
        }
        for (const Landmark& l : c.landmarks) CHECK(l.dragLength > 0);

        // The ideal is a different picture, and differs only near the subject (its old and new
        // footprints, or the peak's columns).
        const cv::Mat changed = changedPixels(c);
        CHECK(cv::countNonZero(changed) > 20);
        cv::Mat near;
        if (kind == DragKind::Peak) {
            near = cv::Mat::zeros(changed.size(), CV_8UC1);
            near(cv::Rect(c.layerRegion.x, 0, c.layerRegion.width, kSize)).setTo(255);
        } else {
            const SceneObject &before = c.source.objects[size_t(c.subject)], &after = c.expected.objects[size_t(c.subject)];
            cv::dilate((before.coverage > 0) | (after.coverage > 0), near, cv::Mat());
            // The other objects are the same pixels.
            for (size_t j = 0; j < c.source.objects.size(); ++j)
                if (int(j) != c.subject) CHECK(sameBytes(c.source.objects[j].mask, c.expected.objects[j].mask));
        }
        CHECK(cv::countNonZero(changed & ~near) == 0);
    }
}

TEST_CASE("drag kinds: each ideal does what its kind promises", "[unit][scenes]") {
    for (uint64_t i = 0; i < 4; ++i) {
        INFO("case " << i);
        {
            const DragCase c = makeKindCase(DragKind::Peak, 1, i, kSize);
            INFO("peak " << c.variant);
            const int column = c.landmarks[0].column;
            const int before = ridgeTop(c.subjectMask, column), after = ridgeTop(c.idealMask, column);
            // The top moves by the drag (to a pixel and a half), the way the drag points.
            CHECK(double(after - before) == Approx(c.target.y - c.handle.y).margin(1.5));
            CHECK(c.target.x == c.handle.x);
            CHECK(c.variant == (c.target.y < c.handle.y ? "raise" : "lower"));
            // The skyline beside the bump stays.
            CHECK_FALSE(c.anchors.empty());
            for (const Landmark& a : c.anchors) CHECK(std::abs(ridgeTop(c.subjectMask, a.column) - ridgeTop(c.idealMask, a.column)) <= 1);
            // The handle sits on the ridge, slightly inside the rock.
            CHECK(c.handle.y - float(before) == Approx(2).margin(1.5));
        }
        {
            const DragCase c = makeKindCase(DragKind::Stretch, 1, i, kSize);
            INFO("stretch " << c.variant);
            const cv::Point2f axis = c.landmarks[0].direction;
            // The opposite edge stays, the dragged edge goes where the target is along the axis.
            CHECK(cv::norm(extreme(c.subjectMask, -axis) - extreme(c.idealMask, -axis)) <= 1.5);
            const double moved = (extreme(c.idealMask, axis) - extreme(c.subjectMask, axis)).dot(cv::Point2d(axis));
            CHECK(moved == Approx((c.target - c.handle).dot(axis)).margin(2.5));  // the handle is 2 px inside the edge
            CHECK(c.subjectMask.at<uchar>(int(std::lround(c.handle.y)), int(std::lround(c.handle.x))) == 255);
        }
        {
            const DragCase c = makeKindCase(DragKind::Bend, 1, i, kSize);
            CHECK(c.source.objects[size_t(c.subject)].kind == ObjectKind::Limbed);
            // The body's far side stays; the tip reaches the target (the tip's end is a half
            // thickness beyond the handle, along the limb).
            const cv::Point2f away = c.anchors[0].direction;
            CHECK(cv::norm(extreme(c.subjectMask, away) - extreme(c.idealMask, away)) <= 1.0);
            const cv::Point2f along = c.landmarks[0].direction;
            const cv::Point2d tip = extreme(c.idealMask, along), target(c.target);
            const cv::Point2d off = tip - target;
            CHECK(std::abs(off.x * along.y - off.y * along.x) <= 1.5);  // on the limb's axis
            CHECK(off.dot(cv::Point2d(along)) >= 0);                       // beyond the handle's point
            CHECK(off.dot(cv::Point2d(along)) <= 6);
            CHECK(c.subjectMask.at<uchar>(int(std::lround(c.handle.y)), int(std::lround(c.handle.x))) == 255);
            CHECK(c.idealMask.at<uchar>(int(std::lround(c.target.y)), int(std::lround(c.target.x))) == 255);
        }
        {
            const DragCase c = makeKindCase(DragKind::Multi, 1, i, kSize);
            INFO("multi " << c.variant);
            // Every handle lies in the subject and every target in the ideal subject.
            for (const CasePair& p : c.pairs) {
                CHECK(c.subjectMask.at<uchar>(int(std::lround(p.handle.y)), int(std::lround(p.handle.x))) == 255);
                cv::Mat grown;
                cv::dilate(c.idealMask, grown, cv::Mat());
                CHECK(grown.at<uchar>(int(std::lround(p.target.y)), int(std::lround(p.target.x))) == 255);
            }
        }
    }
}

TEST_CASE("drag kinds, a layer's top in a column is where it is one piece", "[unit][scenes]") {
    // One column, 20 rows: `set` rows of the layer, `hidden` rows where it cannot be seen.
    auto top = [](std::initializer_list<int> set, std::initializer_list<int> hidden = {}) {
        cv::Mat mask = cv::Mat::zeros(20, 1, CV_8UC1), observable(20, 1, CV_8UC1, cv::Scalar(255));
        for (int y : set) mask.at<uchar>(y, 0) = 255;
        for (int y : hidden) observable.at<uchar>(y, 0) = 0;
        return layerBodyTop(mask, 0, observable);
    };
    CHECK(top({10, 11, 12, 13, 14}) == 10);
    CHECK(top({4, 5, 10, 11, 12, 13}) == 10);              // speckle above
    CHECK(top({9, 11, 12, 13}) == 9);                      // one unset row bridged
    CHECK(top({3, 4, 5, 6, 10, 11, 12, 13}) == -1);        // a piece floating above
    cv::Mat two = cv::Mat::zeros(20, 1, CV_8UC1);
    two.rowRange(3, 7).setTo(255), two.rowRange(10, 14).setTo(255);
    bool floating = false;
    CHECK(layerBodyTop(two, 0, cv::Mat(), &floating) == -1);
    CHECK(floating);
    CHECK(layerBodyTop(two.rowRange(8, 20).clone(), 0, cv::Mat(), &floating) == 2);
    CHECK_FALSE(floating);
    CHECK(top({3, 4, 5, 6, 10, 11, 12, 13}, {7, 8, 9}) == 3);  // ... where the layer cannot be seen: one piece
    CHECK(top({5, 6}) == -1);
    CHECK(layerBodyTop(cv::Mat::zeros(20, 1, CV_8UC1), 3, cv::Mat()) == -1);  // outside the mask
}

TEST_CASE("drag kinds: the training stream never draws a limbed object", "[unit][scenes]") {
    for (uint64_t seed = 0; seed < 200; ++seed)
        for (const ObjectLayout& o : layoutScene(seed).objects) {
            CHECK(o.kind != ObjectKind::Limbed);
            CHECK(o.limb.empty());
            CHECK_FALSE(o.hasPaintFrame);
        }
}
