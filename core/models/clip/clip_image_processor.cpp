// Ports transformers 4.38 CLIPImageProcessor and Pillow 9.4's resampling. See clip_image_processor.h.
#include "models/clip/clip_image_processor.h"

#include "dragdiff/error.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <utility>

namespace dragdiff::models {
namespace {

// Pillow src/libImaging/Resample.c: the filters and their supports.
struct PilFilter {
    double (*filter)(double x);
    double support;
};

double boxFilter(double x) { return x > -0.5 && x <= 0.5 ? 1.0 : 0.0; }

double bilinearFilter(double x) {
    x = std::fabs(x);
    return x < 1.0 ? 1.0 - x : 0.0;
}

double hammingFilter(double x) {
    x = std::fabs(x);
    if (x == 0.0) return 1.0;
    if (x >= 1.0) return 0.0;
    x = x * M_PI;
    return std::sin(x) / x * (0.54f + 0.46f * std::cos(x));
}

double bicubicFilter(double x) {
    constexpr double a = -0.5;
    x = std::fabs(x);
    if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
    if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
    return 0.0;
}

double sincFilter(double x) {
    if (x == 0.0) return 1.0;
    x = x * M_PI;
    return std::sin(x) / x;
}

double lanczosFilter(double x) { return -3.0 <= x && x < 3.0 ? sincFilter(x) * sincFilter(x / 3) : 0.0; }

PilFilter pilFilter(int resample) {
    switch (resample) {
        case 1: return {lanczosFilter, 3.0};
        case 2: return {bilinearFilter, 1.0};
        case 3: return {bicubicFilter, 2.0};
        case 4: return {boxFilter, 0.5};
        case 5: return {hammingFilter, 1.0};
        default:
            throw InvalidRequest("image resampling filter " + std::to_string(resample) +
                                 " is not supported (PIL ids 1 LANCZOS, 2 BILINEAR, 3 BICUBIC, 4 BOX, 5 HAMMING)");
    }
}

constexpr int kPrecisionBits = 32 - 8 - 2;

// precompute_coeffs + normalize_coeffs_8bpc: for each output pixel its first input pixel, the
// number of input pixels, and `ksize` fixed-point weights.
struct Coefficients {
    int ksize = 0;
    std::vector<int> bounds;    // [outSize * 2]: xmin, count
    std::vector<int32_t> kk;    // [outSize * ksize]
};

Coefficients precomputeCoefficients(int inSize, int outSize, const PilFilter& f) {
    const float in0 = 0.0f, in1 = static_cast<float>(inSize);
    const double scale = static_cast<double>(in1 - in0) / outSize;
    const double filterscale = scale < 1.0 ? 1.0 : scale;
    const double support = f.support * filterscale;
    Coefficients c;
    c.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
    c.bounds.assign(size_t(outSize) * 2, 0);
    c.kk.assign(size_t(outSize) * c.ksize, 0);
    std::vector<double> k(size_t(c.ksize));
    for (int xx = 0; xx < outSize; ++xx) {
        const double center = in0 + (xx + 0.5) * scale;
        const double ss = 1.0 / filterscale;
        int xmin = static_cast<int>(center - support + 0.5);
        if (xmin < 0) xmin = 0;
        int xmax = static_cast<int>(center + support + 0.5);
        if (xmax > inSize) xmax = inSize;
        xmax -= xmin;
        double ww = 0.0;
        for (int x = 0; x < xmax; ++x) {
            const double w = f.filter((x + xmin - center + 0.5) * ss);
            k[size_t(x)] = w;
            ww += w;
        }
        for (int x = 0; x < xmax; ++x)
            if (ww != 0.0) k[size_t(x)] /= ww;
        for (int x = 0; x < xmax; ++x) {
            const double v = k[size_t(x)] * (1 << kPrecisionBits);
            c.kk[size_t(xx) * c.ksize + x] = static_cast<int32_t>(v < 0 ? -0.5 + v : 0.5 + v);
        }
        c.bounds[size_t(xx) * 2] = xmin;
        c.bounds[size_t(xx) * 2 + 1] = xmax;
    }
    return c;
}

uint8_t clip8(int v) {
    const int shifted = v >> kPrecisionBits;  // arithmetic shift, as Pillow's lookup table index
    return static_cast<uint8_t>(shifted < 0 ? 0 : shifted > 255 ? 255 : shifted);
}

// ImagingResampleHorizontal_8bpc / ImagingResampleVertical_8bpc: one pass along x (horizontal) or y.
cv::Mat resamplePass(const cv::Mat& in, int outSize, const PilFilter& f, bool horizontal) {
    const int channels = in.channels();
    const int inSize = horizontal ? in.cols : in.rows;
    const Coefficients c = precomputeCoefficients(inSize, outSize, f);
    cv::Mat out(horizontal ? in.rows : outSize, horizontal ? outSize : in.cols, in.type());
    for (int yy = 0; yy < out.rows; ++yy) {
        uint8_t* o = out.ptr<uint8_t>(yy);
        for (int xx = 0; xx < out.cols; ++xx) {
            const int j = horizontal ? xx : yy;
            const int first = c.bounds[size_t(j) * 2], count = c.bounds[size_t(j) * 2 + 1];
            const int32_t* k = &c.kk[size_t(j) * c.ksize];
            for (int ch = 0; ch < channels; ++ch) {
                int ss = 1 << (kPrecisionBits - 1);
                for (int i = 0; i < count; ++i) {
                    const uint8_t v = horizontal ? in.ptr<uint8_t>(yy)[(first + i) * channels + ch]
                                                 : in.ptr<uint8_t>(first + i)[xx * channels + ch];
                    ss += int(v) * k[i];
                }
                o[xx * channels + ch] = clip8(ss);
            }
        }
    }
    return out;
}

int readSquareOrHeight(const io::ConfigReader& r, const std::string& key, int fallback, int& height, int& width) {
    // Returns the shortest edge for {"shortest_edge": N} or a plain int; fills height/width for {"height", "width"}.
    if (!r.has(key)) return fallback;
    const nlohmann::json& v = r.root().at(key);
    if (v.is_number_integer()) return v.get<int>();
    if (v.is_object()) {
        const io::ConfigReader inner(v, r.file() + " (" + key + ")");
        if (v.contains("shortest_edge")) return inner.getInt("shortest_edge", fallback);
        if (v.contains("height") && v.contains("width")) {
            height = inner.getInt("height", 0);
            width = inner.getInt("width", 0);
            return 0;
        }
    }
    throw LoadError("'" + r.file() + "': " + key + " = " + v.dump() +
                    " is not understood; expected an int, {\"shortest_edge\": N} or {\"height\": H, \"width\": W}");
}

}  // namespace

CLIPImageProcessorConfig CLIPImageProcessorConfig::read(const io::ConfigReader& r) {
    CLIPImageProcessorConfig c;
    c.doResize = r.getBool("do_resize", c.doResize);
    c.shortestEdge = readSquareOrHeight(r, "size", c.shortestEdge, c.resizeHeight, c.resizeWidth);
    c.resample = r.getInt("resample", c.resample);
    c.doCenterCrop = r.getBool("do_center_crop", c.doCenterCrop);
    int cropH = 0, cropW = 0;
    const int square = readSquareOrHeight(r, "crop_size", 0, cropH, cropW);
    if (square > 0) cropH = cropW = square;  // an int or {"shortest_edge"}: a square crop
    if (cropH > 0 || cropW > 0) {
        c.cropHeight = cropH;
        c.cropWidth = cropW;
    }
    c.doRescale = r.getBool("do_rescale", c.doRescale);
    c.rescaleFactor = r.getDouble("rescale_factor", c.rescaleFactor);
    c.doNormalize = r.getBool("do_normalize", c.doNormalize);
    c.imageMean = r.getDoubleList("image_mean", c.imageMean);
    c.imageStd = r.getDoubleList("image_std", c.imageStd);
    c.doConvertRgb = r.getBool("do_convert_rgb", c.doConvertRgb);
    if (c.doResize && c.shortestEdge <= 0 && (c.resizeHeight <= 0 || c.resizeWidth <= 0))
        throw LoadError("'" + r.file() + "': size must be positive");
    if (c.doCenterCrop && (c.cropHeight <= 0 || c.cropWidth <= 0))
        throw LoadError("'" + r.file() + "': crop_size must be positive");
    // CLIP image encoders read 224 to 448 pixel pictures; a larger size is a broken file, and
    // preprocessing with it would take minutes and gigabytes (fuzz_image_processor).
    for (const auto& [key, v] : {std::pair{"size", c.doResize ? std::max({c.shortestEdge, c.resizeHeight, c.resizeWidth}) : 0},
                                 std::pair{"crop_size", c.doCenterCrop ? std::max(c.cropHeight, c.cropWidth) : 0}})
        if (v > kMaxProcessorSide)
            throw LoadError("'" + r.file() + "': " + key + " " + std::to_string(v) + " is over " +
                            std::to_string(kMaxProcessorSide) + " pixels; CLIP image encoders read 224 to 448 pixel "
                            "pictures: the file is not a CLIP image processor's config");
    if (c.imageMean.size() != 3 || c.imageStd.size() != 3)
        throw LoadError("'" + r.file() + "': image_mean and image_std need one value per RGB channel (3 each)");
    for (double s : c.imageStd)
        if (!(s > 0)) throw LoadError("'" + r.file() + "': image_std values must be positive");
    if (c.doResize && (c.resample < 1 || c.resample > 5))
        throw LoadError("'" + r.file() + "': resample = " + std::to_string(c.resample) +
                        " is not supported (PIL ids 1 LANCZOS, 2 BILINEAR, 3 BICUBIC, 4 BOX, 5 HAMMING)");
    return c;
}

cv::Mat pilResize(const cv::Mat& image8, int width, int height, int resample) {
    if (image8.depth() != CV_8U || image8.empty())
        throw InvalidRequest("pilResize: an 8-bit picture is expected");
    if (width <= 0 || height <= 0)
        throw InvalidRequest("pilResize: the target size " + std::to_string(width) + "x" + std::to_string(height) +
                             " is empty");
    const PilFilter f = pilFilter(resample);
    cv::Mat out = image8;
    // ImagingResampleInner: the horizontal pass first, each pass only when that side changes.
    if (width != out.cols) out = resamplePass(out, width, f, /*horizontal=*/true);
    if (height != out.rows) out = resamplePass(out, height, f, /*horizontal=*/false);
    return out.data == image8.data ? image8.clone() : out;
}

CLIPImageProcessor::CLIPImageProcessor(CLIPImageProcessorConfig config) : config_(std::move(config)) {}

CLIPImageProcessor CLIPImageProcessor::load(const std::string& folder) {
    const std::string path = (std::filesystem::path(folder) / "preprocessor_config.json").string();
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        throw LoadError("'" + path + "' is missing; an image-conditioned model needs its feature_extractor/"
                        "preprocessor_config.json (CLIPImageProcessor settings)");
    return CLIPImageProcessor(CLIPImageProcessorConfig::read(io::ConfigReader::fromFile(path)));
}

cv::Mat CLIPImageProcessor::resize(const cv::Mat& rgb8) const {
    if (!config_.doResize) return rgb8.clone();
    int height = config_.resizeHeight, width = config_.resizeWidth;
    if (config_.shortestEdge > 0) {  // transformers get_resize_output_image_size(default_to_square=False)
        const int h = rgb8.rows, w = rgb8.cols;
        const int shortSide = std::min(w, h), longSide = std::max(w, h);
        const int newShort = config_.shortestEdge;
        const double newLong = static_cast<double>(int64_t(newShort) * longSide) / shortSide;
        if (!(newLong <= kMaxResizedSide))
            throw InvalidRequest("CLIP image processor: a " + std::to_string(w) + "x" + std::to_string(h) +
                                 " picture resized to a shortest edge of " + std::to_string(newShort) +
                                 " would be over " + std::to_string(kMaxResizedSide) +
                                 " pixels long; crop the picture to a less elongated shape");
        height = w <= h ? static_cast<int>(newLong) : newShort;
        width = w <= h ? newShort : static_cast<int>(newLong);
    }
    return pilResize(rgb8, width, height, config_.resample);
}

cv::Mat CLIPImageProcessor::centerCrop(const cv::Mat& rgb8) const {
    if (!config_.doCenterCrop) return rgb8.clone();
    // transformers image_transforms.center_crop, zero padding where the picture is smaller.
    const int ch = config_.cropHeight, cw = config_.cropWidth, h = rgb8.rows, w = rgb8.cols;
    auto floorDiv2 = [](int v) { return v >= 0 ? v / 2 : -((-v + 1) / 2); };
    int top = floorDiv2(h - ch), left = floorDiv2(w - cw);
    if (top >= 0 && left >= 0 && top + ch <= h && left + cw <= w) return rgb8(cv::Rect(left, top, cw, ch)).clone();
    const int nh = std::max(ch, h), nw = std::max(cw, w);
    cv::Mat padded = cv::Mat::zeros(nh, nw, rgb8.type());
    const int topPad = (nh - h + 1) / 2, leftPad = (nw - w + 1) / 2;  // ceil
    rgb8.copyTo(padded(cv::Rect(leftPad, topPad, w, h)));
    top += topPad;
    left += leftPad;
    const int y0 = std::max(0, top), x0 = std::max(0, left);
    const int y1 = std::min(nh, top + ch), x1 = std::min(nw, left + cw);
    return padded(cv::Rect(x0, y0, x1 - x0, y1 - y0)).clone();
}

at::Tensor CLIPImageProcessor::preprocess(const cv::Mat& rgb8) const {
    if (rgb8.type() != CV_8UC3 || rgb8.empty())
        throw InvalidRequest("CLIP image processor: an 8-bit RGB picture is expected");
    const cv::Mat cropped = centerCrop(resize(rgb8));
    const int h = cropped.rows, w = cropped.cols;
    at::Tensor out = at::empty({1, 3, h, w}, at::kFloat);
    float* o = out.data_ptr<float>();
    for (int c = 0; c < 3; ++c) {
        // rescale: uint8 * factor in float64, then float32; normalize: (x - mean) / std in float32.
        const float mean = static_cast<float>(config_.imageMean[size_t(c)]);
        const float stdev = static_cast<float>(config_.imageStd[size_t(c)]);
        for (int y = 0; y < h; ++y) {
            const uint8_t* row = cropped.ptr<uint8_t>(y);
            for (int x = 0; x < w; ++x) {
                float v = config_.doRescale ? static_cast<float>(double(row[x * 3 + c]) * config_.rescaleFactor)
                                            : static_cast<float>(row[x * 3 + c]);
                if (config_.doNormalize) v = (v - mean) / stdev;
                o[(size_t(c) * h + y) * w + x] = v;
            }
        }
    }
    return out;
}

at::Tensor modelCardTransform(const cv::Mat& rgb8, int height, int width, const std::vector<double>& mean,
                              const std::vector<double>& std) {
    if (rgb8.type() != CV_8UC3 || rgb8.empty())
        throw InvalidRequest("model-card transform: an 8-bit RGB picture is expected");
    if (mean.size() != 3 || std.size() != 3) throw InvalidRequest("model-card transform: mean and std need 3 values");
    cv::Mat c = rgb8.isContinuous() ? rgb8 : rgb8.clone();
    const at::Tensor u8 = at::from_blob(c.data, {1, c.rows, c.cols, 3}, at::kByte).permute({0, 3, 1, 2});
    const at::Tensor x = u8.to(at::kFloat) / 255;  // ToTensor
    const at::Tensor resized = at::upsample_bicubic2d(x, {height, width}, /*align_corners=*/false);
    const at::Tensor m = at::tensor({float(mean[0]), float(mean[1]), float(mean[2])}).view({1, 3, 1, 1});
    const at::Tensor s = at::tensor({float(std[0]), float(std[1]), float(std[2])}).view({1, 3, 1, 1});
    return ((resized - m) / s).contiguous();
}

}  // namespace dragdiff::models
