// How a dragged part moves through the latent: translated whole, reshaped (one edge stretches,
// a peak of a larger structure rises), or carried by a transform of several pairs.
#include "support/catch.h"

#include "drag/displacement.h"
#include "drag/latent_ops.h"
#include "drag/part_move.h"

using namespace dragdiff;

namespace {

constexpr int64_t kSide = 32;

at::Tensor rect(int64_t x0, int64_t y0, int64_t x1, int64_t y1) {  // [y0, y1) x [x0, x1)
    at::Tensor m = at::zeros({kSide, kSide});
    m.slice(0, y0, y1).slice(1, x0, x1).fill_(1);
    return m;
}

drag::DragGeometry pairs(std::vector<std::pair<PointF, PointF>> p) {
    drag::DragGeometry g;
    for (auto& [h, t] : p) g.handles.push_back(h), g.targets.push_back(t);
    return g;
}

// Columns (or rows) where `m` > 0.5: first and one past the last.
std::pair<int64_t, int64_t> extent(const at::Tensor& m, int dim) {
    const at::Tensor any = (m > 0.5).any(1 - dim).nonzero().view(-1);
    REQUIRE(any.numel() > 0);
    return {any.min().item<int64_t>(), any.max().item<int64_t>() + 1};
}

drag::PartWarp only(std::vector<drag::PartWarp> w) {
    REQUIRE(w.size() == 1);
    return w[0];
}

}  // namespace

TEST_CASE("A moved part translates whole, exactly as the cut-and-paste did", "[drag][unit]") {
    const at::Tensor part = rect(8, 8, 14, 14);
    const auto geo = pairs({{{10.5, 10.5}, {17.5, 13.5}}});
    const drag::PartWarp w = only(drag::buildPartWarps({part}, geo, {DragMode::Move}, EditParameters()));
    CHECK(w.mode == DragMode::Move);
    const at::Tensor expected = drag::translate(part.view({1, 1, kSide, kSide}), {7, 3}).view({kSide, kSide});
    CHECK(at::allclose(w.destination, expected, 1e-5, 1e-5));
    CHECK(extent(w.destination, 1) == std::pair<int64_t, int64_t>{15, 21});
}

TEST_CASE("Reshaping pulls one edge and keeps the opposite edge where it was", "[drag][unit]") {
    const at::Tensor part = rect(8, 10, 16, 18);  // x in [8, 16)
    SECTION("outward: the part stretches") {
        const auto geo = pairs({{{15.5, 14}, {21.5, 14}}});
        const drag::PartWarp w = only(drag::buildPartWarps({part}, geo, {DragMode::Reshape}, EditParameters()));
        CHECK(extent(w.destination, 1) == std::pair<int64_t, int64_t>{8, 22});
        CHECK(extent(w.destination, 0) == std::pair<int64_t, int64_t>{10, 18});  // no growth across the drag
    }
    SECTION("inward: the part shrinks towards its far edge") {
        const auto geo = pairs({{{15.5, 14}, {12.5, 14}}});
        const drag::PartWarp w = only(drag::buildPartWarps({part}, geo, {DragMode::Reshape}, EditParameters()));
        CHECK(extent(w.destination, 1) == std::pair<int64_t, int64_t>{8, 13});
    }
    SECTION("the left edge, dragged left") {
        const auto geo = pairs({{{8.5, 14}, {4.5, 14}}});
        const drag::PartWarp w = only(drag::buildPartWarps({part}, geo, {DragMode::Reshape}, EditParameters()));
        CHECK(extent(w.destination, 1) == std::pair<int64_t, int64_t>{4, 16});
    }
}

TEST_CASE("A structure larger than the view deforms only around its handle", "[drag][unit]") {
    // A ridge: rows 16 to 24 across the whole width; its middle is raised by 6.
    const at::Tensor part = rect(0, 16, kSide, 25);
    const auto geo = pairs({{{16, 16.5}, {16, 10.5}}});
    const drag::PartWarp w = only(drag::buildPartWarps({part}, geo, {DragMode::Reshape}, EditParameters()));
    auto top = [&](int64_t column) { return extent(w.destination.select(1, column).view({kSide, 1}), 0).first; };
    CHECK(top(16) <= 11);
    CHECK(top(15) <= 11);
    CHECK(top(0) == 16);
    CHECK(top(kSide - 1) == 16);
    CHECK(top(8) > top(16));  // a smooth peak, not a raised block
    CHECK(top(8) < 16);
    CHECK(extent(w.destination, 0).second == 25);  // the base stays
}

