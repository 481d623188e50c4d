// Image-conditioned SD (StableDiffusionImageVariationPipeline) on every golden case that has an
// image encoder: CLIPImageProcessor's stages and pixel_values for the case's odd-sized picture,
// the model card's transform, CLIPVisionModelWithProjection's outputs, and the pipeline's image
// embeddings through the engine's loader. Nothing depends on a case's name or sizes.
#include "support/catch.h"

#include "drag/pipeline.h"
#include "drag/working_image.h"
#include "dragdiff/error.h"
#include "io/config_json.h"
#include "io/safetensors.h"
#include "models/clip/clip_image_processor.h"
#include "models/clip/clip_vision_model.h"
#include "models/component_files.h"
#include "support/golden_case.h"

#include <c10/core/GradMode.h>

#include <map>

using namespace dragdiff;

namespace {

// imgvar/image_uint8 [H, W, 3] RGB as a CV_8UC3 picture.
cv::Mat casePicture(const test::GoldenCase& c) {
    const at::Tensor t = c.tensor("imgvar/image_uint8").contiguous();
    REQUIRE(t.scalar_type() == at::kByte);
    REQUIRE(t.dim() == 3);
    REQUIRE(t.size(2) == 3);
    return cv::Mat(int(t.size(0)), int(t.size(1)), CV_8UC3, t.data_ptr<uint8_t>()).clone();
}

at::Tensor asTensor(const cv::Mat& rgb8) {  // [H, W, C] uint8
    cv::Mat m = rgb8.isContinuous() ? rgb8 : rgb8.clone();
    return at::from_blob(m.data, {m.rows, m.cols, m.channels()}, at::kByte).clone();
}

drag::Pipeline loadCase(const test::GoldenCase& c) {
    ModelSpec spec;
    spec.path = c.dir();
    return drag::loadPipeline(spec);
}

}  // namespace

TEST_CASE("image encoder parameter names and shapes equal the golden checkpoint's", "[golden][clip][imgvar]") {
    for (const auto& c : test::goldenCasesWith("image_encoder")) {
        INFO(c.name());
        auto model = models::CLIPVisionModelWithProjection(
            models::CLIPVisionConfig::read(io::ConfigReader::fromFile(c.path("image_encoder/config.json"))));
        io::SafetensorsFile file(models::findComponentWeights(c.path("image_encoder"), "model"));
        std::map<std::string, std::vector<int64_t>> expected;
        for (const auto& e : file.entries())
            if (!models::isIgnoredCLIPVisionWeight(e.name)) expected[e.name] = e.shape;
        std::map<std::string, std::vector<int64_t>> ours;
        for (const auto& p : model->named_parameters()) ours[p.key()] = p.value().sizes().vec();
        CHECK(ours.size() == expected.size());
        for (const auto& [name, shape] : expected) {
            INFO(name);
            REQUIRE(ours.count(name) == 1);
            CHECK(ours[name] == shape);
        }
    }
}

TEST_CASE("golden: CLIPImageProcessor's resize, crop and pixel_values", "[golden][imgvar]") {
    for (const auto& c : test::goldenCasesWith("image_encoder")) {
        INFO(c.name());
        const auto processor = models::CLIPImageProcessor::load(c.path("feature_extractor"));
        const cv::Mat picture = casePicture(c);
        const cv::Mat resized = processor.resize(picture);
        CHECK_GOLDEN(c, "imgvar/resized_uint8", asTensor(resized));
        CHECK_GOLDEN(c, "imgvar/cropped_uint8", asTensor(processor.centerCrop(resized)));
        CHECK_GOLDEN(c, "imgvar/pixel_values", processor.preprocess(picture));
    }
}

