// The strict metrics pinned on generated cases of every kind: the ideal result is a success, a
// slightly blurred ideal stays one, and the input itself (identity) and a reconstruction-like blur
// of it fail; plus SSIM, ghost and colour shift on pictures with known answers.
#include "support/catch.h"

#include "bench/bench_metrics.h"
#include "bench/bench_strict.h"
#include "scenes/drag_case.h"

#include <opencv2/imgproc.hpp>

using namespace dragdiff;
using namespace dragdiff::bench;
using namespace dragdiff::scenes;

namespace {

constexpr int kSize = 128;
constexpr int kDilation = 5;
constexpr uint64_t kCasesPerKind = 4;

cv::Mat blurred(const cv::Mat& rgb, double sigma) {
    cv::Mat out;
    cv::GaussianBlur(rgb, out, cv::Size(0, 0), sigma);
    return out;
}

}  // namespace

TEST_CASE("strict metrics: the ideal succeeds, identity and a reconstruction fail, for every kind", "[unit][bench]") {
    // 64 px is the embedded model's size (drags of 4-16 px), 128 px a larger one.
    for (int size : {64, kSize})
    for (int k = 0; k < kDragKindCount; ++k) {
        const auto kind = DragKind(k);
        INFO(size << " px");
        int ideal = 0, soft = 0, identity = 0, reconstruction = 0;
        for (uint64_t i = 0; i < kCasesPerKind; ++i) {
            const DragCase c = makeKindCase(kind, 3, i, size);
            INFO(dragKindName(kind) << " case " << i << " (" << c.variant << ")");
            const StrictMetrics m = measureStrict(c.expected.rgb, c, kDilation);
            CHECK(m.found);
            CHECK(m.iou == Approx(1));
            CHECK(m.landmarkRatio == Approx(0).margin(1e-9));
            CHECK(m.ghost == 0);
            CHECK(m.fillError == 0);
            CHECK(m.colourShift == Approx(0).margin(1e-6));
            CHECK(m.psnrIdeal == kPsnrCap);
            CHECK(m.ssimIdeal == Approx(1));
            CHECK(m.seam == Approx(0).margin(1e-6));
            ideal += m.success;
            // "Slightly blurred": what a good decoder would give back.
            const StrictMetrics b = measureStrict(blurred(c.expected.rgb, 0.6), c, kDilation);
            CHECK(b.landmarkRatio < kMaxStrictLandmark);
            CHECK(b.iou > 0.8);  // a limb 3 px wide at 64 px loses its edge pixels
            CHECK(b.fillError < kMaxFillError);
            soft += b.success;
            const StrictMetrics id = measureStrict(c.source.rgb, c, kDilation);
            CHECK(id.landmarkRatio > 0.5);  // nothing moved: about one drag length off
            CHECK(id.backgroundPsnr == kPsnrCap);
            identity += id.success;
            reconstruction += measureStrict(blurred(c.source.rgb, 0.8), c, kDilation).success;
        }
        INFO(dragKindName(kind));
        CHECK(ideal == int(kCasesPerKind));
        CHECK(soft == int(kCasesPerKind));
        CHECK(identity == 0);
        CHECK(reconstruction == 0);
    }
}

