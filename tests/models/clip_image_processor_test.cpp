// CLIPImageProcessor without weights: both preprocessor_config.json formats, Pillow's resampling
// on hand-computed cases, the centre crop's zero padding, and the vision config's nested form.
#include "support/catch.h"

#include "dragdiff/error.h"
#include "io/config_json.h"
#include "models/clip/clip_image_processor.h"
#include "models/clip/clip_vision_model.h"
#include "models/model_configs.h"

#include <set>

using namespace dragdiff;

namespace {

models::CLIPImageProcessorConfig readConfig(const std::string& text) {
    return models::CLIPImageProcessorConfig::read(io::ConfigReader::fromText(text, "preprocessor_config.json"));
}

}  // namespace

TEST_CASE("CLIPImageProcessor reads the legacy and the current preprocessor_config.json", "[unit][imgvar]") {
    const auto legacy = readConfig(R"({"crop_size": 224, "do_center_crop": true, "do_normalize": true,
        "do_resize": true, "feature_extractor_type": "CLIPFeatureExtractor", "image_mean": [0.5, 0.5, 0.5],
        "image_std": [0.25, 0.25, 0.25], "resample": 3, "size": 224})");
    CHECK(legacy.shortestEdge == 224);
    CHECK(legacy.cropHeight == 224);
    CHECK(legacy.cropWidth == 224);
    CHECK(legacy.rescaleFactor == Approx(1.0 / 255));
    CHECK(legacy.doConvertRgb);
    CHECK(legacy.imageMean == std::vector<double>{0.5, 0.5, 0.5});

    const auto current = readConfig(R"({"crop_size": {"height": 200, "width": 190}, "do_convert_rgb": true,
        "image_processor_type": "CLIPImageProcessor", "resample": 3, "rescale_factor": 0.00392156862745098,
        "size": {"shortest_edge": 210}, "_valid_processor_keys": ["images", "do_resize"]})");
    CHECK(current.shortestEdge == 210);
    CHECK(current.cropHeight == 200);
    CHECK(current.cropWidth == 190);
    CHECK(current.imageMean[0] == Approx(0.48145466));  // CLIP's mean when none is given

    const auto defaults = readConfig("{}");
    CHECK(defaults.shortestEdge == 224);
    CHECK(defaults.resample == 3);

    CHECK_THROWS_AS(readConfig(R"({"size": "big"})"), LoadError);
    CHECK_THROWS_AS(readConfig(R"({"resample": 0})"), LoadError);
    CHECK_THROWS_AS(readConfig(R"({"image_mean": [0.5]})"), LoadError);
}

TEST_CASE("Pillow resampling: hand-computed cases", "[unit][imgvar]") {
    // Two pixels 0 and 255 to one: the bicubic weights widened by 2 are equal, (0 + 255) / 2 rounds to 128.
    cv::Mat two(1, 2, CV_8UC1);
    two.at<uint8_t>(0, 0) = 0;
    two.at<uint8_t>(0, 1) = 255;
    CHECK(models::pilResize(two, 1, 1, /*resample=*/3).at<uint8_t>(0, 0) == 128);
    // BOX of 4 pixels to 2: plain means, rounded half up.
    cv::Mat four = (cv::Mat_<uint8_t>(1, 4) << 10, 21, 100, 200);
    const cv::Mat box = models::pilResize(four, 2, 1, /*resample=*/4);
    CHECK(int(box.at<uint8_t>(0, 0)) == 16);  // 15.5 -> 16
    CHECK(int(box.at<uint8_t>(0, 1)) == 150);
    // A flat picture stays flat under any size change; the same size is a copy.
    const cv::Mat flat(77, 101, CV_8UC3, cv::Scalar(200, 13, 255));
    for (cv::Size s : {cv::Size(41, 32), cv::Size(203, 150), cv::Size(101, 30)}) {
        const cv::Mat r = models::pilResize(flat, s.width, s.height, 3);
        REQUIRE(r.size() == s);
        CHECK(cv::norm(r, cv::Mat(s, CV_8UC3, cv::Scalar(200, 13, 255)), cv::NORM_INF) == 0);
    }
    CHECK(cv::norm(models::pilResize(flat, 101, 77, 3), flat, cv::NORM_INF) == 0);
    CHECK_THROWS_AS(models::pilResize(flat, 0, 10, 3), InvalidRequest);
}

TEST_CASE("CLIPImageProcessor refuses sizes no CLIP encoder reads (fuzz_image_processor finding)", "[unit][imgvar]") {
    // {"size": 2000000000} made resize() convert 2.7e9 to int (undefined behaviour, UBSan); a
    // size of 30000 took over a minute of preprocessing for one small picture, and gigabytes.
    for (const char* text : {R"({"size": 2000000000, "crop_size": 224})", R"({"size": 30000, "crop_size": 224})",
                             R"({"size": {"shortest_edge": 449}})", R"({"size": {"shortest_edge": 958}, "crop_size": {"height": 494, "width": 224}})", R"({"size": {"height": 224, "width": 5000}})",
                             R"({"size": 224, "crop_size": {"height": 60000, "width": 60000}})",
                             R"({"crop_size": 449, "do_resize": false})"}) {
        INFO(text);
        CHECK_THROWS_AS(readConfig(text), LoadError);
        CHECK_THROWS_WITH(readConfig(text), Catch::Contains("is over 448 pixels"));
    }
    // The limit itself and what a step that is off ignores still read.
    CHECK(readConfig(R"({"size": 448, "crop_size": 448})").shortestEdge == 448);
    CHECK_FALSE(readConfig(R"({"size": 5000, "do_resize": false, "crop_size": 5000, "do_center_crop": false})").doResize);
    // A picture so elongated that its resized long side would pass 1792 pixels is refused (a 6x31
    // picture at 958 took 4 s), and one so long that the side would not fit an int is not wrapped around.
    const models::CLIPImageProcessor processor(readConfig(R"({"size": 448, "do_center_crop": false})"));
    CHECK_THROWS_WITH(processor.resize(cv::Mat(31, 6, CV_8UC3, cv::Scalar(1, 2, 3))), Catch::Contains("over 1792 pixels long"));
    CHECK_THROWS_AS(processor.resize(cv::Mat(1, 2100000, CV_8UC3, cv::Scalar(1, 2, 3))), InvalidRequest);
    CHECK(processor.resize(cv::Mat(16, 64, CV_8UC3, cv::Scalar(1, 2, 3))).size() == cv::Size(1792, 448));
}

