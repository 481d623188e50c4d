#include "dragdiff/error.h"
#include "scenes/drag_case.h"
#include "scenes/scene_layout.h"

#include "support/catch.h"

#include <opencv2/imgproc.hpp>

#include <cmath>
#include <cstring>
#include <set>

using namespace dragdiff;
using namespace dragdiff::scenes;

namespace {

bool sameBytes(const cv::Mat& a, const cv::Mat& b) {
    return a.size() == b.size() && a.type() == b.type() && std::memcmp(a.data, b.data, a.total() * a.elemSize()) == 0;
}

cv::Mat footprint(const SceneObject& o) { return o.coverage > 0; }

}  // namespace

TEST_CASE("drag cases: benchmark seeds never overlap training seeds", "[unit][scenes]") {
    std::set<uint64_t> seeds;
    for (uint64_t b : {0, 1, 2})
        for (uint64_t i = 0; i < 500; ++i) {
            const uint64_t s = benchmarkCaseSeed(b, i);
            CHECK(s >= kBenchmarkSeedBase);
            seeds.insert(s);
        }
    CHECK(seeds.size() == 1500);
    CHECK(benchmarkCaseSeed(1, 7) == benchmarkCaseSeed(1, 7));
}

TEST_CASE("drag cases: moves stay in range, inside the image and clear of the other objects", "[unit][scenes]") {
    int derived = 0, subjects[3] = {0, 0, 0};
    for (int size : {64, 128}) {
        const uint64_t cases = size == 64 ? 150 : 40;
        for (uint64_t i = 0; i < cases; ++i) {
            const uint64_t seed = benchmarkCaseSeed(1, i);
            INFO("case " << i << " seed " << seed << " size " << size);
            const DragCase c = makeDragCase(seed, size);
            CHECK(c.caseSeed == seed);
            CHECK(seedRange(c.sceneSeed) == SeedRange::Benchmark);
            derived += c.sceneSeed != seed;
            CHECK(c.size == size);
            REQUIRE(c.subject >= 0);
            REQUIRE(c.subject < int(c.source.objects.size()));
            REQUIRE(c.expected.objects.size() == c.source.objects.size());
            ++subjects[c.subject];
            const SceneObject &before = c.source.objects[size_t(c.subject)], &after = c.expected.objects[size_t(c.subject)];

            // Drag length 8-25% of the side, whole pixels, target = handle + offset.
            const double length = cv::norm(c.target - c.handle);
            CHECK(length >= kMinDragFraction * size);
            CHECK(length <= kMaxDragFraction * size);
            CHECK(c.target == c.handle + cv::Point2f(c.offset));

            // Handle on a mask pixel whose 8 neighbours are in the mask too (not on the edge).
            const cv::Point h(int(c.handle.x), int(c.handle.y));
            REQUIRE(cv::Rect(1, 1, size - 2, size - 2).contains(h));
            CHECK(cv::countNonZero(before.mask(cv::Rect(h.x - 1, h.y - 1, 3, 3))) == 9);
            // The target lands on the same spot of the moved object.
            CHECK(after.mask.at<uchar>(int(c.target.y), int(c.target.x)) == 255);

            // Moved object entirely inside the image, whole, and a pixel clear of every other object.
            CHECK(cv::countNonZero(after.coverage.row(0)) + cv::countNonZero(after.coverage.row(size - 1)) +
                      cv::countNonZero(after.coverage.col(0)) + cv::countNonZero(after.coverage.col(size - 1)) == 0);
            CHECK(after.area == before.area);
            CHECK(after.centroid.x == Approx(before.centroid.x + float(c.offset.x)).margin(1e-3));
            CHECK(after.centroid.y == Approx(before.centroid.y + float(c.offset.y)).margin(1e-3));
            cv::Mat grown;
            cv::dilate(footprint(after), grown, cv::Mat());
            for (size_t j = 0; j < c.source.objects.size(); ++j)
                if (int(j) != c.subject) CHECK(cv::countNonZero(grown & footprint(c.source.objects[j])) == 0);

            // The mask box covers both positions and stays in the image.
            CHECK((c.maskBox & before.box) == before.box);
            CHECK((c.maskBox & after.box) == after.box);
            CHECK((c.maskBox & cv::Rect(0, 0, size, size)) == c.maskBox);

            // Source and expected are exactly the generator's scenes.
            CHECK(sameBytes(c.source.rgb, generateScene(c.sceneSeed, size).rgb));
            CHECK(sameBytes(c.expected.rgb, renderSceneWithObjectMoved(c.sceneSeed, size, c.subject, cv::Point2f(c.offset)).rgb));
        }
    }
    for (int k = 0; k < 3; ++k) CHECK(subjects[k] > 0);
    WARN(derived << " of 190 cases moved on to a derived scene");
}

TEST_CASE("drag cases: deterministic, and refuse bad sizes", "[unit][scenes]") {
    const DragCase a = makeDragCase(benchmarkCaseSeed(9, 3), 64), b = makeDragCase(benchmarkCaseSeed(9, 3), 64);
    CHECK(a.sceneSeed == b.sceneSeed);
    CHECK(a.subject == b.subject);
    CHECK(a.handle == b.handle);
    CHECK(a.target == b.target);
    CHECK(a.maskBox == b.maskBox);
    CHECK(sameBytes(a.expected.rgb, b.expected.rgb));
    // Training-range seeds make training-range drag cases.
    CHECK(seedRange(makeDragCase(12345, 64).sceneSeed) == SeedRange::Training);
    CHECK_THROWS_AS(makeDragCase(1, 8), InvalidRequest);
}

TEST_CASE("drag cases: a scene with no room to move yields no move", "[unit][scenes]") {
    SceneLayout layout = layoutScene(5);
    REQUIRE(findDragMove(layout, 64, 5).has_value());
    // One object filling nearly the whole image: any 8% drag would push it out.
    ObjectLayout& giant = layout.objects[0];
    layout.objects.resize(1);
    const float grow = 0.88f / giant.extent;
    for (cv::Point2f& p : giant.outline) p *= grow;
    giant.radius *= grow;
    giant.centre = {0.5f, 0.5f};
    CHECK_FALSE(findDragMove(layout, 64, 5).has_value());
}
