// The cheap latent -> RGB projection of previews (no TAESD, picture too large to decode each
// preview): SD 1.x/2.x and SDXL latents each through their own family's fit.
#include "support/catch.h"

#include "drag/latent_ops.h"

using namespace dragdiff;

namespace {

// RGB of a 1x1 latent that is 1 in `channel` and 0 elsewhere.
std::vector<float> rgbOfChannel(int channel, bool sdxl) {
    at::Tensor z = at::zeros({1, 4, 1, 1});
    z[0][channel][0][0] = 1.0f;
    const at::Tensor rgb = drag::approximateRgb(z, sdxl);
    REQUIRE(rgb.sizes() == at::IntArrayRef({1, 3, 1, 1}));
    return {rgb[0][0][0][0].item<float>(), rgb[0][1][0][0].item<float>(), rgb[0][2][0][0].item<float>()};
}

}  // namespace

TEST_CASE("latent previews: SD and SDXL latents go through their own fits", "[unit][drag]") {
    // SD's first latent channel is mostly luminance, no offset.
    const auto sd = rgbOfChannel(0, false);
    CHECK(sd[0] == Approx(0.298f));
    CHECK(sd[1] == Approx(0.207f));
    CHECK(sd[2] == Approx(0.208f));
    const auto sdZero = drag::approximateRgb(at::zeros({1, 4, 2, 2}), false);
    CHECK(sdZero.abs().max().item<float>() == 0.0f);
    // SDXL's fit has a bias and another matrix: its second channel is close to neutral in green,
    // where SD's is strongly green.
    const auto xl = rgbOfChannel(1, true);
    CHECK(xl[0] == Approx(-0.2533f + 0.1084f));
    CHECK(xl[1] == Approx(-0.0042f - 0.0175f));
    CHECK(xl[2] == Approx(0.1068f - 0.0011f));
    CHECK(rgbOfChannel(1, false)[1] == Approx(0.286f));
    // Large latents are clamped to the image range.
    const at::Tensor big = drag::approximateRgb(at::full({1, 4, 3, 3}, 50.0f), true);
    CHECK(big.max().item<float>() <= 1.0f);
    CHECK(big.min().item<float>() >= -1.0f);
}
