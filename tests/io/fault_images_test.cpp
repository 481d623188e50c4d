// Fault tests for images (issue 8), through the facade's loadImage (what the GUI and the CLI call):
// empty, misnamed, tiny, huge (refused before decoding, in every format the decoder knows), CMYK,
// 16-bit, gray and alpha.
#include "support/catch.h"

#include "dragdiff/dragdiff.h"
#include "io/image_io.h"
#include "support/test_support.h"

#include <opencv2/imgcodecs.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>

using namespace dragdiff;
using dragdiff::test::TempDir;

namespace {

const std::string kData = test::sourceDir() + "/tests/io/data";

// The process's peak resident memory (VmHWM), bytes.
size_t peakResidentBytes() {
    std::ifstream in("/proc/self/status");
    std::string key;
    while (in >> key) {
        if (key == "VmHWM:") {
            size_t kb = 0;
            in >> kb;
            return kb * 1024;
        }
        std::getline(in, key);
    }
    return 0;
}

std::string le16(uint16_t v) { return std::string{char(v & 0xff), char(v >> 8)}; }
std::string le32(uint32_t v) { return le16(uint16_t(v & 0xffff)) + le16(uint16_t(v >> 16)); }
std::string be16(uint16_t v) { return std::string{char(v >> 8), char(v & 0xff)}; }
std::string be32(uint32_t v) { return be16(uint16_t(v >> 16)) + be16(uint16_t(v & 0xffff)); }

// Headers that claim side x side pixels, followed by a little (not enough) data.
std::string pngClaiming(uint32_t w, uint32_t h) {
    return std::string("\x89PNG\r\n\x1a\n", 8) + be32(13) + "IHDR" + be32(w) + be32(h) +
           std::string("\x08\x02\0\0\0", 5) + be32(0) + std::string(64, '\0');
}
std::string jpegClaiming(uint16_t w, uint16_t h) {
    // SOI, SOF0 (8-bit, 3 components), then nothing useful.
    return std::string("\xff\xd8\xff\xc0", 4) + be16(17) + "\x08" + be16(h) + be16(w) +
           std::string("\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01", 10) + std::string(64, '\0');
}
std::string bmpClaiming(int32_t w, int32_t h) {
    std::string s = "BM" + le32(54 + 64) + le32(0) + le32(54);
    s += le32(40) + le32(uint32_t(w)) + le32(uint32_t(h)) + le16(1) + le16(24) + le32(0) + le32(0) + le32(2835) +
         le32(2835) + le32(0) + le32(0);
    return s + std::string(64, '\0');
}
std::string tiffClaiming(uint32_t w, uint32_t h) {
    // Little-endian TIFF, one IFD: RGB, 8 bits, uncompressed, one strip that is not there.
    struct Entry { uint16_t tag, type; uint32_t count, value; };
    const Entry entries[] = {{256, 4, 1, w},   {257, 4, 1, h},   {258, 3, 1, 8},     {259, 3, 1, 1},
                             {262, 3, 1, 2},   {273, 4, 1, 200}, {277, 3, 1, 3},     {278, 4, 1, h},
                             {279, 4, 1, w * 3u}};
    std::string s = "II" + le16(42) + le32(8) + le16(uint16_t(std::size(entries)));
    for (const Entry& e : entries) {
        s += le16(e.tag) + le16(e.type) + le32(e.count);
        s += e.type == 3 ? le16(uint16_t(e.value)) + le16(0) : le32(e.value);
    }
    s += le32(0);
    return s + std::string(256, '\0');
}
std::string webpClaiming(uint32_t w, uint32_t h) {
    // VP8X extended header with the canvas size (minus one, 24-bit).
    auto le24 = [](uint32_t v) { return std::string{char(v & 0xff), char((v >> 8) & 0xff), char((v >> 16) & 0xff)}; };
    std::string chunk = "VP8X" + le32(10) + std::string("\0\0\0\0", 4) + le24(w - 1) + le24(h - 1);
    return "RIFF" + le32(uint32_t(4 + chunk.size() + 64)) + "WEBP" + chunk + std::string(64, '\0');
}
std::string pnmClaiming(uint32_t w, uint32_t h) {
    return "P6\n" + std::to_string(w) + " " + std::to_string(h) + "\n255\n" + std::string(64, '\0');
}

uint8_t px(const RgbaImage& img, int x, int y, int c) { return img.pixels[(size_t(y) * img.width + x) * 4 + c]; }

}  // namespace

TEST_CASE("fault: a 0-byte image says it is empty", "[fault][images]") {
    TempDir dir;
    for (const char* name : {"empty.png", "empty.jpg", "empty"}) {
        test::writeBytes(dir.file(name), "");
        CHECK_THROWS_WITH(loadImage(dir.file(name)), Catch::Contains("empty") && Catch::Contains(name));
    }
}