TEST_CASE("strict metrics: a move that leaves a ghost, a recoloured subject, a translated stretch", "[unit][bench]") {
    const DragCase c = makeKindCase(DragKind::Move, 3, 1, kSize);
    // Ghost: the ideal with the subject's old pixels pasted back.
    cv::Mat ghosted = c.expected.rgb.clone();
    c.source.rgb.copyTo(ghosted, c.subjectMask);
    const StrictMetrics g = measureStrict(ghosted, c, kDilation);
    CHECK(g.ghost > 0.9);
    CHECK_FALSE(g.success);

    // Colour: the subject's pixels shifted by 12 in every channel (still found by the finder's
    // tolerance or not; either way no success).
    cv::Mat tinted = c.expected.rgb.clone();
    cv::Mat shifted;
    cv::add(c.expected.rgb, cv::Scalar(0, 0, 40), shifted);
    shifted.copyTo(tinted, c.idealMask);
    const StrictMetrics t = measureStrict(tinted, c, kDilation);
    CHECK(t.colourShift > kMaxStrictColourShift);
    CHECK_FALSE(t.success);

    // A stretch answered by translating the whole object: the dragged edge is right, the
    // opposite edge drifts by the drag (the anchor check catches what IoU alone may not).
    for (uint64_t i = 0; i < 4; ++i) {
        const DragCase s = makeKindCase(DragKind::Stretch, 3, i, kSize);
        const cv::Point2f d = s.target - s.handle;
        const cv::Mat shift = (cv::Mat_<double>(2, 3) << 1, 0, d.x, 0, 1, d.y);
        cv::Mat moved = s.source.rgb.clone(), layer, mask, grown, ring;
        cv::warpAffine(s.source.rgb, layer, shift, s.source.rgb.size(), cv::INTER_NEAREST);
        cv::warpAffine(s.subjectMask, mask, shift, s.subjectMask.size(), cv::INTER_NEAREST);
        // The old place filled with the colour around it (a crude inpainting), then the moved object.
        cv::dilate(s.subjectMask, grown, cv::Mat(), cv::Point(-1, -1), 2);
        cv::dilate(grown, ring, cv::Mat(), cv::Point(-1, -1), 2);
        moved.setTo(cv::mean(s.source.rgb, ring & ~grown), grown);
        layer.copyTo(moved, mask);
        const StrictMetrics m = measureStrict(moved, s, kDilation);
        INFO("stretch case " << i << " " << s.variant);
        CHECK(m.anchorDrift > 0.5);
        CHECK_FALSE(m.success);
    }
}

TEST_CASE("strict metrics: a smudge of another colour at the old place is no ghost, but a fill error", "[unit][bench]") {
    for (uint64_t i = 0; i < 3; ++i) {
        const DragCase c = makeKindCase(DragKind::Move, 3, i, kSize);
        INFO("move case " << i);
        // The ideal with the place the subject left half covered by a brown blotch (the model's
        // blend of a subject and its surroundings): not the subject's colour.
        cv::Mat left;
        cv::dilate(c.idealMask, left, cv::Mat(), cv::Point(-1, -1), 2);
        left = (c.subjectMask != 0) & (left == 0);
        REQUIRE(cv::countNonZero(left) > 20);
        cv::Mat smudged = c.expected.rgb.clone(), blotch;
        cv::addWeighted(c.expected.rgb, 0.5, cv::Mat(c.expected.rgb.size(), CV_8UC3, cv::Scalar(120, 90, 60)), 0.5, 0, blotch);
        blotch.copyTo(smudged, left);
        const StrictMetrics m = measureStrict(smudged, c, kDilation);
        CHECK(m.ghost <= kMaxStrictGhost);
        CHECK(m.fillError > kMaxFillError);
        // The identity keeps the subject there: a fill error too.
        CHECK(measureStrict(c.source.rgb, c, kDilation).fillError > kMaxFillError);
        CHECK(summarizeStrict({m, measureStrict(c.expected.rgb, c, kDilation)}, {}).smudgeRate == Approx(0.5));
    }
}

TEST_CASE("strict metrics, a peak raised past its snow line as bare rock is found", "[unit][bench]") {
    // The generator's snow line is an altitude: a peak raised past it grows snow in the ideal. A
    // taller peak of bare rock is the edit asked for, and its rock is not the sky (the bench read
    // it as sky when the layer's only reference was snowy there).
    int checked = 0;
    for (uint64_t i = 0; i < 100 && checked < 3; ++i) {
        const DragCase c = makeKindCase(DragKind::Peak, 1, i, 64);
        if (c.variant != "raise") continue;
        cv::Mat difference, grey;
        cv::absdiff(c.expected.rgb, c.bareLayerReference, difference);
        cv::cvtColor(difference, grey, cv::COLOR_RGB2GRAY);
        const cv::Mat snow = c.idealMask & ~c.subjectMask & (grey > 40);
        if (cv::countNonZero(snow) < 8) continue;
        INFO("peak case " << i);
        cv::Mat rock = c.expected.rgb.clone();
        c.bareLayerReference.copyTo(rock, snow);
        const StrictMetrics m = measureStrict(rock, c, kDilation);
        CHECK(m.landmarkRatio == Approx(0).margin(1e-9));
        CHECK(m.iou > 0.95);
        CHECK(m.anchorDrift == Approx(0).margin(1e-9));
        // The snow it lacks is the colour measure's to see: a large bare top can shift the
        // layer's mean colour past the bound.
        CHECK(m.colourShift > 1);
        CHECK(m.success == (m.colourShift <= kMaxStrictColourShift));
        ++checked;
    }
    CHECK(checked == 3);
}

