#pragma once
// Image files in and out, through OpenCV. Pixels are RGB (not OpenCV's BGR) in their file's
// bit depth (8 or 16); alpha, when the file has it, is kept apart so an export can restore it.
#include <opencv2/core.hpp>

#include <string>
#include <vector>

namespace dragdiff::io {

constexpr int kMaxImageSide = 16384;

struct LoadedImage {
    cv::Mat rgb;    // CV_8UC3 or CV_16UC3, alpha already flattened onto white
    cv::Mat alpha;  // CV_8UC1 / CV_16UC1 of the same size, or empty
    int width() const { return rgb.cols; }
    int height() const { return rgb.rows; }
};

// Width and height from the file's header, without decoding; {0,0} when the format is not one we probe.
cv::Size probeImageSize(const std::vector<unsigned char>& bytes);

// Decodes PNG, JPEG, WebP, BMP or TIFF (honouring EXIF orientation). Throws LoadError for an empty,
// unreadable or absurd (> 16384 px a side) image; `name` is used in messages.
LoadedImage decodeImage(const std::vector<unsigned char>& bytes, const std::string& name);
LoadedImage loadImage(const std::string& path);

// Encodes by the path's extension (.png, .jpg/.jpeg, .webp) and writes atomically. `rgb` is
// CV_8UC3 or CV_16UC3 (16-bit only for PNG); `alpha` optional. Throws WriteError / InvalidRequest.
// InvalidRequest unless the extension is one saveImage writes.
void checkImageExtension(const std::string& path);
void saveImage(const std::string& path, const cv::Mat& rgb, const cv::Mat& alpha = cv::Mat(), int jpegQuality = 95);

// 8-bit RGB float helpers used by the engine: [0,1] CV_32FC3 from any LoadedImage.
cv::Mat toFloatRgb(const cv::Mat& rgb);

}  // namespace dragdiff::io
