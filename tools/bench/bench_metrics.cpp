#include "bench/bench_metrics.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace dragdiff::bench {
namespace {

// CV_32FC3 Lab (L 0..100) of an 8-bit RGB image.
cv::Mat toLab(const cv::Mat& rgb) {
    CV_Assert(rgb.type() == CV_8UC3);
    cv::Mat f, lab;
    rgb.convertTo(f, CV_32FC3, 1.0 / 255.0);
    cv::cvtColor(f, lab, cv::COLOR_RGB2Lab);
    return lab;
}

// CV_32FC1: each pixel's Lab distance to `colour`.
cv::Mat labDistance(const cv::Mat& lab, const cv::Vec3f& colour) {
    cv::Mat diff = lab - cv::Scalar(colour[0], colour[1], colour[2]);
    cv::Mat sq;
    cv::multiply(diff, diff, sq);
    cv::Mat channels[3];
    cv::split(sq, channels);
    cv::Mat d;
    cv::sqrt(channels[0] + channels[1] + channels[2], d);
    return d;
}

double percentile(std::vector<float> values, double p) {
    if (values.empty()) return 0;
    const size_t k = std::min(values.size() - 1, size_t(std::floor(p * double(values.size() - 1) + 0.5)));
    std::nth_element(values.begin(), values.begin() + std::ptrdiff_t(k), values.end());
    return values[k];
}

std::vector<float> valuesWhere(const cv::Mat& values, const cv::Mat& where) {
    std::vector<float> out;
    for (int y = 0; y < values.rows; ++y)
        for (int x = 0; x < values.cols; ++x)
            if (where.at<uint8_t>(y, x)) out.push_back(values.at<float>(y, x));
    return out;
}

cv::Mat dilated(const cv::Mat& mask, int radius) {
    if (radius <= 0) return mask.clone();
    cv::Mat out;
    cv::dilate(mask, out, cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * radius + 1, 2 * radius + 1)));
    return out;
}

}  // namespace

SubjectColour learnSubjectColour(const cv::Mat& rgb, const cv::Mat& mask, const cv::Mat& surroundings) {
    CV_Assert(mask.type() == CV_8UC1 && mask.size() == rgb.size());
    const cv::Mat lab = toLab(rgb);
    SubjectColour c;
    const cv::Scalar mean = cv::mean(lab, mask);
    c.lab = cv::Vec3f(float(mean[0]), float(mean[1]), float(mean[2]));
    const cv::Mat distance = labDistance(lab, c.lab);
    c.spread = percentile(valuesWhere(distance, mask), 0.9);
    cv::Mat around = surroundings;
    if (around.empty()) around = ~dilated(mask, 1);
    const std::vector<float> background = valuesWhere(distance, around);
    c.contrast = background.empty() ? 2 * c.spread : percentile(background, kContrastPercentile);
    c.tolerance = c.contrast > c.spread ? c.spread + kToleranceFraction * (c.contrast - c.spread) : c.spread;
    c.tolerance = std::max(c.tolerance, kMinColourTolerance);
    return c;
}

cv::Mat colourMatches(const cv::Mat& rgb, const SubjectColour& colour) {
    return labDistance(toLab(rgb), colour.lab) <= colour.tolerance;
}

FoundSubject findSubject(const cv::Mat& rgb, const SubjectColour& colour, const cv::Mat& ignore, int minArea) {
    cv::Mat near = colourMatches(rgb, colour);
    if (!ignore.empty()) near.setTo(0, ignore);
    cv::Mat labels, stats, centroids;
    const int n = cv::connectedComponentsWithStats(near, labels, stats, centroids, 8, CV_32S);
    int best = 0, bestArea = 0;
    for (int i = 1; i < n; ++i) {
        const int area = stats.at<int>(i, cv::CC_STAT_AREA);
        if (area > bestArea) best = i, bestArea = area;
    }
    FoundSubject f;
    if (best == 0 || bestArea < std::max(1, minArea)) return f;
    f.found = true;
    f.area = bestArea;
    f.centroid = cv::Point2d(centroids.at<double>(best, 0), centroids.at<double>(best, 1));
    f.mask = labels == best;
    return f;
}

