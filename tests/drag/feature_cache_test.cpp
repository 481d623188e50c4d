// Heatmaps from the prepared image's normalised feature cache equal the direct cosine heatmap.
#include "support/catch.h"

#include "drag/correspondence.h"
#include "drag/feature_cache.h"
#include "drag/working_image.h"
#include "dragdiff/error.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

using namespace dragdiff;

TEST_CASE("the feature cache's heatmaps equal heatmapOf in every mode", "[engine][heatmap]") {
    at::manual_seed(5);
    const at::Tensor f = at::randn({1, 24, 9, 13}) + 0.3;
    const drag::FeatureCache cache(f);
    CHECK(cache.height() == 9);
    CHECK(cache.width() == 13);
    for (bool centred : {true, false})
        for (bool softmax : {false, true}) {
            drag::HeatmapSettings s;
            s.centered = centred;
            s.softmax = softmax;
            s.threshold = 0.3;
            for (PointF p : {PointF{0.2, 0.1}, PointF{6.7, 4.2}, PointF{12.9, 8.9}}) {
                const at::Tensor ref = drag::heatmapOf(f, p, s);
                const at::Tensor got = cache.heatmap(p, s);
                REQUIRE(got.sizes() == ref.sizes());
                CHECK((got - ref).abs().max().item<double>() < 1e-5);
            }
        }
}

TEST_CASE("heatmapImage returns the original image's size in [0, 1], peaking at the point", "[engine][heatmap]") {
    at::manual_seed(6);
    RgbaImage img;
    img.width = 100;
    img.height = 60;
    img.pixels.assign(size_t(100) * 60 * 4, 128);
    const drag::WorkingImage work = drag::makeWorkingImage(img, 64, 16);
    const at::Tensor f = at::randn({1, 16, work.rgb.rows / 8, work.rgb.cols / 8});
    const drag::FeatureCache cache(f);
    drag::HeatmapSettings s;
    // Latent pixel (2, 1)'s centre: the query is that pixel's own feature (cosine 1).
    const PointF point{2.5 * 8 / work.scale, 1.5 * 8 / work.scale};
    const HeatMap h = drag::heatmapImage(cache, work, 8, point, s);
    REQUIRE(h.width == 100);
    REQUIRE(h.height == 60);
    const auto [lo, hi] = std::minmax_element(h.values.begin(), h.values.end());
    CHECK(*lo >= 0.0f);
    CHECK(*hi <= 1.0f);
    CHECK(*hi > 0.5f);
    const auto peak = size_t(hi - h.values.begin());
    CHECK(std::hypot(double(peak % 100) - point.x, double(peak / 100) - point.y) < 8 / work.scale + 1);
    CHECK_THROWS_AS(drag::heatmapImage(cache, work, 8, {101, 20}, s), InvalidRequest);
}