TEST_CASE("CLIPImageProcessor: shortest edge, centre crop with zero padding, normalisation", "[unit][imgvar]") {
    auto config = readConfig(R"({"size": 8, "crop_size": 8, "image_mean": [0, 0, 0], "image_std": [1, 1, 1]})");
    const models::CLIPImageProcessor processor(config);
    const cv::Mat wide(10, 25, CV_8UC3, cv::Scalar(51, 102, 255));
    CHECK(processor.resize(wide).size() == cv::Size(20, 8));   // int(8 * 25 / 10) = 20
    const cv::Mat tall(25, 10, CV_8UC3, cv::Scalar(51, 102, 255));
    CHECK(processor.resize(tall).size() == cv::Size(8, 20));
    const at::Tensor pixels = processor.preprocess(wide);
    REQUIRE(pixels.sizes() == at::IntArrayRef({1, 3, 8, 8}));
    CHECK(pixels[0][0].max().item<float>() == Approx(0.2));
    CHECK(pixels[0][2].min().item<float>() == Approx(1.0));

    // A crop larger than the picture pads with zeros around it (transformers' center_crop).
    config.doResize = false;
    config.cropHeight = 5;
    config.cropWidth = 4;
    const cv::Mat small(2, 3, CV_8UC3, cv::Scalar(9, 9, 9));
    const cv::Mat cropped = models::CLIPImageProcessor(config).centerCrop(small);
    REQUIRE(cropped.size() == cv::Size(4, 5));
    CHECK(cv::sum(cropped)[0] == 9 * 6);
    CHECK(cropped.at<cv::Vec3b>(2, 1)[0] == 9);  // top pad ceil(3 / 2) = 2, left pad ceil(1 / 2) = 1
    CHECK(cropped.at<cv::Vec3b>(1, 1)[0] == 0);
}

TEST_CASE("CLIPVisionConfig reads a flat config and a full CLIPConfig's vision_config", "[unit][imgvar]") {
    const auto flat = models::CLIPVisionConfig::read(io::ConfigReader::fromText(
        R"({"model_type": "clip_vision_model", "hidden_size": 64, "num_attention_heads": 4, "image_size": 28,
            "patch_size": 14, "projection_dim": 48})", "config.json"));
    CHECK(flat.hiddenSize == 64);
    CHECK(flat.numPatches() == 4);
    CHECK(flat.intermediateSize == 3072);  // transformers' default
    const auto nested = models::CLIPVisionConfig::read(io::ConfigReader::fromText(
        R"({"model_type": "clip", "text_config": {"hidden_size": 512},
            "vision_config": {"hidden_size": 96, "num_attention_heads": 6, "patch_size": 16}})", "config.json"));
    CHECK(nested.hiddenSize == 96);
    CHECK(nested.patchSize == 16);
    CHECK_THROWS_AS(models::CLIPVisionConfig::read(io::ConfigReader::fromText(R"({"image_size": 30, "patch_size": 14})", "c.json")),
                    LoadError);

    // The module tree's names are the checkpoint's keys (transformers' spelling pre_layrnorm included).
    models::CLIPVisionConfig tiny;
    tiny.hiddenSize = 8;
    tiny.intermediateSize = 12;
    tiny.numHiddenLayers = 1;
    tiny.numAttentionHeads = 2;
    tiny.imageSize = 8;
    tiny.patchSize = 4;
    tiny.projectionDim = 6;
    models::CLIPVisionModelWithProjection model(tiny);
    std::set<std::string> names;
    for (const auto& p : model->named_parameters()) names.insert(p.key());
    for (const char* key : {"vision_model.embeddings.class_embedding", "vision_model.embeddings.patch_embedding.weight",
                            "vision_model.embeddings.position_embedding.weight", "vision_model.pre_layrnorm.weight",
                            "vision_model.encoder.layers.0.self_attn.q_proj.bias", "vision_model.post_layernorm.bias",
                            "visual_projection.weight"})
        CHECK(names.count(key) == 1);
    CHECK(names.count("vision_model.embeddings.patch_embedding.bias") == 0);
    CHECK(names.count("visual_projection.bias") == 0);
    at::NoGradGuard noGrad;
    const auto out = model->forward(at::randn({2, 3, 8, 8}));
    CHECK(out.lastHiddenState.sizes() == at::IntArrayRef({2, 5, 8}));
    CHECK(out.imageEmbeds.sizes() == at::IntArrayRef({2, 6}));
}
