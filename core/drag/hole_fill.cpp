#include "drag/hole_fill.h"

#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>

#include <algorithm>

namespace dragdiff::drag {

cv::Mat fillThinHoles(const cv::Mat& picture, const cv::Mat& holes, double maxHalfWidth) {
    CV_Assert(picture.type() == CV_32FC3 && holes.type() == CV_8UC1 && holes.size() == picture.size());
    cv::Mat binary = holes > 0, distance, labels;
    const int n = cv::connectedComponents(binary, labels, 8, CV_32S);
    if (n <= 1) return picture.clone();
    cv::distanceTransform(binary, distance, cv::DIST_L2, cv::DIST_MASK_PRECISE);
    std::vector<float> widest(size_t(n), 0.f);
    for (int y = 0; y < labels.rows; ++y)
        for (int x = 0; x < labels.cols; ++x)
            if (const int l = labels.at<int32_t>(y, x); l > 0) widest[size_t(l)] = std::max(widest[size_t(l)], distance.at<float>(y, x));
    cv::Mat thin = cv::Mat::zeros(holes.size(), CV_8UC1);
    for (int y = 0; y < labels.rows; ++y)
        for (int x = 0; x < labels.cols; ++x)
            if (const int l = labels.at<int32_t>(y, x); l > 0 && widest[size_t(l)] <= maxHalfWidth) thin.at<uint8_t>(y, x) = 255;
    return fillHoles(picture, thin, std::max(1.0, maxHalfWidth));
}

cv::Mat fillHoles(const cv::Mat& picture, const cv::Mat& holes, double radius) {
    CV_Assert(picture.type() == CV_32FC3 && holes.type() == CV_8UC1 && holes.size() == picture.size());
    cv::Mat rim = holes > 0;
    if (cv::countNonZero(rim) == 0) return picture.clone();
    cv::dilate(rim, rim, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(3, 3)));
    cv::Mat rgb8, filled8, filled;
    picture.convertTo(rgb8, CV_8UC3, 255.0);
    cv::inpaint(rgb8, rim, filled8, radius, cv::INPAINT_TELEA);
    filled8.convertTo(filled, CV_32FC3, 1.0 / 255.0);
    cv::Mat out = picture.clone();
    filled.copyTo(out, rim);
    return out;
}

std::vector<cv::Vec3f> objectPalette(const cv::Mat& picture, const cv::Mat& object, int k) {
    CV_Assert(picture.type() == CV_32FC3 && object.type() == CV_8UC1 && object.size() == picture.size() && k >= 1);
    // The anti-aliased rim mixes the object with what is behind it: the palette comes from inside.
    cv::Mat inside = object > 0, eroded;
    cv::erode(inside, eroded, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(3, 3)));
    if (cv::countNonZero(eroded) >= 8) inside = eroded;
    std::vector<cv::Point> where;
    cv::findNonZero(inside, where);
    if (where.empty()) return {};
    const size_t stride = std::max<size_t>(1, where.size() / 4096);
    cv::Mat samples(0, 3, CV_32F);
    for (size_t i = 0; i < where.size(); i += stride) samples.push_back(cv::Mat(picture.at<cv::Vec3f>(where[i])).reshape(1, 1));
    const int clusters = std::min(k, samples.rows);
    cv::Mat labels, centres;
    // k-means++ draws from OpenCV's thread RNG: a fixed seed keeps an edit reproducible.
    const cv::RNG saved = cv::theRNG();
    cv::theRNG() = cv::RNG(0x5eed);
    cv::kmeans(samples, clusters, labels, cv::TermCriteria(cv::TermCriteria::COUNT | cv::TermCriteria::EPS, 20, 1e-4), 1,
               cv::KMEANS_PP_CENTERS, centres);
    cv::theRNG() = saved;
    std::vector<cv::Vec3f> palette;
    for (int i = 0; i < centres.rows; ++i) {
        const cv::Vec3f c(centres.at<float>(i, 0), centres.at<float>(i, 1), centres.at<float>(i, 2));
        bool seen = false;
        for (const cv::Vec3f& p : palette) seen = seen || cv::norm(p - c) < 0.08;
        if (!seen) palette.push_back(c);
    }
    return palette;
}

cv::Mat removeObjectTint(const cv::Mat& picture, const cv::Mat& holes, const std::vector<cv::Vec3f>& palette,
                         const cv::Mat& background) {
    CV_Assert(picture.type() == CV_32FC3 && holes.type() == CV_8UC1 && holes.size() == picture.size());
    CV_Assert(background.type() == CV_32FC3 && background.size() == picture.size());
    cv::Mat out = picture.clone();
    if (palette.empty() || cv::countNonZero(holes) == 0) return out;
    // An object colour within this distance of the background cannot be told from it.
    constexpr float kMinContrast = 0.05f;
    for (int y = 0; y < holes.rows; ++y)
        for (int x = 0; x < holes.cols; ++x) {
            if (!holes.at<uint8_t>(y, x)) continue;
            const cv::Vec3f c = picture.at<cv::Vec3f>(y, x), b = background.at<cv::Vec3f>(y, x);
            float bestResidual = -1, bestShare = 0;
            cv::Vec3f bestDirection;
            for (const cv::Vec3f& o : palette) {
                const cv::Vec3f d = o - b;
                const float dd = d.dot(d);
                if (dd < kMinContrast * kMinContrast) continue;
                const float a = std::clamp((c - b).dot(d) / dd, 0.f, 1.f);
                const cv::Vec3f r = c - b - a * d;
                if (a > 0 && (bestResidual < 0 || r.dot(r) < bestResidual)) {
                    bestResidual = r.dot(r);
                    bestShare = a;
                    bestDirection = d;
                }
            }
            if (bestResidual >= 0) out.at<cv::Vec3f>(y, x) = c - bestShare * bestDirection;
        }
    return out;
}

}  // namespace dragdiff::drag
