// How a dragged part moves through the latent: translated whole, reshaped (one edge stretches,
// a peak of a larger structure rises), or carried by a transform of several pairs.
#include "support/catch.h"

#include "drag/displacement.h"
#include "drag/latent_ops.h"
#include "drag/part_move.h"
#include "drag/warp_preview.h"

#include <opencv2/imgproc.hpp>

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

// A grab of `part` as both what moves and what deforms (field by field: -Wmissing-field-initializers).
drag::Grab grabOf(const at::Tensor& part, DragMode mode, bool local = false) {
    drag::Grab g;
    g.part = g.structure = part;
    g.mode = mode;
    g.local = local;
    return g;
}

std::vector<drag::Grab> grabs(const std::vector<at::Tensor>& parts, const std::vector<DragMode>& modes, bool local = false) {
    std::vector<drag::Grab> g;
    for (size_t i = 0; i < parts.size(); ++i) g.push_back(grabOf(parts[i], modes[i], local));
    return g;
}

drag::PartWarp only(std::vector<drag::PartWarp> w) {
    REQUIRE(w.size() == 1);
    return w[0];
}

}  // namespace

TEST_CASE("A moved part translates whole, exactly as the cut-and-paste did", "[drag][unit]") {
    const at::Tensor part = rect(8, 8, 14, 14);
    const auto geo = pairs({{{10.5, 10.5}, {17.5, 13.5}}});
    const drag::PartWarp w = only(drag::buildPartWarps(grabs({part}, {DragMode::Move}), geo, EditParameters()));
    CHECK(w.mode == DragMode::Move);
    const at::Tensor expected = drag::translate(part.view({1, 1, kSide, kSide}), {7, 3}).view({kSide, kSide});
    CHECK(at::allclose(w.destination, expected, 1e-5, 1e-5));
    CHECK(extent(w.destination, 1) == std::pair<int64_t, int64_t>{15, 21});
}

TEST_CASE("Reshaping pulls one edge and keeps the opposite edge where it was", "[drag][unit]") {
    const at::Tensor part = rect(8, 10, 16, 18);  // x in [8, 16)
    SECTION("outward: the part stretches") {
        const auto geo = pairs({{{15.5, 14}, {21.5, 14}}});
        const drag::PartWarp w = only(drag::buildPartWarps(grabs({part}, {DragMode::Reshape}), geo, EditParameters()));
        CHECK(extent(w.destination, 1) == std::pair<int64_t, int64_t>{8, 22});
        CHECK(extent(w.destination, 0) == std::pair<int64_t, int64_t>{10, 18});  // no growth across the drag
    }
    SECTION("inward: the part shrinks towards its far edge") {
        const auto geo = pairs({{{15.5, 14}, {12.5, 14}}});
        const drag::PartWarp w = only(drag::buildPartWarps(grabs({part}, {DragMode::Reshape}), geo, EditParameters()));
        CHECK(extent(w.destination, 1) == std::pair<int64_t, int64_t>{8, 13});
    }
    SECTION("the left edge, dragged left") {
        const auto geo = pairs({{{8.5, 14}, {4.5, 14}}});
        const drag::PartWarp w = only(drag::buildPartWarps(grabs({part}, {DragMode::Reshape}), geo, EditParameters()));
        CHECK(extent(w.destination, 1) == std::pair<int64_t, int64_t>{4, 16});
    }
}

