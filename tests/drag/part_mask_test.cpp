// The moved part: the handle's own connected region of the heatmap, never the background.
#include "support/catch.h"

#include "drag/part_mask.h"

using namespace dragdiff;

namespace {

double areaOf(const at::Tensor& m) { return m.sum().item<double>(); }

}  // namespace

TEST_CASE("The part is the handle's connected region only", "[drag][unit]") {
    at::Tensor heat = at::zeros({16, 16});
    heat.slice(0, 2, 6).slice(1, 2, 6).fill_(0.9);     // the handle's object, 4x4
    heat.slice(0, 10, 14).slice(1, 10, 14).fill_(0.9);  // a look-alike elsewhere
    const at::Tensor part = drag::partMask(heat, {3.5, 3.5}, 0.5, /*grow=*/0);
    CHECK(areaOf(part) == 16);
    CHECK(part[3][3].item<float>() == 1);
    CHECK(part[12][12].item<float>() == 0);
    // Grown by one pixel: 6x6.
    CHECK(areaOf(drag::partMask(heat, {3.5, 3.5}, 0.5, /*grow=*/1)) == 36);
}

TEST_CASE("A handle below the threshold still moves its own pixel", "[drag][unit]") {
    const at::Tensor heat = at::zeros({8, 8});
    const at::Tensor part = drag::partMask(heat, {5.2, 1.7}, 0.5, /*grow=*/0);
    CHECK(areaOf(part) == 1);
    CHECK(part[1][5].item<float>() == 1);
}

TEST_CASE("A part that floods the picture is cut back by a higher threshold", "[drag][unit]") {
    // Similarity falling off slowly from the handle: at 0.2 nearly everything is "the part".
    const at::Tensor ys = at::arange(32, at::kFloat).view({32, 1}), xs = at::arange(32, at::kFloat).view({1, 32});
    const at::Tensor heat = 1 - ((ys - 16).pow(2) + (xs - 16).pow(2)).sqrt() / 64;
    const at::Tensor part = drag::partMask(heat, {16, 16}, 0.2, /*grow=*/0, /*maxFraction=*/0.5);
    CHECK(areaOf(part) <= 0.5 * 32 * 32);
    CHECK(areaOf(part) > 0.2 * 32 * 32);  // raised step by step, not all the way
    CHECK(part[16][16].item<float>() == 1);
}
