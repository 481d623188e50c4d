// The facade's mask and heatmap-rendering helpers.
#include "dragdiff/engine.h"
#include "drag/working_image.h"
#include "io/image_io.h"

#include <opencv2/imgproc.hpp>

namespace dragdiff {

Mask loadMask(const std::string& path) {
    io::LoadedImage img = io::loadImage(path);
    cv::Mat rgb8 = img.rgb;
    if (rgb8.depth() == CV_16U) rgb8.convertTo(rgb8, CV_8U, 1.0 / 257.0);
    cv::Mat gray;
    cv::cvtColor(rgb8, gray, cv::COLOR_RGB2GRAY);
    if (!img.alpha.empty()) {
        cv::Mat a8 = img.alpha;
        if (a8.depth() == CV_16U) a8.convertTo(a8, CV_8U, 1.0 / 257.0);
        // Flattening put transparent pixels on white; a transparent pixel is not editable.
        cv::min(gray, a8, gray);
    }
    Mask m;
    m.width = gray.cols;
    m.height = gray.rows;
    m.values.resize(size_t(m.width) * m.height);
    cv::Mat out(m.height, m.width, CV_8UC1, m.values.data());
    cv::threshold(gray, out, 127, 255, cv::THRESH_BINARY);
    return m;
}

void saveMask(const Mask& mask, const std::string& path) {
    if (mask.empty() || mask.values.size() != size_t(mask.width) * mask.height)
        throw InvalidRequest("cannot save mask '" + path + "': the mask is empty or its buffer has the wrong size");
    cv::Mat m(mask.height, mask.width, CV_8UC1, const_cast<uint8_t*>(mask.values.data()));
    cv::Mat rgb;
    cv::cvtColor(m, rgb, cv::COLOR_GRAY2RGB);
    io::saveImage(path, rgb);
}

Mask resizeMask(const Mask& mask, int width, int height) {
    if (mask.empty()) return mask;
    cv::Mat src(mask.height, mask.width, CV_8UC1, const_cast<uint8_t*>(mask.values.data()));
    Mask out;
    out.width = width;
    out.height = height;
    out.values.resize(size_t(width) * height);
    cv::Mat dst(height, width, CV_8UC1, out.values.data());
    cv::resize(src, dst, dst.size(), 0, 0, cv::INTER_NEAREST);
    return out;
}

bool maskIsBlank(const Mask& mask) {
    for (uint8_t v : mask.values)
        if (v) return false;
    return true;
}

RgbaImage colorizeHeatmap(const HeatMap& heatmap, const RgbaImage* base, double opacity) {
    if (heatmap.empty()) return {};
    cv::Mat h(heatmap.height, heatmap.width, CV_32FC1, const_cast<float*>(heatmap.values.data()));
    cv::Mat h8, colored, rgb;
    h.convertTo(h8, CV_8U, 255.0);
    cv::applyColorMap(h8, colored, cv::COLORMAP_TURBO);
    cv::cvtColor(colored, rgb, cv::COLOR_BGR2RGB);
    if (base && !base->empty()) {
        cv::Mat b3 = drag::rgbOf(*base);
        if (rgb.size() != b3.size()) cv::resize(rgb, rgb, b3.size(), 0, 0, cv::INTER_LINEAR);
        cv::addWeighted(rgb, opacity, b3, 1.0 - opacity, 0.0, rgb);
    }
    return drag::toRgba(rgb);
}

}  // namespace dragdiff