TEST_CASE("A reshaped object's own far edge stays, not the edge of its latent part", "[drag][unit]") {
    // An object of 32 x 32 pixels (latent [8, 16) at 4 pixels per latent pixel); its latent part is
    // grown by a latent pixel, as identifyParts grows it. Its right edge is pulled 24 px right.
    cv::Mat object = cv::Mat::zeros(128, 128, CV_8UC1);
    object(cv::Rect(32, 40, 32, 32)).setTo(1);
    drag::Grab g = grabOf(rect(7, 9, 17, 19), DragMode::Reshape);
    g.region = object;
    const auto geo = pairs({{{15.5, 14}, {21.5, 14}}});
    const drag::PartWarp w = only(drag::buildPartWarps({g}, geo, EditParameters()));
    cv::Mat f;
    object.convertTo(f, CV_32F);
    const at::Tensor warped =
        drag::warpThrough(at::from_blob(f.data, {1, 1, 128, 128}, at::kFloat).clone(), drag::warpGridAt(w, 128, 128))[0][0];
    // The far edge stays within a pixel of where it was (the field is sampled per latent pixel):
    // ramping from the latent part's edge, a latent pixel further out, let it slide 1.5 px, a
    // quarter of a small object's stretch. The dragged edge lands at the target.
    INFO("far edge columns 31-34: " << warped[56][31].item<float>() << " " << warped[56][32].item<float>() << " "
                                     << warped[56][33].item<float>() << " " << warped[56][34].item<float>());
    CHECK(warped[56][31].item<float>() < 0.05f);
    CHECK(warped[56][32].item<float>() > 0.3f);
    CHECK(warped[56][33].item<float>() > 0.95f);
    CHECK(warped[56][86].item<float>() > 0.5f);
    CHECK(warped[56][89].item<float>() < 0.5f);
}

TEST_CASE("Around a boundary the picture deforms near the handle only", "[drag][unit]") {
    // A ridge: rows 16 to the bottom across the whole width; its middle is raised by 6.
    const at::Tensor ridge = rect(0, 16, kSide, kSide);
    const auto geo = pairs({{{16, 16.5}, {16, 10.5}}});
    const drag::PartWarp w = only(drag::buildPartWarps(grabs({ridge}, {DragMode::Reshape}, /*local=*/true), geo, EditParameters()));
    const at::Tensor raised = drag::warpThrough(ridge.view({1, 1, kSide, kSide}), w.grid).view({kSide, kSide});
    auto top = [&](int64_t column) { return extent(raised.select(1, column).view({kSide, 1}), 0).first; };
    CHECK(top(16) <= 11);
    CHECK(top(15) <= 11);
    CHECK(top(0) >= 15);
    CHECK(top(kSide - 1) >= 15);
    CHECK(top(8) > top(16));  // a smooth peak, not a raised block
    CHECK(top(8) < top(0));
    CHECK(extent(raised, 0).second == kSide);  // the base stays
    // The part is where the field reaches: not the corners far from the handle.
    CHECK(w.part[0][0].item<float>() == 0);
    CHECK(w.part[16][16].item<float>() == 1);
}

TEST_CASE("Auto mode moves a part grabbed inside and reshapes one grabbed at its edge", "[drag][unit]") {
    const EditParameters prm;
    cv::Mat disc = cv::Mat::zeros(128, 128, CV_8UC1);
    cv::circle(disc, {50, 60}, 20, cv::Scalar(1), cv::FILLED);
    CHECK(drag::resolveMode(disc, {50, 60}, {70, 60}, DragMode::Auto, prm) == DragMode::Move);
    CHECK(drag::resolveMode(disc, {56, 60}, {56, 45}, DragMode::Auto, prm) == DragMode::Move);
    CHECK(drag::resolveMode(disc, {68, 60}, {80, 60}, DragMode::Auto, prm) == DragMode::Reshape);  // pulled out
    CHECK(drag::resolveMode(disc, {68, 60}, {60, 61}, DragMode::Auto, prm) == DragMode::Reshape);  // pushed in
    CHECK(drag::resolveMode(disc, {60, 60}, {60, 45}, DragMode::Auto, prm) == DragMode::Move);     // near, sideways
    cv::Mat ridge = cv::Mat::zeros(128, 128, CV_8UC1);
    cv::rectangle(ridge, cv::Rect(0, 70, 128, 30), cv::Scalar(1), cv::FILLED);
    CHECK(drag::resolveMode(ridge, {64, 85}, {64, 75}, DragMode::Auto, prm) == DragMode::Reshape);
    // What the user asked for wins.
    CHECK(drag::resolveMode(disc, {68, 60}, {80, 60}, DragMode::Move, prm) == DragMode::Move);
    CHECK(drag::resolveMode(disc, {50, 60}, {70, 60}, DragMode::Reshape, prm) == DragMode::Reshape);
    // An object whose outline grazes the border in a pixel or two is still an object.
    cv::Mat grazing = cv::Mat::zeros(128, 128, CV_8UC1);
    cv::circle(grazing, {20, 40}, 20, cv::Scalar(1), cv::FILLED);
    CHECK(drag::resolveMode(grazing, {20, 40}, {30, 40}, DragMode::Auto, prm) == DragMode::Move);
}