TEST_CASE("strict metrics, a piece of rock floating above a ridge is not its top", "[unit][bench]") {
    // A snow cap cut off and moved up as an object, or a lowered peak's top left in the sky: the
    // column's topmost rock is not the ridge's top.
    int raised = 0, lowered = 0;
    for (uint64_t i = 0; i < 100 && (raised < 2 || lowered < 2); ++i) {
        const DragCase c = makeKindCase(DragKind::Peak, 1, i, 64);
        const int drag = int(std::lround(std::abs(c.target.y - c.handle.y)));
        if (drag < 7) continue;
        const bool raise = c.variant == "raise";
        if ((raise ? raised : lowered) >= 2) continue;
        INFO("peak case " << i << " " << c.variant);
        // Raised: the source with its top four rows copied up by the drag. Lowered: the ideal
        // with the source's top four rows still where they were.
        const cv::Mat& base = raise ? c.source.rgb : c.expected.rgb;
        const cv::Mat& mask = raise ? c.subjectMask : c.idealMask;
        cv::Mat floated = base.clone();
        const int column = c.landmarks[0].column;
        for (int x = column - 2; x <= column + 2; ++x) {
            const int top = ridgeTop(c.subjectMask, x);
            REQUIRE(top >= 0);
            for (int k = 0; k < 4; ++k) {
                const int from = top + k, to = raise ? top + k - drag : top + k;
                if (to >= 0 && (raise || mask.at<uchar>(to, x) == 0)) floated.at<cv::Vec3b>(to, x) = c.source.rgb.at<cv::Vec3b>(from, x);
            }
        }
        const StrictMetrics m = measureStrict(floated, c, kDilation);
        CHECK(m.landmarkRatio > 0.5);
        CHECK_FALSE(m.success);
        ++(raise ? raised : lowered);
    }
    CHECK(raised == 2);
    CHECK(lowered == 2);
}

TEST_CASE("strict metrics: SSIM and the summary", "[unit][bench]") {
    cv::Mat a(32, 32, CV_8UC3);
    cv::randu(a, cv::Scalar::all(0), cv::Scalar::all(255));
    CHECK(ssim(a, a) == Approx(1));
    cv::Mat b = blurred(a, 2.0);
    CHECK(ssim(a, b) < 0.5);
    CHECK(ssim(a, b) == Approx(ssim(b, a)));

    StrictMetrics good, bad;
    good.found = true, good.success = true, good.iou = 1, good.landmarkRatio = 0.1, good.colourShift = 2, good.backgroundPsnr = 40;
    bad.ghost = 0.5, bad.iou = 0.2, bad.landmarkRatio = 1, bad.backgroundPsnr = 30;
    const StrictSummary s = summarizeStrict({good, bad, good}, {1.0, 2.0, 3.0});
    CHECK(s.cases == 3);
    CHECK(s.successRate == Approx(2.0 / 3));
    CHECK(s.ghostRate == Approx(1.0 / 3));
    CHECK(s.medianIou == 1);
    CHECK(s.medianLandmarkRatio == Approx(0.1));
    CHECK(s.secondsPerEdit == Approx(2));
    CHECK(isStrictSuccess(good));
    CHECK_FALSE(isStrictSuccess(bad));
}
