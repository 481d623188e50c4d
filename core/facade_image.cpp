// The facade's image functions: converts between the core's OpenCV images and RgbaImage.
#include "dragdiff/dragdiff.h"
#include "dragdiff/files.h"
#include "io/atomic_file.h"
#include "io/image_io.h"

#include <opencv2/imgproc.hpp>

namespace dragdiff {

const char* version() { return DRAGDIFF_VERSION; }

RgbaImage loadImage(const std::string& path) {
    io::LoadedImage loaded = io::loadImage(path);
    cv::Mat rgb8 = loaded.rgb, alpha8 = loaded.alpha;
    if (rgb8.depth() == CV_16U) rgb8.convertTo(rgb8, CV_8U, 1.0 / 257.0);
    if (!alpha8.empty() && alpha8.depth() == CV_16U) alpha8.convertTo(alpha8, CV_8U, 1.0 / 257.0);
    if (alpha8.empty()) alpha8 = cv::Mat(rgb8.size(), CV_8UC1, cv::Scalar(255));
    // The colours are already flattened onto white (what the model sees); alpha rides along so an
    // export can restore the transparency.
    RgbaImage out;
    out.width = rgb8.cols;
    out.height = rgb8.rows;
    out.pixels.resize(size_t(out.width) * out.height * 4);
    cv::Mat rgba(out.height, out.width, CV_8UC4, out.pixels.data());
    cv::Mat channels[] = {rgb8, alpha8};
    int fromTo[] = {0, 0, 1, 1, 2, 2, 3, 3};
    cv::mixChannels(channels, 2, &rgba, 1, fromTo, 4);
    return out;
}

void saveImage(const RgbaImage& image, const std::string& path) {
    if (image.empty() || image.pixels.size() != size_t(image.width) * image.height * 4)
        throw InvalidRequest("cannot save '" + path + "': the image is empty or its buffer has the wrong size");
    cv::Mat rgba(image.height, image.width, CV_8UC4, const_cast<uint8_t*>(image.pixels.data()));
    cv::Mat rgb, alpha;
    cv::cvtColor(rgba, rgb, cv::COLOR_RGBA2RGB);
    cv::extractChannel(rgba, alpha, 3);
    double minA = 255;
    cv::minMaxLoc(alpha, &minA);
    io::saveImage(path, rgb, minA < 255 ? alpha : cv::Mat());
}

void writeTextFileAtomically(const std::string& path, const std::string& text) {
    io::writeFileAtomically(path, text);
}

void checkImageWritable(const std::string& path) {
    io::checkImageExtension(path);
    checkWritable(path);
}

}  // namespace dragdiff