TEST_CASE("Auto mode: a small object is all edge, and an edge dragged far moves its object", "[drag][unit]") {
    const EditParameters prm;
    // At 64 px an object is a few latent pixels across: 2 px inside its edge is on the edge.
    cv::Mat small = cv::Mat::zeros(64, 64, CV_8UC1);
    cv::circle(small, {32, 32}, 5, cv::Scalar(1), cv::FILLED);
    CHECK(drag::resolveMode(small, {34.5, 32.5}, {37.5, 32.5}, DragMode::Auto, prm) == DragMode::Move);  // 3.2 px deep of 5.1
    CHECK(drag::resolveMode(small, {34.5, 32.5}, {37.5, 32.5}, DragMode::Auto, prm, 3.5) == DragMode::Reshape);
    CHECK(drag::resolveMode(small, {32.5, 32.5}, {35.5, 32.5}, DragMode::Auto, prm, 3.0) == DragMode::Move);  // the centre
    // Pulled out by more than reshape_max_stretch of its extent (11 px): moved.
    CHECK(drag::resolveMode(small, {35.5, 32.5}, {45.5, 32.5}, DragMode::Auto, prm, 3.0) == DragMode::Move);
    EditParameters loose = prm;
    loose.reshapeMaxStretch = 2;
    CHECK(drag::resolveMode(small, {35.5, 32.5}, {45.5, 32.5}, DragMode::Auto, loose, 3.0) == DragMode::Reshape);
}

TEST_CASE("Auto mode: a handle at the part's end along the drag pulls that end, off the line through the centre too", "[drag][unit]") {
    const EditParameters prm;
    // A tall bar, 10 px wide: its right end grabbed 6 px below the centre's row and pulled right.
    // The line from the centre meets the drag at 60 degrees (cosine 0.5), past the edge-normal
    // test; a star's or a triangle's end sits so off its centre's line.
    cv::Mat bar = cv::Mat::zeros(64, 64, CV_8UC1);
    cv::rectangle(bar, cv::Rect(20, 10, 10, 40), cv::Scalar(1), cv::FILLED);
    CHECK(drag::resolveMode(bar, {28.5, 36}, {32.5, 36}, DragMode::Auto, prm, 1.5) == DragMode::Reshape);
    CHECK(drag::resolveMode(bar, {28.5, 36}, {24.5, 36}, DragMode::Auto, prm, 1.5) == DragMode::Reshape);  // pushed in
    // Near its edge but dragged along it, far from the bar's ends: moved.
    CHECK(drag::resolveMode(bar, {28.5, 30}, {28.5, 38}, DragMode::Auto, prm, 1.5) == DragMode::Move);
}

