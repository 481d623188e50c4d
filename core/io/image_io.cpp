#include "io/image_io.h"

#include "dragdiff/error.h"
#include "io/atomic_file.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>

namespace dragdiff::io {
namespace {

uint32_t be32(const unsigned char* p) { return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3]; }
uint16_t be16(const unsigned char* p) { return uint16_t((p[0] << 8) | p[1]); }
uint32_t le32(const unsigned char* p) { return uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) | (uint32_t(p[3]) << 24); }
uint32_t le24(const unsigned char* p) { return uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16); }

bool startsWith(const std::vector<unsigned char>& b, const char* magic, size_t n, size_t at = 0) {
    return b.size() >= at + n && std::equal(magic, magic + n, b.begin() + static_cast<long>(at),
                                            [](char a, unsigned char c) { return static_cast<unsigned char>(a) == c; });
}

bool isWebP(const std::vector<unsigned char>& b) { return startsWith(b, "RIFF", 4) && startsWith(b, "WEBP", 4, 8); }

bool mayHaveAlpha(const std::vector<unsigned char>& b) {
    return startsWith(b, "\x89PNG\r\n\x1a\n", 8) || isWebP(b) || startsWith(b, "BM", 2) || startsWith(b, "II*\0", 4) ||
           startsWith(b, "MM\0*", 4);
}

bool isJpeg(const std::vector<unsigned char>& b) { return b.size() >= 3 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff; }

std::string lowerExtension(const std::string& path) {
    auto dot = path.find_last_of('.');
    auto slash = path.find_last_of('/');
    if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
    std::string ext = path.substr(dot);
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    return ext;
}

cv::Mat flattenOntoWhite(const cv::Mat& rgb, const cv::Mat& alpha) {
    cv::Mat rgbF, aF;
    const double maxV = rgb.depth() == CV_16U ? 65535.0 : 255.0;
    rgb.convertTo(rgbF, CV_32F, 1.0 / maxV);
    alpha.convertTo(aF, CV_32F, 1.0 / maxV);
    cv::Mat a3;
    cv::cvtColor(aF, a3, cv::COLOR_GRAY2RGB);
    cv::Mat out = rgbF.mul(a3) + (cv::Scalar::all(1.0) - a3);
    cv::Mat result;
    out.convertTo(result, rgb.depth(), maxV);
    return result;
}

}  // namespace

cv::Size probeImageSize(const std::vector<unsigned char>& b) {
    if (startsWith(b, "\x89PNG\r\n\x1a\n", 8) && b.size() >= 24) return {int(std::min<uint32_t>(be32(&b[16]), 1u << 30)), int(std::min<uint32_t>(be32(&b[20]), 1u << 30))};
    if (startsWith(b, "BM", 2) && b.size() >= 26) {
        int32_t w = int32_t(le32(&b[18])), h = int32_t(le32(&b[22]));
        return {std::abs(std::max(w, -(1 << 30))), std::abs(std::max(h, -(1 << 30)))};
    }
    if (startsWith(b, "RIFF", 4) && startsWith(b, "WEBP", 4, 8) && b.size() >= 30) {
        if (startsWith(b, "VP8X", 4, 12)) return {int(le24(&b[24]) + 1), int(le24(&b[27]) + 1)};
        if (startsWith(b, "VP8 ", 4, 12)) return {int(b[26] | ((b[27] & 0x3f) << 8)), int(b[28] | ((b[29] & 0x3f) << 8))};
        if (startsWith(b, "VP8L", 4, 12) && b.size() >= 25) {
            uint32_t bits = le32(&b[21]);
            return {int((bits & 0x3fff) + 1), int(((bits >> 14) & 0x3fff) + 1)};
        }
    }
    if (startsWith(b, "II*\0", 4) || startsWith(b, "MM\0*", 4)) {
        // Classic TIFF: the first IFD's ImageWidth (256) and ImageLength (257), SHORT or LONG.
        const bool le = b[0] == 'I';
        auto u16 = [&](size_t at) { return le ? uint16_t(b[at] | (b[at + 1] << 8)) : be16(&b[at]); };
        auto u32 = [&](size_t at) { return le ? le32(&b[at]) : be32(&b[at]); };
        if (b.size() < 8) return {0, 0};
        const size_t ifd = u32(4);
        if (ifd < 8 || ifd + 2 > b.size()) return {0, 0};
        const size_t n = u16(ifd);
        uint32_t w = 0, h = 0;
        for (size_t k = 0; k < n && ifd + 2 + (k + 1) * 12 <= b.size(); ++k) {
            const size_t e = ifd + 2 + k * 12;
            const uint16_t tag = u16(e), type = u16(e + 2);
            const uint32_t v = type == 3 ? u16(e + 8) : type == 4 ? u32(e + 8) : 0;
            if (tag == 256) w = v;
            if (tag == 257) h = v;
        }
        return {int(std::min<uint32_t>(w, 1u << 30)), int(std::min<uint32_t>(h, 1u << 30))};
    }
    if (b.size() >= 4 && b[0] == 0xff && b[1] == 0xd8) {
        size_t i = 2;
        while (i + 9 < b.size()) {
            if (b[i] != 0xff) { ++i; continue; }
            unsigned char m = b[i + 1];
            if (m == 0xff) { ++i; continue; }
            if (m == 0xd8 || m == 0x01 || (m >= 0xd0 && m <= 0xd7)) { i += 2; continue; }
            uint16_t len = be16(&b[i + 2]);
            if ((m >= 0xc0 && m <= 0xcf) && m != 0xc4 && m != 0xc8 && m != 0xcc)
                return {int(be16(&b[i + 7])), int(be16(&b[i + 5]))};
            if (len < 2) break;
            i += 2 + len;
        }
    }
    return {0, 0};
}

