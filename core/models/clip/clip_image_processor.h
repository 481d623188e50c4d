#pragma once
// Ports transformers 4.38 CLIPImageProcessor (models/clip/image_processing_clip.py), the
// `feature_extractor` of image-conditioned Stable Diffusion: convert to RGB, resize the shortest
// edge with Pillow's resampling (Pillow 9.4's separable, antialiased, fixed-point filters on
// uint8, exactly), centre crop, rescale, normalise. Also the transform the
// lambdalabs/sd-image-variations-diffusers model card recommends instead (modelCardTransform).
#include "io/config_json.h"

#include <ATen/ATen.h>
#include <opencv2/core.hpp>

#include <string>
#include <vector>

namespace dragdiff::models {

// The largest size and crop_size read() accepts (CLIP image encoders read 224 to 448 pixels), and
// the longest side resize() makes: a picture so elongated that its resized long side would pass
// it is refused (the Pillow-exact resize costs seconds per megapixel; fuzz_image_processor).
constexpr int kMaxProcessorSide = 448;
constexpr int kMaxResizedSide = 4 * kMaxProcessorSide;

// CLIPImageProcessor defaults. read() takes both formats in use: the legacy CLIPFeatureExtractor
// one (`size` and `crop_size` plain ints) and the one save_pretrained writes now (`size`
// {"shortest_edge": N} or {"height", "width"}, `crop_size` {"height", "width"}). Unknown keys are
// ignored; sizes over kMaxProcessorSide are a LoadError.
struct CLIPImageProcessorConfig {
    bool doResize = true;
    int shortestEdge = 224;       // size: the shortest edge after resizing (0 when size gives height/width)
    int resizeHeight = 0;         // size {"height", "width"}: an exact size instead
    int resizeWidth = 0;
    int resample = 3;             // PIL filter id: 3 = BICUBIC (1 LANCZOS, 2 BILINEAR, 4 BOX, 5 HAMMING)
    bool doCenterCrop = true;
    int cropHeight = 224;
    int cropWidth = 224;
    bool doRescale = true;
    double rescaleFactor = 1.0 / 255.0;
    bool doNormalize = true;
    std::vector<double> imageMean{0.48145466, 0.4578275, 0.40821073};  // OPENAI_CLIP_MEAN
    std::vector<double> imageStd{0.26862954, 0.26130258, 0.27577711};  // OPENAI_CLIP_STD
    bool doConvertRgb = true;

    static CLIPImageProcessorConfig read(const io::ConfigReader& r);
};

// Pillow 9.4 Image.resize(size, resample) of an 8-bit image (CV_8UC3 or CV_8UC1): separable,
// horizontal pass then vertical, each filter's support widened by the downscale factor
// (antialiasing), 22-bit fixed-point weights, uint8 rounding after each pass. `resample` as in
// CLIPImageProcessorConfig; NEAREST (0) is not supported (InvalidRequest).
cv::Mat pilResize(const cv::Mat& image8, int width, int height, int resample);

class CLIPImageProcessor {
public:
    explicit CLIPImageProcessor(CLIPImageProcessorConfig config);
    // Reads `folder`/preprocessor_config.json; LoadError naming the file and key when it is wrong.
    static CLIPImageProcessor load(const std::string& folder);

    const CLIPImageProcessorConfig& config() const { return config_; }

    // The stages of preprocess(), for tests: the resized and the centre-cropped uint8 RGB picture.
    cv::Mat resize(const cv::Mat& rgb8) const;
    cv::Mat centerCrop(const cv::Mat& rgb8) const;  // zero-padded where the picture is smaller
    // An RGB CV_8UC3 picture -> pixel_values [1, 3, cropHeight, cropWidth] float32 (NCHW).
    at::Tensor preprocess(const cv::Mat& rgb8) const;

private:
    CLIPImageProcessorConfig config_;
};

// The model card's transform (torchvision ToTensor, Resize((height, width), BICUBIC,
// antialias=False), Normalize(mean, std)): the whole picture warped to height x width by bicubic
// interpolation (a = -0.75, align_corners=False, no antialiasing, no clamp), then normalised.
// An RGB CV_8UC3 picture -> [1, 3, height, width] float32.
at::Tensor modelCardTransform(const cv::Mat& rgb8, int height, int width, const std::vector<double>& mean,
                              const std::vector<double>& std);

}  // namespace dragdiff::models