TEST_CASE("Auto mode: an edge pushed in deeper than reshape_max_push of the part moves it", "[drag][unit]") {
    const EditParameters prm;
    // A disc 17 px across, grabbed 2 px inside its left edge and dragged right, into it.
    cv::Mat disc = cv::Mat::zeros(64, 64, CV_8UC1);
    cv::circle(disc, {32, 32}, 8, cv::Scalar(1), cv::FILLED);
    CHECK(drag::resolveMode(disc, {26.5, 32.5}, {30.5, 32.5}, DragMode::Auto, prm, 3.0) == DragMode::Reshape);  // 0.24 of it
    CHECK(drag::resolveMode(disc, {26.5, 32.5}, {34.5, 32.5}, DragMode::Auto, prm, 3.0) == DragMode::Move);     // 0.47
    // Pulled out as far, the edge is stretched.
    CHECK(drag::resolveMode(disc, {26.5, 32.5}, {18.5, 32.5}, DragMode::Auto, prm, 3.0) == DragMode::Reshape);
    EditParameters deep = prm;
    deep.reshapeMaxPush = 0.6;
    CHECK(drag::resolveMode(disc, {26.5, 32.5}, {34.5, 32.5}, DragMode::Auto, deep, 3.0) == DragMode::Reshape);
}

TEST_CASE("Auto mode: an edge pulled from a latent pixel or more behind the part's end moves the part", "[drag][unit]") {
    const EditParameters prm;
    // A bar 20 px long and 8 high (pixels 20-39 by 28-35), grabbed near its top and pulled right,
    // along the line from its centre: from 4 px behind its right end's pixel centres (the handle's
    // pixel's centre, 35.5, to 39.5), 4/3 of a 3 px edge band, by 0.35 of its length: moved.
    cv::Mat bar = cv::Mat::zeros(64, 64, CV_8UC1);
    cv::rectangle(bar, cv::Rect(20, 28, 20, 8), cv::Scalar(1), cv::FILLED);
    CHECK(drag::resolveMode(bar, {35, 29}, {42, 29}, DragMode::Auto, prm, 3.0) == DragMode::Move);
    CHECK(drag::resolveMode(bar, {35.9, 29.9}, {42.9, 29.9}, DragMode::Auto, prm, 3.0) == DragMode::Move);  // the same pixel
    // Grabbed 2 px behind the end (as a stretch is), or pulled by no more than 0.3 of the length: stretched.
    CHECK(drag::resolveMode(bar, {37, 29}, {44, 29}, DragMode::Auto, prm, 3.0) == DragMode::Reshape);
    CHECK(drag::resolveMode(bar, {35, 29}, {41, 29}, DragMode::Auto, prm, 3.0) == DragMode::Reshape);
    // A wider edge band (a coarser latent) reaches further in.
    CHECK(drag::resolveMode(bar, {35, 29}, {42, 29}, DragMode::Auto, prm, 3.5) == DragMode::Reshape);
}

TEST_CASE("Auto mode: a part grabbed far out from its centre and dragged along its edge is moved", "[drag][unit]") {
    const EditParameters prm;
    // 2 px inside the left edge of a disc 17 px across, 0.7 of the way out, dragged up: sideways
    // to the edge, so no edge is pulled (a limb's tip is bent by its limb, found before this).
    cv::Mat disc = cv::Mat::zeros(64, 64, CV_8UC1);
    cv::circle(disc, {32, 32}, 8, cv::Scalar(1), cv::FILLED);
    CHECK(drag::resolveMode(disc, {26.5, 32.5}, {26.5, 26.5}, DragMode::Auto, prm, 3.0) == DragMode::Move);
}

TEST_CASE("One pair held inside and one at the edge stretch the part between them", "[drag][unit]") {
    const at::Tensor part = rect(8, 12, 16, 20);  // x in [8, 16), y in [12, 20)
    // The middle (12) moves 2 right, the right edge (16) 4 more: stretched by 1.5 about the
    // middle's new place, the left edge stays at 14 - 1.5 * 4 = 8 and the right reaches 20.
    std::vector<drag::Grab> g = grabs({part, part}, {DragMode::Move, DragMode::Reshape});
    g[0].inside = true;
    const auto geo = pairs({{{12, 16}, {14, 16}}, {{16, 16}, {20, 16}}});
    const drag::PartWarp w = only(drag::buildPartWarps(g, geo, EditParameters()));
    CHECK(extent(w.destination, 1) == std::pair<int64_t, int64_t>{8, 20});
    CHECK(extent(w.destination, 0) == std::pair<int64_t, int64_t>{12, 20});  // its height stays
    // Listed the other way round, the same stretch.
    std::swap(g[0], g[1]);
    const auto swapped = pairs({{{16, 16}, {20, 16}}, {{12, 16}, {14, 16}}});
    const drag::PartWarp v = only(drag::buildPartWarps(g, swapped, EditParameters()));
    CHECK(at::allclose(v.destination, w.destination, 1e-5, 1e-5));
    // Both at the edges: a similarity (the height grows with the width).
    g[0].inside = g[1].inside = false;
    const drag::PartWarp u = only(drag::buildPartWarps(g, swapped, EditParameters()));
    CHECK(extent(u.destination, 0).second - extent(u.destination, 0).first > 8);
}