TEST_CASE("golden: the model card's transform", "[golden][imgvar]") {
    for (const auto& c : test::goldenCasesWith("image_encoder")) {
        INFO(c.name());
        REQUIRE(c.has("imgvar/pixel_values_modelcard"));  // the README: every image-variation case has both
        const auto processor = models::CLIPImageProcessor::load(c.path("feature_extractor"));
        const auto config = models::CLIPVisionConfig::read(io::ConfigReader::fromFile(c.path("image_encoder/config.json")));
        const at::Tensor ours = models::modelCardTransform(casePicture(c), config.imageSize, config.imageSize,
                                                           processor.config().imageMean, processor.config().imageStd);
        CHECK_GOLDEN(c, "imgvar/pixel_values_modelcard", ours);
    }
}

TEST_CASE("golden: CLIPVisionModelWithProjection reproduces the reference outputs", "[golden][clip][imgvar]") {
    c10::NoGradGuard noGrad;
    for (const auto& c : test::goldenCasesWith("image_encoder")) {
        INFO(c.name());
        auto model = models::loadCLIPVisionModelWithProjection(c.path("image_encoder"), at::kFloat, at::kCPU);
        for (const auto& p : model->parameters()) CHECK_FALSE(p.requires_grad());
        const auto out = model->forward(c.tensor("imgvar/pixel_values"), /*outputHiddenStates=*/true);
        REQUIRE(out.hiddenStates.size() == static_cast<size_t>(model->config().numHiddenLayers) + 1);
        CHECK_GOLDEN(c, "image_encoder/last_hidden_state", out.lastHiddenState);
        CHECK_GOLDEN(c, "image_encoder/penultimate_hidden_state", out.hiddenStates[out.hiddenStates.size() - 2]);
        CHECK_GOLDEN(c, "image_encoder/pooler_output", out.poolerOutput);
        CHECK_GOLDEN(c, "image_encoder/image_embeds", out.imageEmbeds);
        CHECK_THROWS_AS(model->forward(at::zeros({1, 3, 7, 7})), InvalidRequest);
    }
}

TEST_CASE("golden: the pipeline's image embeddings through the engine's loader", "[golden][imgvar]") {
    for (const auto& c : test::goldenCasesWith("image_encoder")) {
        INFO(c.name());
        drag::Pipeline p = loadCase(c);
        CHECK(p.info.family == "sd-image-variations");
        CHECK_FALSE(p.info.usesPrompt);
        CHECK(p.info.imageEncoderSize == p.imageEncoder->config().imageSize);
        CHECK(p.info.imageEmbeddingDim == p.unet->config().crossAttentionDim);
        const cv::Mat picture = casePicture(c);
        CHECK_GOLDEN(c, "imgvar/image_embeddings", p.encodeImage(picture, "processor"));
        CHECK_GOLDEN(c, "imgvar/image_embeddings_cfg", p.encodeImage(picture, "processor", /*classifierFreeGuidance=*/true));
        CHECK_GOLDEN(c, "imgvar/image_embeddings_modelcard", p.encodeImage(picture, "modelcard"));
        CHECK_THROWS_AS(p.encodeImage(picture, "bogus"), InvalidRequest);

        // An edit's context is the embedding of the picture's content at its working size: the
        // padding beside it does not count.
        drag::WorkingImage work;
        cv::Mat padded;
        cv::copyMakeBorder(picture, padded, 0, 5, 0, 3, cv::BORDER_REPLICATE);
        padded.convertTo(work.rgb, CV_32FC3, 1.0 / 255.0);
        work.content = picture.size();
        work.original = picture.size();
        CHECK_GOLDEN(c, "imgvar/image_embeddings", p.encodeContext("", work, "processor").encoderHiddenStates);
        CHECK_GOLDEN(c, "imgvar/image_embeddings_modelcard", p.encodeContext(" ", work, "modelcard").encoderHiddenStates);
        try {
            p.encodeContext("a photo of a horse", work, "modelcard");
            FAIL("a prompt was accepted by an image-conditioned model");
        } catch (const InvalidRequest& e) {
            CHECK_THAT(std::string(e.what()), Catch::Contains("takes no prompt"));
        }
    }
}
