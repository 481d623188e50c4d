#include "bench/bench_sheet.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace dragdiff::bench {
namespace {

constexpr int kGap = 4;
constexpr int kCaptionHeight = 18;
constexpr int kHeaderHeight = 20;
const cv::Scalar kSheetBackground(40, 40, 40);
const cv::Scalar kText(235, 235, 235);
const cv::Scalar kHandle(230, 0, 0), kTarget(0, 90, 255), kBox(255, 220, 0);
const cv::Scalar kExpected(0, 230, 0), kFound(255, 40, 40);
constexpr int kShift = 4;  // sub-pixel drawing: coordinates in 1/16 px

// Pixel centre p of the original image, on the panel zoomed `zoom` times, in 1/16 px.
cv::Point at(cv::Point2d p, int zoom) {
    return {int(std::lround((p.x + 0.5) * zoom * 16)), int(std::lround((p.y + 0.5) * zoom * 16))};
}

cv::Mat zoomed(const cv::Mat& rgb, cv::Size size, int zoom) {
    if (rgb.empty()) return cv::Mat(size.height * zoom, size.width * zoom, CV_8UC3, cv::Scalar(90, 90, 90));
    cv::Mat out;
    cv::resize(rgb, out, cv::Size(), zoom, zoom, cv::INTER_NEAREST);
    return out;
}

void marker(cv::Mat& panel, cv::Point2d p, int zoom, const cv::Scalar& colour, bool cross) {
    const int r = std::max(3, zoom + 2) * 16;
    if (cross) {
        const cv::Point c = at(p, zoom);
        cv::line(panel, c - cv::Point(r, r), c + cv::Point(r, r), colour, 2, cv::LINE_AA, kShift);
        cv::line(panel, c - cv::Point(r, -r), c + cv::Point(r, -r), colour, 2, cv::LINE_AA, kShift);
    } else {
        cv::circle(panel, at(p, zoom), r, colour, 2, cv::LINE_AA, kShift);
    }
}

void drawDrag(cv::Mat& panel, const SheetRow& row, int zoom) {
    if (!row.maskBox.empty())
        cv::rectangle(panel, cv::Rect(row.maskBox.x * zoom, row.maskBox.y * zoom, row.maskBox.width * zoom - 1,
                                      row.maskBox.height * zoom - 1),
                      kBox, 1);
    std::vector<std::pair<cv::Point2d, cv::Point2d>> pairs = row.pairs;
    if (pairs.empty()) pairs.emplace_back(row.handle, row.target);
    const int r = std::max(2, zoom) * 16;
    for (const auto& [handle, target] : pairs) {
        cv::arrowedLine(panel, at(handle, zoom), at(target, zoom), cv::Scalar(255, 255, 255), std::max(1, zoom / 2), cv::LINE_AA,
                        kShift, 0.2);
        cv::circle(panel, at(handle, zoom), r, kHandle, cv::FILLED, cv::LINE_AA, kShift);
        cv::circle(panel, at(target, zoom), r, kTarget, cv::FILLED, cv::LINE_AA, kShift);
    }
}

void outline(cv::Mat& panel, const cv::Mat& mask, int zoom) {
    if (mask.empty()) return;
    cv::Mat big;
    cv::resize(mask, big, cv::Size(), zoom, zoom, cv::INTER_NEAREST);
    std::vector<std::vector<cv::Point>> contours;
    cv::findContours(big, contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_SIMPLE);
    cv::drawContours(panel, contours, -1, kFound, 1);
}

void text(cv::Mat& sheet, const std::string& s, cv::Point origin, double scale = 0.42) {
    cv::putText(sheet, s, origin, cv::FONT_HERSHEY_SIMPLEX, scale, kText, 1, cv::LINE_AA);
}

}  // namespace

cv::Mat renderSheet(const std::vector<SheetRow>& rows, int minPanel) {
    if (rows.empty()) return cv::Mat(kHeaderHeight, 4 * minPanel, CV_8UC3, kSheetBackground);
    const cv::Size size = rows[0].input.size();
    const int zoom = std::max(1, int(std::ceil(double(minPanel) / double(std::max(size.width, size.height)))));
    const int pw = size.width * zoom, ph = size.height * zoom;
    const bool extra = std::any_of(rows.begin(), rows.end(), [](const SheetRow& r) { return !r.extra.empty(); });
    const int columns = extra ? 5 : 4;
    const int width = columns * pw + (columns + 1) * kGap;
    const int rowHeight = kCaptionHeight + ph + kGap;
    cv::Mat sheet(kHeaderHeight + int(rows.size()) * rowHeight + kGap, width, CV_8UC3, kSheetBackground);
    const std::string headers[5] = {"input + drag", "heatmap of handle", "result", "ideal", rows[0].extraHeader};
    for (int k = 0; k < columns; ++k) text(sheet, headers[k], cv::Point(kGap + k * (pw + kGap) + 2, kHeaderHeight - 6), 0.45);

    for (size_t i = 0; i < rows.size(); ++i) {
        const SheetRow& row = rows[i];
        const int y0 = kHeaderHeight + int(i) * rowHeight;
        text(sheet, row.caption, cv::Point(kGap + 2, y0 + kCaptionHeight - 5));
        cv::Mat panels[5] = {zoomed(row.input, size, zoom), zoomed(row.heatmap, size, zoom), zoomed(row.result, size, zoom),
                             zoomed(row.expected, size, zoom), zoomed(row.extra, size, zoom)};
        drawDrag(panels[0], row, zoom);
        marker(panels[1], row.pairs.empty() ? row.handle : row.pairs[0].first, zoom, kHandle, false);
        if (row.landmarks) {
            outline(panels[2], row.foundMask, zoom);
            for (const cv::Point2d& p : row.idealLandmarks) {
                marker(panels[2], p, zoom, kExpected, true);
                marker(panels[3], p, zoom, kExpected, true);
            }
            for (const cv::Point2d& p : row.foundLandmarks)
                if (p.x >= 0) marker(panels[2], p, zoom, kFound, false);
        } else {
            marker(panels[2], row.metrics.expectedCentroid, zoom, kExpected, true);
            if (row.metrics.found) {
                // The outline of what the colour finder took for the subject.
                outline(panels[2], row.metrics.foundMask, zoom);
                marker(panels[2], row.metrics.foundCentroid, zoom, kFound, false);
            }
            marker(panels[3], row.metrics.expectedCentroid, zoom, kExpected, true);
        }
        for (int k = 0; k < columns; ++k)
            panels[k].copyTo(sheet(cv::Rect(kGap + k * (pw + kGap), y0 + kCaptionHeight, pw, ph)));
    }
    return sheet;
}

}  // namespace dragdiff::bench