TEST_CASE("Pairs on one part carry that part, not the structure behind a handle on a boundary", "[drag][unit]") {
    // Two pairs on a small object in front of a ridge; GrabCut gave one handle the whole ridge
    // (a structure past the border: local). The similarity must carry the object, not the ridge.
    const at::Tensor object = rect(12, 12, 16, 16), ridge = rect(0, 10, kSide, 22);
    std::vector<drag::Grab> g = grabs({object, object}, {DragMode::Reshape, DragMode::Reshape});
    g[1].structure = ridge;
    g[1].local = true;
    const auto geo = pairs({{{12.5, 14}, {11.5, 14}}, {{15.5, 14}, {16.5, 14}}});
    const drag::PartWarp w = only(drag::buildPartWarps(g, geo, EditParameters()));
    CHECK(w.part.sum().item<float>() == Approx(16));
    CHECK(w.part[14][2].item<float>() == 0);
}

TEST_CASE("A pair on a limb turns the limb about its joint", "[drag][unit]") {
    // A limb along x from the joint (10, 16) to x = 18; its tip dragged a quarter turn up.
    const at::Tensor limb = rect(10, 15, 18, 17);
    drag::Grab g = grabOf(limb, DragMode::Reshape);
    g.joint = PointF{10, 16};
    const auto geo = pairs({{{17, 16}, {10, 9}}});
    const drag::PartWarp w = only(drag::buildPartWarps({g}, geo, EditParameters()));
    CHECK(w.mode == DragMode::Reshape);
    // The limb now stands up from the joint: rows 8..16 of columns 9..11, nothing left lying right.
    CHECK(extent(w.destination, 0).first <= 9);
    CHECK(extent(w.destination, 1).second <= 12);
    CHECK(w.destination[12][10].item<float>() > 0.5);
    CHECK(w.destination[16][16].item<float>() < 0.5);
    // The output at the target reads the source at the handle.
    const at::Tensor src = w.grid[0][9][10];
    CHECK(((src[0].item<float>() + 1) / 2 * kSide) == Approx(17.0).margin(0.6));
    CHECK(((src[1].item<float>() + 1) / 2 * kSide) == Approx(16.0).margin(0.6));
}

TEST_CASE("Two pairs on one part scale it, three rotate it", "[drag][unit]") {
    const at::Tensor part = rect(12, 12, 20, 20);  // centre (16, 16), side 8
    SECTION("scale by 1.5 about the centre") {
        const auto geo = pairs({{{12.5, 16}, {10.5, 16}}, {{19.5, 16}, {21.5, 16}}});
        const auto warps = drag::buildPartWarps(grabs({part, part}, {DragMode::Move, DragMode::Move}), geo, EditParameters());
        const drag::PartWarp w = only(warps);
        CHECK(w.pairs.size() == 2);
        const double area = (w.destination > 0.5).sum().item<double>();
        CHECK(area == Approx(64 * (11.0 / 7) * (11.0 / 7)).epsilon(0.15));
    }
    SECTION("a quarter turn") {
        const auto geo = pairs({{{12.5, 12.5}, {19.5, 12.5}}, {{19.5, 12.5}, {19.5, 19.5}}, {{19.5, 19.5}, {12.5, 19.5}}});
        const drag::PartWarp w = only(drag::buildPartWarps(grabs({part, part, part}, std::vector<DragMode>(3, DragMode::Move)), geo,
                                                           EditParameters()));
        CHECK(at::allclose(w.destination, part, 0, 1e-3));  // a square turned about its centre is itself
        // ... and the content turns with it: the top-left corner's latent lands at the top-right.
        at::Tensor z = at::zeros({1, 1, kSide, kSide});
        z[0][0][12][12] = 1;
        const at::Tensor moved = drag::warpThrough(z, w.grid);
        CHECK(moved[0][0][12][19].item<float>() > 0.9);
    }
}

