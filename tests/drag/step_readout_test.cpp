// A step's progress numbers and the latent's NaN check come back from the device in one transfer.
#include "support/catch.h"

#include "drag/guided_step.h"

#include <limits>

using namespace dragdiff;

TEST_CASE("readStep unpacks energies and centroids and flags a non-finite latent", "[drag]") {
    drag::StepPrediction step;
    step.readout = at::tensor({0.5, 0.25, 0.1, 0.2, 0.7, 0.8}, at::kDouble);
    at::Tensor z = at::zeros({1, 4, 8, 8});
    const drag::StepReadout ok = drag::readStep(step, z);
    CHECK(ok.moveEnergy == Approx(0.5));
    CHECK(ok.appearanceEnergy == Approx(0.25));
    REQUIRE(ok.centroids.size() == 2);
    CHECK(ok.centroids[0].x == Approx(0.1));
    CHECK(ok.centroids[0].y == Approx(0.2));
    CHECK(ok.centroids[1].x == Approx(0.7));
    CHECK(ok.centroids[1].y == Approx(0.8));
    CHECK(ok.latentFinite);

    z[0][2][3][4] = std::numeric_limits<float>::quiet_NaN();
    CHECK_FALSE(drag::readStep(step, z).latentFinite);
    z[0][2][3][4] = std::numeric_limits<float>::infinity();
    CHECK_FALSE(drag::readStep(step, z).latentFinite);

    // No handles (a reconstruction): only the two energies.
    step.readout = at::tensor({1.0, 0.0}, at::kDouble);
    CHECK(drag::readStep(step, at::zeros({1, 4, 8, 8})).centroids.empty());
}
