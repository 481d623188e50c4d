// Fuzzes the CLIPImageProcessor config reader (feature_extractor/preprocessor_config.json of the
// image-variation models, both its formats: the legacy CLIPFeatureExtractor one with plain ints
// and the current one with {"shortest_edge"} / {"height", "width"} objects): the input is the
// text of the file. A config that reads is then used as the app uses it: the processor's
// preprocess() on small pictures of several shapes (its output must be [1, 3, crop] or the
// resized size), and the model-card transform with its mean and std. Bad configs must be
// LoadErrors naming the file and key, never a crash, and never an allocation out of proportion
// with the picture.
#include "dragdiff/error.h"
#include "fuzz_support.h"
#include "io/config_json.h"
#include "models/clip/clip_image_processor.h"

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include <optional>

using namespace dragdiff;

namespace {

void writeSeeds(const std::string& dir) {
    const std::vector<double> mean{0.48145466, 0.4578275, 0.40821073}, stdev{0.26862954, 0.26130258, 0.27577711};
    // lambdalabs/sd-image-variations-diffusers feature_extractor/: the legacy format.
    const nlohmann::json legacy = {{"crop_size", 224}, {"do_center_crop", true}, {"do_normalize", true},
                                   {"do_resize", true}, {"feature_extractor_type", "CLIPFeatureExtractor"},
                                   {"image_mean", mean}, {"image_std", stdev}, {"resample", 3}, {"size", 224}};
    fuzz::writeSeed(dir, "legacy.json", legacy.dump(2));
    // What save_pretrained writes now.
    const nlohmann::json current = {
        {"crop_size", {{"height", 224}, {"width", 224}}}, {"do_center_crop", true}, {"do_convert_rgb", true},
        {"do_normalize", true}, {"do_rescale", true}, {"do_resize", true}, {"image_mean", mean},
        {"image_processor_type", "CLIPImageProcessor"}, {"image_std", stdev}, {"resample", 3},
        {"rescale_factor", 0.00392156862745098}, {"size", {{"shortest_edge", 224}}}};
    fuzz::writeSeed(dir, "current.json", current.dump(2));
    fuzz::writeSeed(dir, "height_width.json",
                    R"({"size": {"height": 12, "width": 20}, "crop_size": {"height": 8, "width": 6}, "resample": 1})");
    fuzz::writeSeed(dir, "no_crop_bilinear.json",
                    R"({"size": 9, "do_center_crop": false, "resample": 2, "do_rescale": false, "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5]})");
    fuzz::writeSeed(dir, "box_hamming.json", R"({"size": {"shortest_edge": 5}, "crop_size": 7, "resample": 4})");
    fuzz::writeSeed(dir, "nothing.json", R"({"do_resize": false, "do_center_crop": false, "do_normalize": false, "resample": 5})");
    fuzz::writeSeed(dir, "bad_size.json", R"({"size": {"longest_edge": 224}, "crop_size": [224, 224]})");
}

// Pictures of several shapes (landscape, portrait, one pixel), with a pattern.
const std::vector<cv::Mat>& pictures() {
    static const std::vector<cv::Mat> all = [] {
        std::vector<cv::Mat> out;
        for (auto [w, h] : {std::pair{23, 17}, std::pair{6, 31}, std::pair{1, 1}}) {
            cv::Mat m(h, w, CV_8UC3);
            for (int y = 0; y < h; ++y)
                for (int x = 0; x < w * 3; ++x) m.ptr<uint8_t>(y)[x] = static_cast<uint8_t>((x * 37 + y * 11) & 0xff);
            out.push_back(m);
        }
        return out;
    }();
    return all;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    if (auto dir = fuzz::seedFolder(); !dir.empty()) {
        writeSeeds(dir);
        std::exit(0);
    }
    // Warm-up (LibTorch's lazy initialisation) before libFuzzer's per-input timeout applies.
    (void)models::modelCardTransform(pictures()[0], 4, 4, {0.5, 0.5, 0.5}, {0.5, 0.5, 0.5});
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    std::optional<models::CLIPImageProcessor> processor;
    try {
        processor.emplace(models::CLIPImageProcessorConfig::read(
            io::ConfigReader::fromText(text, "fuzz/feature_extractor/preprocessor_config.json")));
    } catch (const Error&) {
        return 0;
    }
    const models::CLIPImageProcessorConfig& c = processor->config();
    for (const cv::Mat& picture : pictures()) {
        try {
            const at::Tensor pixels = processor->preprocess(picture);
            const cv::Mat resized = processor->resize(picture);
            const int64_t h = c.doCenterCrop ? c.cropHeight : resized.rows, w = c.doCenterCrop ? c.cropWidth : resized.cols;
            if (pixels.dim() != 4 || pixels.size(0) != 1 || pixels.size(1) != 3 || pixels.size(2) != h || pixels.size(3) != w) {
                std::fprintf(stderr, "preprocess made [%lld, %lld, %lld, %lld] of a %dx%d picture, expected [1, 3, %lld, %lld]\n",
                             static_cast<long long>(pixels.size(0)), static_cast<long long>(pixels.size(1)),
                             static_cast<long long>(pixels.size(2)), static_cast<long long>(pixels.size(3)), picture.cols,
                             picture.rows, static_cast<long long>(h), static_cast<long long>(w));
                std::abort();
            }
        } catch (const Error&) {
        }
    }
    try {
        (void)models::modelCardTransform(pictures()[0], 8, 8, c.imageMean, c.imageStd);
    } catch (const Error&) {
    }
    return 0;
}