TEST_CASE("Two pairs at opposite corners of one object scale it together, though their parts do not touch",
          "[drag][unit]") {
    // One object, latent [8, 16) x [8, 16) at 4 pixels per latent pixel; each handle's heatmap part
    // is its own corner. GrabCut found the same object for both: the pairs scale it about its
    // centre, 1.5x both ways (one by one, each corner stretched it along the diagonal).
    cv::Mat object = cv::Mat::zeros(128, 128, CV_8UC1);
    object(cv::Rect(32, 32, 32, 32)).setTo(1);
    drag::Grab a = grabOf(rect(8, 8, 10, 10), DragMode::Reshape), b = grabOf(rect(14, 14, 16, 16), DragMode::Reshape);
    a.region = b.region = object;
    const auto geo = pairs({{{8.5, 8.5}, {6.5, 6.5}}, {{15.5, 15.5}, {17.5, 17.5}}});
    const drag::PartWarp w = only(drag::buildPartWarps({a, b}, geo, EditParameters()));
    CHECK(w.pairs.size() == 2);
    CHECK(extent(w.destination, 1) == std::pair<int64_t, int64_t>{6, 18});
    CHECK(extent(w.destination, 0) == std::pair<int64_t, int64_t>{6, 18});
    // Different objects: each pair on its own.
    cv::Mat other = cv::Mat::zeros(128, 128, CV_8UC1);
    other(cv::Rect(96, 96, 16, 16)).setTo(1);
    b.region = other;
    CHECK(drag::buildPartWarps({a, b}, geo, EditParameters()).size() == 2);
}

TEST_CASE("Pairs on different parts move them independently", "[drag][unit]") {
    const auto geo = pairs({{{4, 4}, {8, 4}}, {{24, 24}, {24, 20}}});
    const auto warps = drag::buildPartWarps(grabs({rect(2, 2, 6, 6), rect(22, 22, 26, 26)}, {DragMode::Move, DragMode::Move}), geo,
                                            EditParameters());
    REQUIRE(warps.size() == 2);
    CHECK(extent(warps[0].destination, 1) == std::pair<int64_t, int64_t>{6, 10});
    CHECK(extent(warps[1].destination, 0) == std::pair<int64_t, int64_t>{18, 22});
}