LoadedImage decodeImage(const std::vector<unsigned char>& bytes, const std::string& name) {
    if (bytes.empty()) throw LoadError("cannot open image '" + name + "': the file is empty (0 bytes)");
    // Only the formats DragDiff promises are handed to the decoder: every one of them has its
    // size read from the header below, so nothing is allocated for an absurd size, and the
    // decoder's other formats (PNM, Sun raster, EXR, ...) stay out of reach of untrusted files.
    if (!mayHaveAlpha(bytes) && !isJpeg(bytes))
        throw LoadError("cannot decode image '" + name + "': not a PNG, JPEG, WebP, BMP or TIFF image");
    // OpenCV picks its reader by signature and asks its DICOM reader (GDCM) before its WebP one:
    // "DICM" at offset 128 reaches GDCM, which aborts the whole process on some such files (an
    // assert, found by fuzz_image). No picture of the formats above has those bytes there but by
    // design, so the file is refused.
    if (startsWith(bytes, "DICM", 4, 128))
        throw LoadError("cannot decode image '" + name + "': its bytes 128-131 spell \"DICM\", the DICOM signature, "
                        "which the image decoder would misread; save the picture again as PNG or JPEG");
    cv::Size probed = probeImageSize(bytes);
    if (probed.width > kMaxImageSide || probed.height > kMaxImageSide)
        throw LoadError("image '" + name + "' is " + std::to_string(probed.width) + "x" + std::to_string(probed.height) +
                        " pixels; DragDiff opens images up to " + std::to_string(kMaxImageSide) +
                        " pixels a side: scale it down first");
    cv::Mat decoded;
    try {
        if (mayHaveAlpha(bytes)) decoded = cv::imdecode(bytes, cv::IMREAD_UNCHANGED);
        if (decoded.empty() || decoded.channels() != 4)
            decoded = cv::imdecode(bytes, cv::IMREAD_COLOR | cv::IMREAD_ANYDEPTH);
    } catch (const cv::Exception& e) {
        throw LoadError("cannot decode image '" + name + "': " + e.what());
    }
    if (decoded.empty() || decoded.cols <= 0 || decoded.rows <= 0)
        throw LoadError("cannot decode image '" + name +
                        "': not a PNG, JPEG, WebP, BMP or TIFF image, or the file is damaged");
    if (decoded.cols > kMaxImageSide || decoded.rows > kMaxImageSide)
        throw LoadError("image '" + name + "' is " + std::to_string(decoded.cols) + "x" + std::to_string(decoded.rows) +
                        " pixels; DragDiff opens images up to " + std::to_string(kMaxImageSide) + " pixels a side");
    if (decoded.depth() != CV_8U && decoded.depth() != CV_16U) {
        cv::Mat converted;
        double scale = decoded.depth() == CV_32F || decoded.depth() == CV_64F ? 255.0 : 1.0;
        decoded.convertTo(converted, CV_8U, scale);
        decoded = converted;
    }
    LoadedImage out;
    if (decoded.channels() == 4) {
        cv::Mat rgb;
        std::vector<cv::Mat> ch;
        cv::split(decoded, ch);
        out.alpha = ch[3];
        cv::cvtColor(decoded, rgb, cv::COLOR_BGRA2RGB);
        out.rgb = flattenOntoWhite(rgb, out.alpha);
    } else if (decoded.channels() == 3) {
        cv::cvtColor(decoded, out.rgb, cv::COLOR_BGR2RGB);
    } else if (decoded.channels() == 1) {
        cv::cvtColor(decoded, out.rgb, cv::COLOR_GRAY2RGB);
    } else {
        throw LoadError("image '" + name + "' has " + std::to_string(decoded.channels()) + " channels; expected 1, 3 or 4");
    }
    return out;
}