TEST_CASE("fault: the content decides the format, not the extension", "[fault][images]") {
    TempDir dir;
    cv::Mat bgr(12, 20, CV_8UC3, cv::Scalar(10, 20, 200));
    std::vector<unsigned char> png, jpg;
    cv::imencode(".png", bgr, png);
    cv::imencode(".jpg", bgr, jpg);
    test::writeBytes(dir.file("really_png.jpg"), std::string(png.begin(), png.end()));
    test::writeBytes(dir.file("really_jpeg.webp"), std::string(jpg.begin(), jpg.end()));
    test::writeBytes(dir.file("no_extension"), std::string(png.begin(), png.end()));
    for (const char* name : {"really_png.jpg", "really_jpeg.webp", "no_extension"}) {
        INFO(name);
        RgbaImage img = loadImage(dir.file(name));
        CHECK(img.width == 20);
        CHECK(img.height == 12);
        CHECK(px(img, 5, 5, 0) > 150);  // red stays red (BGR -> RGB)
    }
    // A text file named like a picture is an error naming the file.
    test::writeBytes(dir.file("notes.png"), "shopping list: eggs, milk");
    CHECK_THROWS_WITH(loadImage(dir.file("notes.png")), Catch::Contains("notes.png") && Catch::Contains("decode"));
    // A folder named like a picture.
    std::filesystem::create_directory(dir.file("folder.png"));
    CHECK_THROWS_WITH(loadImage(dir.file("folder.png")), Catch::Contains("folder"));
}

TEST_CASE("fault: a file with the DICOM signature is refused, not handed to the DICOM reader", "[fault][images]") {
    // fuzz_image's finding (tests/io/data/fuzz_image_dicm_crash.bin, 133 bytes): "DICM" at offset
    // 128 sends OpenCV to its DICOM reader (GDCM) before its WebP reader, and GDCM aborts the whole
    // process on an assert. Found for a RIFF header; a well-formed RIFF/WEBP header does the same.
    TempDir dir;
    std::string webp = std::string("RIFF\xe8\0\0\0WEBPVP8 ", 16) + std::string(112, '\x10') + "DICM" + '\0';
    REQUIRE(webp.substr(128, 4) == "DICM");
    test::writeBytes(dir.file("dicm.webp"), webp);
    // The finding itself is no WebP (RIFF, but not WEBP): refused as no supported format.
    CHECK_THROWS_AS(loadImage(kData + "/fuzz_image_dicm_crash.bin"), LoadError);
    CHECK_THROWS_WITH(loadImage(kData + "/fuzz_image_dicm_crash.bin"), Catch::Contains("not a PNG, JPEG, WebP"));
    CHECK_THROWS_AS(loadImage(dir.file("dicm.webp")), LoadError);
    CHECK_THROWS_WITH(loadImage(dir.file("dicm.webp")), Catch::Contains("DICOM") && Catch::Contains("PNG"));
}

TEST_CASE("fault: 16385 pixels a side is refused before decoding, in every format", "[fault][images]") {
    TempDir dir;
    const size_t peakBefore = peakResidentBytes();
    const std::vector<std::pair<std::string, std::string>> files = {
        {"huge.png", pngClaiming(16385, 16385)},   {"huge.jpg", jpegClaiming(16385, 16385)},
        {"huge.bmp", bmpClaiming(16385, 16385)},   {"huge.tif", tiffClaiming(16385, 16385)},
        {"huge.webp", webpClaiming(16385, 16385)},
        {"wide.png", pngClaiming(16385, 1)},       {"tall.tif", tiffClaiming(1, 16385)},
    };
    for (const auto& [name, bytes] : files) {
        INFO(name);
        test::writeBytes(dir.file(name), bytes);
        const auto t0 = std::chrono::steady_clock::now();
        CHECK_THROWS_WITH(loadImage(dir.file(name)), Catch::Contains("16384") && Catch::Contains(name));
        CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(500));
    }
    // Formats DragDiff does not promise are refused before the decoder sees them.
    test::writeBytes(dir.file("huge.ppm"), pnmClaiming(16385, 16385));
    CHECK_THROWS_WITH(loadImage(dir.file("huge.ppm")), Catch::Contains("not a PNG, JPEG, WebP, BMP or TIFF"));
    // 16385^2 RGB is 805 MB: nothing of that size may have been allocated.
    CHECK(peakResidentBytes() < peakBefore + (200u << 20));
}

TEST_CASE("fault: a 1x1 image loads", "[fault][images]") {
    TempDir dir;
    cv::Mat one(1, 1, CV_8UC3, cv::Scalar(30, 20, 10));
    for (const char* name : {"one.png", "one.jpg", "one.webp", "one.bmp", "one.tif"}) {
        INFO(name);
        cv::imwrite(dir.file(name), one);
        RgbaImage img = loadImage(dir.file(name));
        CHECK(img.width == 1);
        CHECK(img.height == 1);
        CHECK(img.pixels.size() == 4);
    }
}