TEST_CASE("A mountain grabbed well under its peak and dragged up grows at its crest, never lifts off the ground",
          "[drag][unit]") {
    // 64 px, 4 pixels per latent pixel: sky, a grey mountain range standing on green grass that
    // reaches the picture's sides, its peak's apex at (32, 12). The handle is 14 px under the apex,
    // further than an edge push reaches from the handle itself.
    cv::Mat picture(64, 64, CV_32FC3, cv::Scalar(0.35, 0.55, 0.9));
    const std::vector<cv::Point> range{{4, 44}, {4, 22}, {20, 22}, {32, 12}, {44, 22}, {60, 22}, {60, 44}};
    cv::fillPoly(picture, std::vector<std::vector<cv::Point>>{range}, cv::Scalar(0.45, 0.45, 0.5));
    cv::rectangle(picture, cv::Rect(0, 44, 64, 20), cv::Scalar(0.2, 0.6, 0.2), cv::FILLED);
    at::Tensor heat = at::zeros({16, 16});
    heat.slice(0, 4, 9).slice(1, 6, 11).fill_(0.9);
    const auto geo = pairs({{{8, 6.5}, {8, 4.5}}});  // (32, 26) -> (32, 18) in pixels
    const drag::PartMove move = drag::identifyParts({heat}, geo, EditParameters(), at::Tensor(), {DragMode::Auto}, picture, 4);
    REQUIRE(move.modes.size() == 1);
    CHECK(move.modes[0] == DragMode::Reshape);
    REQUIRE(move.warps.size() == 1);
    REQUIRE(move.warps[0].boundary.has_value());
    const drag::BoundaryWarp& edge = *move.warps[0].boundary;
    // The apex's column is pushed up by the drag; the grass, the range's base and its far ends stay.
    CHECK(edge.zone.at<uint8_t>(10, 32) != 0);
    CHECK(edge.source.at<cv::Vec2f>(6, 32)[1] > 10.f);  // 6 px above the apex reads from the mountain
    for (const cv::Point p : {cv::Point(32, 50), cv::Point(32, 43), cv::Point(6, 30), cv::Point(58, 30)})
        CHECK(edge.zone.at<uint8_t>(p) == 0);
}

TEST_CASE("identifyParts resolves each pair's mode and keeps the user's mask", "[drag][unit]") {
    at::Tensor heat = at::zeros({kSide, kSide});
    heat.slice(0, 8, 20).slice(1, 8, 20).fill_(0.9);
    EditParameters prm;
    const auto geo = pairs({{{14, 14}, {18, 14}}});
    drag::PartMove inside = drag::identifyParts({heat}, geo, prm, at::Tensor(), {DragMode::Auto});
    REQUIRE(inside.modes.size() == 1);
    CHECK(inside.modes[0] == DragMode::Move);
    drag::PartMove edge = drag::identifyParts({heat}, pairs({{{19.5, 14}, {24, 14}}}), prm, at::Tensor(), {DragMode::Auto});
    REQUIRE(edge.modes.size() == 1);
    CHECK(edge.modes[0] == DragMode::Reshape);
    // Pasting only inside the mask: with a mask that excludes everything, nothing changes.
    drag::PartMove masked = drag::identifyParts({heat}, geo, prm, at::zeros({kSide, kSide}), {DragMode::Auto});
    const at::Tensor z = at::rand({1, 4, kSide, kSide});
    CHECK(at::equal(masked.paste(z.clone(), at::rand({1, 4, kSide, kSide})), z));
}

TEST_CASE("two pairs on a small object, one at its middle and one at its edge, stretch it", "[drag][unit]") {
    // Both handles are within the edge band of a small disc (neither is 'inside'), but one holds
    // its middle: the group moves with it and stretches along the line to the other, as when one
    // handle is deep inside a large object.
    drag::Grab middle, edge;
    middle.part = edge.part = at::zeros({16, 16});
    middle.part.slice(0, 6, 10).slice(1, 6, 10).fill_(1);
    edge.part = middle.part.clone();
    middle.structure = middle.part;
    edge.structure = edge.part;
    middle.mode = edge.mode = DragMode::Reshape;
    middle.depth = 1.0;
    edge.depth = 0.1;
    drag::DragGeometry geo;
    geo.handles = {{8, 8}, {10, 8}};
    geo.targets = {{8, 8}, {13, 8}};  // the middle stays, the right edge goes 3 px right
    const auto warps = drag::buildPartWarps({middle, edge}, geo, EditParameters());
    REQUIRE(warps.size() == 1);
    // Stretched along x only; the similarity would have grown it as much across.
    const at::Tensor g = warps[0].grid[0];
    auto sourceOf = [&](int y, int x) {  // grid -> source pixel coordinates
        return std::pair<double, double>{(g[y][x][0].item<double>() + 1) / 2 * 16, (g[y][x][1].item<double>() + 1) / 2 * 16};
    };
    const auto [sx, sy] = sourceOf(11, 13);  // output (13.5, 11.5) reads, stretched 2.5x about x = 8, ...
    CHECK(sx == Approx(10.2).margin(0.3));   // ... from x = 8 + 5.5 / 2.5
    CHECK(sy == Approx(11.5).margin(0.3));   // ... at the same height (the similarity: 8 + 3.5 / 2.5 = 9.4)
}

