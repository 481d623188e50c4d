// Every golden case's files parse: configs into our structs, every safetensors file validates,
// and every output tensor listed in case.json is present with its tolerance.
#include "io/config_json.h"
#include "models/clip/clip_image_processor.h"
#include "models/model_configs.h"
#include "support/golden_case.h"

#include "support/catch.h"

#include <filesystem>

using namespace dragdiff;

TEST_CASE("golden cases exist and their files parse", "[golden]") {
    for (const auto& c : test::allGoldenCases()) {
        INFO(c.dir());
        CHECK_NOTHROW(models::UNetConfig::read(io::ConfigReader::fromFile(c.path("unet/config.json"))));
        CHECK_NOTHROW(models::VAEConfig::read(io::ConfigReader::fromFile(c.path("vae/config.json"))));
        // Each case is of a family the project runs and holds what that family's tests read, so no
        // case escapes the tests of its components (they select cases by what they hold).
        const std::string pipeline = c.pipelineClass();
        INFO("pipeline " << pipeline);
        REQUIRE((pipeline == test::kStableDiffusionPipeline || pipeline == test::kImageVariationPipeline ||
                 pipeline == test::kStableDiffusionXLPipeline));
        if (pipeline == test::kImageVariationPipeline) {
            CHECK(c.holds("image_encoder"));
            CHECK(c.holds("feature_extractor/preprocessor_config.json"));
            CHECK(c.has("imgvar/pixel_values"));
            CHECK(c.has("image_encoder/image_embeds"));
            CHECK_NOTHROW(models::CLIPVisionConfig::read(io::ConfigReader::fromFile(c.path("image_encoder/config.json"))));
            CHECK_NOTHROW(models::CLIPImageProcessorConfig::read(
                io::ConfigReader::fromFile(c.path("feature_extractor/preprocessor_config.json"))));
        } else {
            CHECK(c.holds("text_encoder"));
            CHECK(c.holds("tokenizer"));
            CHECK(c.holds("model.ldm.safetensors"));
            CHECK_NOTHROW(models::CLIPTextConfig::read(io::ConfigReader::fromFile(c.path("text_encoder/config.json"))));
        }
        CHECK_NOTHROW(models::DDIMConfig::read(io::ConfigReader::fromFile(c.path("scheduler/scheduler_config.json"))));
        if (c.isSDXL()) {
            CHECK(c.holds("text_encoder_2"));
            CHECK(c.holds("tokenizer_2"));
            CHECK(c.has("text_2/text_embeds"));
            CHECK(c.has("unet/time_ids"));
            CHECK(models::UNetConfig::read(io::ConfigReader::fromFile(c.path("unet/config.json"))).hasTextTimeEmbedding());
            CHECK_NOTHROW(models::CLIPTextConfig::read(io::ConfigReader::fromFile(c.path("text_encoder_2/config.json"))));
        }
        for (const auto& f : std::filesystem::recursive_directory_iterator(c.dir())) {
            if (f.path().extension() != ".safetensors") continue;
            INFO(f.path().string());
            CHECK_NOTHROW(io::SafetensorsFile(f.path().string()));
        }
        const auto& tensors = c.spec().at("tensors");
        CHECK(tensors.size() > 10);
        for (auto it = tensors.begin(); it != tensors.end(); ++it) {
            const std::string name = it.key();
            const auto& t = it.value();
            INFO(name);
            CHECK(c.has(name));
            if (t.value("role", "") == "output" && t.value("dtype", "") != "I64" && t.value("dtype", "") != "U8") {
                // atol 0 marks outputs exact by construction (the README: integer-valued or zeros,
                // such as SDXL's size ids and force-zeros embeddings); any other needs a tolerance.
                const at::Tensor ref = c.tensor(name).to(at::kDouble);
                if (!at::equal(ref, at::round(ref))) CHECK(c.atol(name) > 0);
                CHECK(c.atol(name) >= 0);
                CHECK(c.rtol(name) >= 0);
            }
        }
    }
}