TEST_CASE("Auto mode moves a part grabbed inside and reshapes one grabbed at its edge", "[drag][unit]") {
    const EditParameters prm;
    const at::Tensor disc = rect(8, 8, 20, 20);
    CHECK(drag::resolveMode(disc, {14, 14}, DragMode::Auto, prm) == DragMode::Move);
    CHECK(drag::resolveMode(disc, {19.5, 14}, DragMode::Auto, prm) == DragMode::Reshape);
    CHECK(drag::resolveMode(rect(0, 16, kSide, kSide), {16, 24}, DragMode::Auto, prm) == DragMode::Reshape);
    // What the user asked for wins.
    CHECK(drag::resolveMode(disc, {19.5, 14}, DragMode::Move, prm) == DragMode::Move);
    CHECK(drag::resolveMode(disc, {14, 14}, DragMode::Reshape, prm) == DragMode::Reshape);
    // An object whose outline grazes the border in a pixel or two is still an object.
    at::Tensor grazing = rect(1, 6, 9, 14);
    grazing[9][0] = 1;
    CHECK(drag::resolveMode(grazing, {5, 10}, DragMode::Auto, prm) == DragMode::Move);
}

TEST_CASE("Two pairs on one part scale it; three rotate it", "[drag][unit]") {
    const at::Tensor part = rect(12, 12, 20, 20);  // centre (16, 16), side 8
    SECTION("scale by 1.5 about the centre") {
        const auto geo = pairs({{{12.5, 16}, {10.5, 16}}, {{19.5, 16}, {21.5, 16}}});
        const auto warps = drag::buildPartWarps({part, part}, geo, {DragMode::Auto, DragMode::Auto}, EditParameters());
        const drag::PartWarp w = only(warps);
        CHECK(w.pairs == std::vector<size_t>{0, 1});
        const double area = (w.destination > 0.5).sum().item<double>();
        CHECK(area == Approx(64 * (11.0 / 7) * (11.0 / 7)).epsilon(0.15));
    }
    SECTION("a quarter turn") {
        const auto geo = pairs({{{12.5, 12.5}, {19.5, 12.5}}, {{19.5, 12.5}, {19.5, 19.5}}, {{19.5, 19.5}, {12.5, 19.5}}});
        const drag::PartWarp w = only(drag::buildPartWarps({part, part, part}, geo, std::vector<DragMode>(3, DragMode::Auto),
                                                           EditParameters()));
        CHECK(at::allclose(w.destination, part, 0, 1e-3));  // a square turned about its centre is itself
        // ... and the content turns with it: the top-left corner's latent lands at the top-right.
        at::Tensor z = at::zeros({1, 1, kSide, kSide});
        z[0][0][12][12] = 1;
        const at::Tensor moved = drag::warpThrough(z, w.grid);
        CHECK(moved[0][0][12][19].item<float>() > 0.9);
    }
}

TEST_CASE("Pairs on different parts move them independently", "[drag][unit]") {
    const auto geo = pairs({{{4, 4}, {8, 4}}, {{24, 24}, {24, 20}}});
    const auto warps = drag::buildPartWarps({rect(2, 2, 6, 6), rect(22, 22, 26, 26)}, geo,
                                            {DragMode::Move, DragMode::Move}, EditParameters());
    REQUIRE(warps.size() == 2);
    CHECK(extent(warps[0].destination, 1) == std::pair<int64_t, int64_t>{6, 10});
    CHECK(extent(warps[1].destination, 0) == std::pair<int64_t, int64_t>{18, 22});
}

TEST_CASE("identifyParts resolves each pair's mode and keeps the user's mask", "[drag][unit]") {
    at::Tensor heat = at::zeros({kSide, kSide});
    heat.slice(0, 8, 20).slice(1, 8, 20).fill_(0.9);
    EditParameters prm;
    const auto geo = pairs({{{14, 14}, {18, 14}}});
    drag::PartMove inside = drag::identifyParts({heat}, geo, prm, at::Tensor(), {DragMode::Auto});
    CHECK(inside.modes == std::vector<DragMode>{DragMode::Move});
    drag::PartMove edge = drag::identifyParts({heat}, pairs({{{19.5, 14}, {24, 14}}}), prm, at::Tensor(), {DragMode::Auto});
    CHECK(edge.modes == std::vector<DragMode>{DragMode::Reshape});
    // Pasting only inside the mask: with a mask that excludes everything, nothing changes.
    drag::PartMove masked = drag::identifyParts({heat}, geo, prm, at::zeros({kSide, kSide}), {DragMode::Auto});
    const at::Tensor z = at::rand({1, 4, kSide, kSide});
    CHECK(at::equal(masked.paste(z.clone(), at::rand({1, 4, kSide, kSide})), z));
}