TEST_CASE("fault: a CMYK JPEG loads with the right colours", "[fault][images]") {
    // Photoshop convention (Adobe marker, inverted ink): red left, blue right, black bottom.
    RgbaImage img = loadImage(kData + "/cmyk_16x12.jpg");
    REQUIRE(img.width == 16);
    REQUIRE(img.height == 12);
    INFO("left " << int(px(img, 3, 4, 0)) << "," << int(px(img, 3, 4, 1)) << "," << int(px(img, 3, 4, 2)));
    CHECK(px(img, 3, 4, 0) > 200);
    CHECK(px(img, 3, 4, 1) < 60);
    CHECK(px(img, 3, 4, 2) < 60);
    INFO("right " << int(px(img, 12, 4, 0)) << "," << int(px(img, 12, 4, 1)) << "," << int(px(img, 12, 4, 2)));
    CHECK(px(img, 12, 4, 0) < 60);
    CHECK(px(img, 12, 4, 1) < 60);
    CHECK(px(img, 12, 4, 2) > 200);
    CHECK(px(img, 8, 11, 0) < 40);
    CHECK(px(img, 8, 11, 3) == 255);
}

TEST_CASE("fault: 16-bit, gray, gray+alpha and RGBA images load as 8-bit RGBA", "[fault][images]") {
    TempDir dir;
    cv::Mat deep(4, 6, CV_16UC3, cv::Scalar(0, 32768, 65535));  // BGR: red full, green half
    cv::imwrite(dir.file("deep.png"), deep);
    cv::imwrite(dir.file("deep.tif"), deep);
    for (const char* name : {"deep.png", "deep.tif"}) {
        INFO(name);
        RgbaImage img = loadImage(dir.file(name));
        CHECK(px(img, 1, 1, 0) == 255);
        CHECK(std::abs(int(px(img, 1, 1, 1)) - 128) <= 1);
        CHECK(px(img, 1, 1, 2) == 0);
        CHECK(px(img, 1, 1, 3) == 255);
    }
    cv::Mat deepAlpha(4, 6, CV_16UC4, cv::Scalar(0, 0, 65535, 0));  // transparent red
    cv::imwrite(dir.file("deep_alpha.png"), deepAlpha);
    RgbaImage da = loadImage(dir.file("deep_alpha.png"));
    CHECK(px(da, 2, 2, 3) == 0);
    CHECK(px(da, 2, 2, 1) == 255);  // flattened onto white

    cv::Mat gray(5, 7, CV_8UC1, cv::Scalar(90));
    cv::imwrite(dir.file("gray.png"), gray);
    cv::imwrite(dir.file("gray.jpg"), gray);
    cv::Mat gray16(5, 7, CV_16UC1, cv::Scalar(257 * 90));
    cv::imwrite(dir.file("gray16.png"), gray16);
    for (const char* name : {"gray.png", "gray.jpg", "gray16.png"}) {
        INFO(name);
        RgbaImage g = loadImage(dir.file(name));
        CHECK(std::abs(int(px(g, 3, 3, 0)) - 90) <= 2);
        CHECK(px(g, 3, 3, 0) == px(g, 3, 3, 2));
        CHECK(px(g, 3, 3, 3) == 255);
    }
    // Half-transparent RGBA: alpha is kept as is.
    cv::Mat ga(5, 7, CV_8UC4, cv::Scalar(90, 90, 90, 128));
    cv::imwrite(dir.file("ga.png"), ga);
    RgbaImage gaImg = loadImage(dir.file("ga.png"));
    CHECK(px(gaImg, 1, 1, 3) == 128);

    cv::Mat rgba(3, 3, CV_8UC4, cv::Scalar(255, 0, 0, 255));  // opaque blue
    rgba.at<cv::Vec4b>(1, 1) = cv::Vec4b(0, 0, 0, 0);          // one transparent pixel
    cv::imwrite(dir.file("alpha.webp"), rgba, {cv::IMWRITE_WEBP_QUALITY, 101});
    cv::imwrite(dir.file("alpha.png"), rgba);
    for (const char* name : {"alpha.png", "alpha.webp"}) {
        INFO(name);
        RgbaImage a = loadImage(dir.file(name));
        CHECK(px(a, 0, 0, 2) == 255);
        CHECK(px(a, 0, 0, 3) == 255);
        CHECK(px(a, 1, 1, 3) == 0);
        // Saving keeps the transparency.
        saveImage(a, dir.file(std::string("again_") + name + ".png"));
        CHECK(px(loadImage(dir.file(std::string("again_") + name + ".png")), 1, 1, 3) == 0);
    }
}
