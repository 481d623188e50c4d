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

}  // namespace dragdiff::drag
