// What a disc moved whole leaves behind is pinned to the picture with that place filled from
// around it: the pinned latent decodes to sky there, not to the disc (the ghost the model painted
// back); far from it nothing changes; a reshape pins nothing.
#include "support/catch.h"

#include "drag/colour_region.h"
#include "drag/displacement.h"
#include "drag/vacated_background.h"
#include "support/test_support.h"

#include <opencv2/imgproc.hpp>

using namespace dragdiff;

namespace {

struct MovedDisc {
    drag::Pipeline p = drag::loadPipeline(ModelSpec{});  // the embedded model
    drag::WorkingImage work;
    drag::PartMove move;
    at::Tensor z0;
    cv::Point centre;  // the disc's old centre (working pixels)

    explicit MovedDisc(DragMode mode) {
        work = drag::makeWorkingImage(test::discScene(64, 64), p.nativeImageSize(), p.sizeMultiple());
        const int ls = p.latentScale();
        const int W = work.rgb.cols, H = work.rgb.rows;
        centre = cv::Point(W / 3, H / 2);
        cv::Mat disc = cv::Mat::zeros(H, W, CV_8UC1);
        cv::circle(disc, centre, H / 6, cv::Scalar(1), cv::FILLED);
        drag::Grab g;
        g.part = drag::regionToLatent(disc, ls, at::TensorOptions(at::kFloat));
        g.structure = g.part;
        g.region = disc;
        g.mode = mode;
        drag::DragGeometry geo;
        geo.handles = {{double(centre.x) / ls, double(centre.y) / ls}};
        geo.targets = {{double(centre.x + W / 3) / ls, double(centre.y) / ls}};  // a disc's width and more to the right
        move.warps = drag::buildPartWarps({g}, geo, EditParameters());
        z0 = p.vae->encode(work.tensor(p.device)).mean * p.vae->scalingFactor();
    }
};

}  // namespace

TEST_CASE("a disc moved whole leaves sky behind in the pinned latent, nothing elsewhere", "[drag][vacated]") {
    at::NoGradGuard noGrad;
    MovedDisc d(DragMode::Move);
    drag::PassCounter passes;
    const auto v = drag::vacatedBackground(d.p, passes, d.work, d.move, d.z0, d.p.latentScale());
    REQUIRE(v.has_value());
    CHECK(passes.total().vaeEncodes == 1);
    const int ls = d.p.latentScale();
    CHECK(v->where[0][0][d.centre.y / ls][d.centre.x / ls].item<float>() == 1.0f);
    CHECK(v->where[0][0][1][v->where.size(3) - 2].item<float>() == 0.0f);  // the sky top right

    // The clean latent, pinned (ᾱ = 1), decoded: sky-blue where the disc was.
    const at::Tensor pinned = v->apply(d.z0, d.z0, 1.0);
    const cv::Mat rgb = drag::tensorToRgb(d.p.vae->decode(pinned / d.p.vae->scalingFactor()));
    const cv::Vec3f at = rgb.at<cv::Vec3f>(d.centre.y, d.centre.x);
    const cv::Vec3f sky(120 / 255.f, 170 / 255.f, 230 / 255.f), disc(220 / 255.f, 30 / 255.f, 30 / 255.f);
    INFO("decoded " << at[0] << ", " << at[1] << ", " << at[2]);
    CHECK(cv::norm(at - sky) < cv::norm(at - disc));
    CHECK(at[2] > at[0]);  // blue over red
    // Far from the disc the latent is the original's.
    CHECK(at::allclose(pinned.index({0, at::indexing::Slice(), 0, -1}), d.z0.index({0, at::indexing::Slice(), 0, -1})));
}

TEST_CASE("a reshaped object pins nothing", "[drag][vacated]") {
    at::NoGradGuard noGrad;
    MovedDisc d(DragMode::Reshape);
    drag::PassCounter passes;
    CHECK_FALSE(drag::vacatedBackground(d.p, passes, d.work, d.move, d.z0, d.p.latentScale()).has_value());
    CHECK(passes.total().vaeEncodes == 0);
}