LoadedImage loadImage(const std::string& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
        throw LoadError("cannot open image '" + path + "': it is a folder, not a picture");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw LoadError("cannot open image '" + path + "': no such file or no permission to read it");
    std::vector<unsigned char> bytes;
    try {
        bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    } catch (const std::ios_base::failure& e) {
        throw LoadError("cannot read image '" + path + "': " + e.what());
    }
    return decodeImage(bytes, path);
}

void checkImageExtension(const std::string& path) {
    const std::string ext = lowerExtension(path);
    if (ext != ".png" && ext != ".jpg" && ext != ".jpeg" && ext != ".webp")
        throw InvalidRequest("cannot export to '" + path + "': use a .png, .jpg or .webp file name");
}

void saveImage(const std::string& path, const cv::Mat& rgb, const cv::Mat& alpha, int jpegQuality) {
    const std::string ext = lowerExtension(path);
    std::vector<int> params;
    bool keepAlpha = !alpha.empty();
    cv::Mat src = rgb;
    if (ext == ".jpg" || ext == ".jpeg") {
        params = {cv::IMWRITE_JPEG_QUALITY, jpegQuality};
        keepAlpha = false;
    } else if (ext == ".webp") {
        params = {cv::IMWRITE_WEBP_QUALITY, 100};
    } else if (ext != ".png") {
        checkImageExtension(path);  // throws
    }
    if (src.depth() == CV_16U && ext != ".png") src.convertTo(src, CV_8U, 1.0 / 257.0);
    cv::Mat bgr;
    if (keepAlpha) {
        cv::Mat a = alpha;
        if (a.depth() != src.depth()) a.convertTo(a, src.depth(), src.depth() == CV_16U ? 257.0 : 1.0 / 257.0);
        cv::Mat bgra;
        cv::cvtColor(src, bgra, cv::COLOR_RGB2BGRA);
        std::vector<cv::Mat> ch;
        cv::split(bgra, ch);
        ch[3] = a;
        cv::merge(ch, bgr);
    } else {
        cv::cvtColor(src, bgr, cv::COLOR_RGB2BGR);
    }
    std::vector<unsigned char> encoded;
    try {
        if (!cv::imencode(ext, bgr, encoded, params)) throw WriteError("cannot encode '" + path + "'");
    } catch (const cv::Exception& e) {
        throw WriteError("cannot encode '" + path + "': " + e.what());
    }
    writeFileAtomically(path, encoded.data(), encoded.size());
}

cv::Mat toFloatRgb(const cv::Mat& rgb) {
    cv::Mat out;
    rgb.convertTo(out, CV_32F, rgb.depth() == CV_16U ? 1.0 / 65535.0 : 1.0 / 255.0);
    return out;
}

}  // namespace dragdiff::io
