// Fuzzes image loading: the input is an image file's bytes (PNG, JPEG, WebP, BMP, TIFF, ...).
// Decoding throws LoadError or yields an RGB image of at most 16384 px a side with a matching
// alpha; the engine's float conversion then runs on it.
#include "dragdiff/error.h"
#include "fuzz_support.h"
#include "io/image_io.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

using namespace dragdiff;

namespace {

void writeSeeds(const std::string& dir) {
    cv::Mat rgb(6, 5, CV_8UC3);
    cv::randu(rgb, 0, 256);
    cv::Mat alpha(6, 5, CV_8UC1, cv::Scalar(128));
    io::saveImage(dir + "/rgb.png", rgb);
    io::saveImage(dir + "/rgba.png", rgb, alpha);
    io::saveImage(dir + "/rgb.jpg", rgb);
    io::saveImage(dir + "/rgba.webp", rgb, alpha);
    cv::Mat rgb16;
    rgb.convertTo(rgb16, CV_16U, 257.0);
    io::saveImage(dir + "/rgb16.png", rgb16);
    io::saveImage(dir + "/one_pixel.png", cv::Mat(1, 1, CV_8UC3, cv::Scalar(1, 2, 3)));
    // Formats the app reads but does not write: encoded by OpenCV directly.
    std::vector<unsigned char> bytes;
    cv::Mat gray(4, 3, CV_8UC1, cv::Scalar(77));
    cv::imencode(".bmp", gray, bytes);
    fuzz::writeSeed(dir, "gray.bmp", std::string(bytes.begin(), bytes.end()));
    cv::imencode(".tiff", rgb, bytes);
    fuzz::writeSeed(dir, "rgb.tiff", std::string(bytes.begin(), bytes.end()));
    cv::imencode(".jpg", gray, bytes);
    fuzz::writeSeed(dir, "gray.jpg", std::string(bytes.begin(), bytes.end()));
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    if (auto dir = fuzz::seedFolder(); !dir.empty()) {
        writeSeeds(dir);
        std::exit(0);
    }
    cv::setNumThreads(1);
    // Warm-up (codec initialisation) before libFuzzer's per-input timeout applies.
    std::vector<unsigned char> png;
    cv::imencode(".png", cv::Mat(2, 2, CV_8UC3, cv::Scalar(9, 9, 9)), png);
    (void)io::decodeImage(png, "warm-up.png");
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::vector<unsigned char> bytes(data, data + size);
    (void)io::probeImageSize(bytes);
    try {
        const io::LoadedImage img = io::decodeImage(bytes, "fuzz.png");
        if (img.rgb.empty() || img.width() > io::kMaxImageSide || img.height() > io::kMaxImageSide) std::abort();
        if (img.rgb.channels() != 3 || (img.rgb.depth() != CV_8U && img.rgb.depth() != CV_16U)) std::abort();
        if (!img.alpha.empty() && (img.alpha.size() != img.rgb.size() || img.alpha.channels() != 1)) std::abort();
        (void)io::toFloatRgb(img.rgb);
    } catch (const Error&) {
    }
    return 0;
}