double regionPsnr(const cv::Mat& a, const cv::Mat& b, const cv::Mat& region) {
    CV_Assert(a.type() == CV_8UC3 && b.type() == CV_8UC3 && a.size() == b.size());
    CV_Assert(region.type() == CV_8UC1 && region.size() == a.size());
    double sum = 0;
    int64_t count = 0;
    for (int y = 0; y < a.rows; ++y) {
        const auto* pa = a.ptr<cv::Vec3b>(y);
        const auto* pb = b.ptr<cv::Vec3b>(y);
        const auto* pr = region.ptr<uint8_t>(y);
        for (int x = 0; x < a.cols; ++x) {
            if (!pr[x]) continue;
            for (int k = 0; k < 3; ++k) {
                const double d = double(pa[x][k]) - double(pb[x][k]);
                sum += d * d;
            }
            count += 3;
        }
    }
    if (count == 0 || sum == 0) return kPsnrCap;
    const double mse = sum / double(count);
    return std::min(kPsnrCap, 10.0 * std::log10(255.0 * 255.0 / mse));
}

bool isSuccess(double mdRatio, double areaRatio, double backgroundPsnr) {
    return mdRatio <= kMaxSuccessMdRatio && areaRatio >= kMinSuccessAreaRatio && areaRatio <= kMaxSuccessAreaRatio &&
           backgroundPsnr >= kMinSuccessBackgroundPsnr;
}

DragMetrics measureDrag(const cv::Mat& result, const DragTruth& truth) {
    CV_Assert(result.type() == CV_8UC3 && result.size() == truth.input.size());
    CV_Assert(truth.subjectMask.size() == truth.input.size() && truth.expectedMask.size() == truth.input.size());
    const cv::Mat subject = truth.subjectMask != 0, expected = truth.expectedMask != 0;
    const int ring = std::max(3, int(std::lround(0.05 * std::max(truth.input.cols, truth.input.rows))));
    cv::Mat surroundings = dilated(subject | expected, ring) & ~dilated(subject, 1);
    if (!truth.othersMask.empty()) surroundings &= ~dilated(truth.othersMask != 0, 1);

    DragMetrics m;
    const SubjectColour colour = learnSubjectColour(truth.input, subject, surroundings);
    m.tolerance = colour.tolerance;
    // Distractors: the colour where the subject is not; ignored in the result except at the destination.
    const cv::Mat distractors = colourMatches(truth.input, colour) & ~dilated(subject, 1);
    const cv::Mat ignore = distractors & ~dilated(expected, 1);
    // The reference: the same finder on the input (falls back to the mask's own moments).
    const FoundSubject before = findSubject(truth.input, colour, ignore);
    cv::Point2d oldCentroid;
    double oldArea = 0;
    if (before.found) {
        oldCentroid = before.centroid;
        oldArea = before.area;
    } else {
        const cv::Moments mo = cv::moments(subject, true);
        oldCentroid = mo.m00 > 0 ? cv::Point2d(mo.m10 / mo.m00, mo.m01 / mo.m00) : cv::Point2d();
        oldArea = mo.m00;
    }
    const cv::Point2d drag = truth.target - truth.handle;
    const double dragDistance = std::max(1e-9, std::hypot(drag.x, drag.y));
    m.expectedCentroid = oldCentroid + drag;

    const FoundSubject after = findSubject(result, colour, ignore);
    m.found = after.found;
    if (after.found) {
        m.foundCentroid = after.centroid;
        m.foundMask = after.mask;
        m.md = std::hypot(after.centroid.x - m.expectedCentroid.x, after.centroid.y - m.expectedCentroid.y);
        m.mdRatio = m.md / dragDistance;
        m.areaRatio = oldArea > 0 ? double(after.area) / oldArea : 0;
    } else {
        m.md = dragDistance;
        m.mdRatio = 1;
        m.areaRatio = 0;
    }
    const cv::Mat background = ~dilated(subject | expected, truth.dilation);
    m.backgroundPsnr = regionPsnr(result, truth.input, background);
    m.success = m.found && isSuccess(m.mdRatio, m.areaRatio, m.backgroundPsnr);
    return m;
}

double median(std::vector<double> values) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    const size_t n = values.size();
    return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

Summary summarize(const std::vector<DragMetrics>& metrics, const std::vector<double>& seconds) {
    Summary s;
    s.cases = int(metrics.size());
    if (metrics.empty()) return s;
    std::vector<double> md, psnr, area;
    int successes = 0;
    for (const auto& m : metrics) {
        md.push_back(m.mdRatio);
        psnr.push_back(m.backgroundPsnr);
        area.push_back(m.areaRatio);
        successes += m.success ? 1 : 0;
    }
    s.successRate = double(successes) / double(metrics.size());
    s.medianMdRatio = median(md);
    s.medianBackgroundPsnr = median(psnr);
    s.medianAreaRatio = median(area);
    s.secondsPerEdit = seconds.empty() ? 0 : std::accumulate(seconds.begin(), seconds.end(), 0.0) / double(seconds.size());
    return s;
}

}  // namespace dragdiff::bench
