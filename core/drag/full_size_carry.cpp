#include "drag/full_size_carry.h"

#include "drag/latent_ops.h"
#include "drag/warp_preview.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace dragdiff::drag {
namespace {

// A map of any resolution that covers the working frame (CV_8UC1, CV_32FC1 or CV_32FC2), sampled
// bilinearly at the full-size pixels of `roi` (`frameWidth` full-size pixels span the frame).
cv::Mat sampledOver(const cv::Mat& map, int frameWidth, const cv::Rect& roi) {
    const double r = double(map.cols) / frameWidth;
    const cv::Matx23d m(r, 0, (roi.x + 0.5) * r - 0.5, 0, r, (roi.y + 0.5) * r - 0.5);
    cv::Mat out;
    cv::warpAffine(map, out, m, roi.size(), cv::INTER_LINEAR | cv::WARP_INVERSE_MAP, cv::BORDER_REPLICATE);
    return out;
}

// A warp's field over `roi`: for each of its pixels, where it reads, in `roi`'s pixel coordinates
// (CV_32FC2, centres at integers, as cv::remap takes them).
cv::Mat sourceMapOver(const PartWarp& warp, cv::Size working, const cv::Size& frame, const cv::Rect& roi) {
    const at::Tensor g = warpGridAt(warp, working.height, working.width).contiguous();  // normalised
    const cv::Mat normalised(int(g.size(1)), int(g.size(2)), CV_32FC2, g.data_ptr<float>());
    cv::Mat map = sampledOver(normalised, frame.width, roi);
    for (int y = 0; y < map.rows; ++y)
        for (cv::Vec2f& p : cv::Mat_<cv::Vec2f>(map.row(y)))
            p = cv::Vec2f(float(((p[0] + 1) * frame.width - 1) / 2 - roi.x), float(((p[1] + 1) * frame.height - 1) / 2 - roi.y));
    return map;
}

// Binary (CV_8UC1) -> a soft alpha (CV_32FC1) like a picture's own anti-aliasing.
cv::Mat softAlpha(const cv::Mat& binary) {
    cv::Mat f;
    cv::Mat(binary > 0).convertTo(f, CV_32F, 1.0 / 255.0);
    cv::GaussianBlur(f, f, cv::Size(0, 0), 0.7);
    return f;
}

// Pixels within `radius` of a non-zero pixel of `binary` (CV_8UC1, 255 there).
cv::Mat grown(const cv::Mat& binary, double radius) {
    cv::Mat distance;
    cv::distanceTransform(binary == 0, distance, cv::DIST_L2, cv::DIST_MASK_5);
    return distance <= radius;
}

// A working-size outline at full size over `roi` (CV_8UC1, 255 inside): upsampled, then each pixel
// within `band` of its edge given to the side whose nearby colours it is closer to. The upsampled
// outline alone cut into the object where the working size had lost a highlight, and was off its
// real edge by up to a working pixel.
cv::Mat refinedOutline(const cv::Mat& pixels, int frameWidth, const cv::Rect& roi, const cv::Mat& picture, double band) {
    cv::Mat f;
    pixels.convertTo(f, CV_32F);
    const cv::Mat inside = sampledOver(f, frameWidth, roi) >= 0.5f;
    const cv::Mat sureIn = grown(inside == 0, band) == 0, sureOut = grown(inside, band) == 0;
    // Local mean colours of the sure inside and the sure outside, over twice the band: smooth at
    // that scale, so computed on a copy reduced to a few pixels per band and scaled back.
    const double reduce = std::max(1.0, band / 3.0);
    const cv::Size small(std::max(1, int(std::lround(picture.cols / reduce))), std::max(1, int(std::lround(picture.rows / reduce))));
    cv::Mat pictureSmall;
    cv::resize(picture, pictureSmall, small, 0, 0, cv::INTER_AREA);
    auto localMean = [&](const cv::Mat& sure, cv::Mat& mean, cv::Mat& weight) {
        cv::Mat w, w3, sum, weight3, smallMean, smallWeight;
        sure.convertTo(w, CV_32F, 1.0 / 255.0);
        cv::resize(w, w, small, 0, 0, cv::INTER_AREA);
        cv::merge(std::vector<cv::Mat>{w, w, w}, w3);
        const int k = 2 * int(std::ceil(2 * band / reduce)) + 1;
        cv::boxFilter(pictureSmall.mul(w3), sum, CV_32F, cv::Size(k, k), cv::Point(-1, -1), false);
        cv::boxFilter(w, smallWeight, CV_32F, cv::Size(k, k), cv::Point(-1, -1), true);
        cv::Mat count;
        cv::boxFilter(w, count, CV_32F, cv::Size(k, k), cv::Point(-1, -1), false);
        cv::merge(std::vector<cv::Mat>{count, count, count}, weight3);
        cv::divide(sum, cv::max(weight3, 1e-6), smallMean);
        cv::resize(smallMean, mean, picture.size(), 0, 0, cv::INTER_LINEAR);
        cv::resize(smallWeight, weight, picture.size(), 0, 0, cv::INTER_LINEAR);
    };
    cv::Mat meanIn, meanOut, weightIn, weightOut;
    localMean(sureIn, meanIn, weightIn);
    localMean(sureOut, meanOut, weightOut);
    cv::Mat result = inside.clone();
    for (int y = 0; y < result.rows; ++y)
        for (int x = 0; x < result.cols; ++x) {
            if (sureIn.at<uint8_t>(y, x) || sureOut.at<uint8_t>(y, x)) continue;
            if (weightIn.at<float>(y, x) < 0.02f || weightOut.at<float>(y, x) < 0.02f) continue;
            const cv::Vec3f c = picture.at<cv::Vec3f>(y, x);
            result.at<uint8_t>(y, x) =
                cv::norm(c - meanIn.at<cv::Vec3f>(y, x)) <= cv::norm(c - meanOut.at<cv::Vec3f>(y, x)) ? 255 : 0;
        }
    return result;
}

// The bounding box, at working size, of everything the warps read or write, a few pixels wider.
cv::Rect workingExtent(const PartMove& move, cv::Size working) {
    cv::Mat touched = cv::Mat::zeros(working, CV_8UC1);
    for (const PartWarp& warp : move.warps) {
        cv::Mat part = warp.pixels;
        if (part.empty()) {
            cv::Mat latent = binaryMat(warp.part), up;
            cv::resize(latent, up, working, 0, 0, cv::INTER_NEAREST);
            part = up;
        }
        touched |= part;
        if (!warp.stays.empty()) touched |= warp.stays;
        // Where each pixel of the part lands; a pushed edge's zone also reads from around it.
        const at::Tensor g = warpGridAt(warp, working.height, working.width).contiguous();
        const cv::Mat normalised(int(g.size(1)), int(g.size(2)), CV_32FC2, g.data_ptr<float>());
        for (int y = 0; y < working.height; ++y)
            for (int x = 0; x < working.width; ++x) {
                const cv::Vec2f p = normalised.at<cv::Vec2f>(y, x);
                const double sx = ((p[0] + 1) * working.width - 1) / 2, sy = ((p[1] + 1) * working.height - 1) / 2;
                if (std::hypot(sx - x, sy - y) < 0.05) continue;
                const int ix = std::clamp(int(std::lround(sx)), 0, working.width - 1);
                const int iy = std::clamp(int(std::lround(sy)), 0, working.height - 1);
                if (part.at<uint8_t>(iy, ix)) touched.at<uint8_t>(y, x) = 1;
                if (warp.boundary && warp.pixels.at<uint8_t>(y, x)) touched.at<uint8_t>(iy, ix) = 1;
            }
    }
    std::vector<cv::Point> points;
    cv::findNonZero(touched, points);
    if (points.empty()) return {};
    const cv::Rect box = cv::boundingRect(points);
    constexpr int kMargin = 4;
    return cv::Rect(box.x - kMargin, box.y - kMargin, box.width + 2 * kMargin, box.height + 2 * kMargin) &
           cv::Rect(0, 0, working.width, working.height);
}

}  // namespace