TEST_CASE("two pairs on a star as deep at its middle as at its arms: the middle holds, the other stretches", "[drag][unit]") {
    // A small star's middle is no deeper than its arms' roots (relative depth 0.75 for both
    // handles of the bench's move + stretch case, seed 3 multi 3): told apart by how far each is
    // from the centroid, the group moves with the middle and stretches towards the other; by the
    // depths alone it was scaled 1.5x in both directions.
    cv::Mat star = cv::Mat::zeros(16, 16, CV_8UC1);
    cv::circle(star, cv::Point(8, 8), 4, cv::Scalar(1), cv::FILLED);
    CHECK(drag::centrality(star, {8.5, 8.5}) < 0.1);
    CHECK(drag::centrality(star, {8.5, 10.5}) == Approx(0.5).margin(0.1));
    CHECK(drag::centrality(cv::Mat::zeros(16, 16, CV_8UC1), {8, 8}) == 1);

    drag::Grab middle, arm;
    middle.part = at::zeros({16, 16});
    middle.part.slice(0, 6, 10).slice(1, 6, 10).fill_(1);
    arm.part = middle.part.clone();
    middle.structure = middle.part;
    arm.structure = arm.part;
    middle.mode = arm.mode = DragMode::Reshape;
    middle.depth = arm.depth = 0.75;
    middle.offCentre = 0.05;
    arm.offCentre = 0.45;
    drag::DragGeometry geo;
    geo.handles = {{8, 10}, {8, 8}};  // the arm first: the order must not matter
    geo.targets = {{8, 13}, {8, 8}};  // the middle stays, the lower arm goes 3 px down
    const auto warps = drag::buildPartWarps({arm, middle}, geo, EditParameters());
    REQUIRE(warps.size() == 1);
    const at::Tensor g = warps[0].grid[0];
    // Output (13.5, 11.5) reads, stretched 2.5x along y about y = 8, from y = 8 + 3.5 / 2.5 = 9.4 at
    // the same x (the similarity would read x = 8 + 5.5 / 2.5 = 10.2).
    CHECK((g[11][13][0].item<double>() + 1) / 2 * 16 == Approx(13.5).margin(0.3));
    CHECK((g[11][13][1].item<double>() + 1) / 2 * 16 == Approx(9.4).margin(0.3));
}

TEST_CASE("a group of pairs carries the object's own pixels even when one handle is on a boundary", "[drag][unit]") {
    // One handle on a small star, one on the ridge line behind it (a boundary: no object of its
    // own). The star's pixels are what the result shows moved; without them the model's decode of
    // the whole latent part was shown, smearing the sky around the star.
    drag::Grab star, ridge;
    star.part = at::zeros({16, 16});
    star.part.slice(0, 6, 10).slice(1, 6, 10).fill_(1);
    ridge.part = star.part.clone();
    star.structure = ridge.structure = star.part;
    star.mode = ridge.mode = DragMode::Reshape;
    star.region = cv::Mat::zeros(64, 64, CV_8UC1);
    cv::circle(star.region, cv::Point(32, 32), 7, cv::Scalar(1), cv::FILLED);
    ridge.local = true;
    drag::DragGeometry geo;
    geo.handles = {{8, 8}, {9.5, 8}};
    geo.targets = {{10, 8}, {12.5, 8}};
    const auto warps = drag::buildPartWarps({star, ridge}, geo, EditParameters());
    REQUIRE(warps.size() == 1);
    REQUIRE_FALSE(warps[0].pixels.empty());
    CHECK(cv::countNonZero(warps[0].pixels) == cv::countNonZero(star.region));
}