RgbaImage carryAtOriginalSize(const RgbaImage& composited, const RgbaImage& original, const WorkingImage& work,
                              const PartMove& move, const Mask* limit) {
    if (work.scale >= 1.0 || move.warps.empty()) return composited;
    const double f = 1.0 / work.scale;  // full-size pixels per working pixel
    const cv::Size working = work.rgb.size();
    const cv::Size frame(int(std::lround(working.width * f)), int(std::lround(working.height * f)));
    const cv::Rect w = workingExtent(move, working);
    const cv::Rect roi = cv::Rect(int(std::floor(w.x * f)), int(std::floor(w.y * f)), int(std::ceil(w.width * f)),
                                  int(std::ceil(w.height * f))) &
                         cv::Rect(0, 0, original.width, original.height);
    if (roi.empty()) return composited;
    cv::Mat picture, out;
    rgbOf(original)(roi).convertTo(picture, CV_32FC3, 1.0 / 255.0);
    cv::Mat result = rgbOf(composited);
    result(roi).convertTo(out, CV_32FC3, 1.0 / 255.0);
    cv::Mat allowed = cv::Mat::ones(roi.size(), CV_32F), touched = cv::Mat::zeros(roi.size(), CV_32F);
    if (limit && !limit->empty()) {
        const cv::Mat m(limit->height, limit->width, CV_8UC1, const_cast<uint8_t*>(limit->values.data()));
        cv::Mat(m(roi) > 0).convertTo(allowed, CV_32F, 1.0 / 255.0);
    }
    auto paste = [&](const cv::Mat& pixels, const cv::Mat& alpha) {
        for (int y = 0; y < out.rows; ++y) {
            const float* a = alpha.ptr<float>(y);
            const float* ok = allowed.ptr<float>(y);
            const cv::Vec3f* p = pixels.ptr<cv::Vec3f>(y);
            cv::Vec3f* o = out.ptr<cv::Vec3f>(y);
            float* t = touched.ptr<float>(y);
            for (int x = 0; x < out.cols; ++x) {
                const float m = a[x] * ok[x];
                if (m <= 0) continue;
                o[x] = o[x] * (1 - m) + p[x] * m;
                t[x] = std::max(t[x], m);
            }
        }
    };
    const double band = std::ceil(f) + 1;
    std::vector<cv::Mat> outlines(move.warps.size()), sources(move.warps.size());
    for (size_t i = 0; i < move.warps.size(); ++i) {
        const PartWarp& warp = move.warps[i];
        if (!warp.pixels.empty()) outlines[i] = refinedOutline(warp.pixels, frame.width, roi, picture, band);
        sources[i] = sourceMapOver(warp, working, frame, roi);
    }
    auto pulled = [&](const cv::Mat& image, size_t i, int interpolation) {
        cv::Mat moved;
        cv::remap(image, moved, sources[i], cv::noArray(), interpolation, cv::BORDER_REPLICATE);
        return moved;
    };

    // Around where an object lands the working-size result shows the decoder's colours for a
    // working pixel or two (its rim, feathered); at full size that ring is several pixels wide and
    // dark. The picture's own pixels are the right background there, except where the object was.
    for (size_t i = 0; i < move.warps.size(); ++i) {
        if (outlines[i].empty() || move.warps[i].boundary) continue;
        const cv::Mat landed = pulled(outlines[i], i, cv::INTER_NEAREST);
        paste(picture, softAlpha(grown(landed, 3 * f) & (grown(outlines[i], 3 * f) == 0)));
    }
    for (const PartWarp& warp : move.warps)
        if (!warp.stays.empty()) paste(picture, softAlpha(refinedOutline(warp.stays, frame.width, roi, picture, band)));
    for (size_t i = 0; i < move.warps.size(); ++i) {
        const PartWarp& warp = move.warps[i];
        cv::Mat carried;
        if (!outlines[i].empty()) {
            carried = softAlpha(outlines[i]);
        } else {
            const at::Tensor p = warp.part.detach().to(at::kCPU, at::kFloat).contiguous();
            carried = sampledOver(cv::Mat(int(p.size(0)), int(p.size(1)), CV_32FC1, p.data_ptr<float>()).clone(),
                                  frame.width, roi);
        }
        // A pushed edge resamples its whole zone; an object lands where its outline goes.
        paste(pulled(picture, i, cv::INTER_LINEAR), warp.boundary ? carried : pulled(carried, i, cv::INTER_LINEAR));
    }
    // Only what a carried object touched is written: everything else keeps its exact bytes.
    cv::Mat out8;
    out.convertTo(out8, CV_8UC3, 255.0);
    cv::Mat region = result(roi);
    out8.copyTo(region, touched > 1e-3f);
    return toRgba(result, &composited);
}

}  // namespace dragdiff::drag
