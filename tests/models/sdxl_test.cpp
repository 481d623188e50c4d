// SDXL pieces that need no golden files: the UNet's "text_time" added conditioning (config, module
// names, what it refuses), the size ids, and how single files of other families are recognised and
// refused (SD3, FLUX, SDXL refiner, inpainting, fp8, GGUF) or flagged (v_pred, ztsnr markers).
#include "support/catch.h"

#include "dragdiff/error.h"
#include "io/config_json.h"
#include "io/safetensors.h"
#include "models/sdxl/sdxl_conditioning.h"
#include "models/single_file/checkpoint_family.h"
#include "tiny_configs.h"
#include "models/unet/unet_2d_condition.h"
#include "support/test_support.h"

#include <c10/core/GradMode.h>

#include <fstream>

using namespace dragdiff;

namespace {

// The tiny three-level UNet with SDXL's added conditioning: P = 8 pooled channels, 6 ids × 4.
models::UNetConfig tinySDXLUNet() {
    models::UNetConfig c = test::tinyUNetConfig(3, /*sd2Style=*/true);
    c.additionEmbedType = "text_time";
    c.additionTimeEmbedDim = 4;
    c.projectionClassEmbeddingsInputDim = 8 + 6 * 4;
    return c;
}

template <typename Fn>
std::string loadErrorOf(Fn&& fn) {
    try {
        fn();
    } catch (const LoadError& e) {
        return e.what();
    }
    return "(no LoadError)";
}

std::string classifyError(const test::TempDir& dir, const std::map<std::string, at::Tensor>& tensors) {
    const std::string path = dir.file("file.safetensors");
    io::writeSafetensors(path, tensors);
    return loadErrorOf([&] { models::classifyCheckpoint(io::SafetensorsFile(path)); });
}

}  // namespace

TEST_CASE("UNet config: addition_embed_type text_time is read, other added embeddings are refused", "[unit][models][sdxl]") {
    const auto c = models::UNetConfig::read(io::ConfigReader::fromText(
        R"({"addition_embed_type": "text_time", "addition_time_embed_dim": 256,
            "projection_class_embeddings_input_dim": 2816})", "unet/config.json"));
    CHECK(c.hasTextTimeEmbedding());
    CHECK(c.additionTimeEmbedDim == 256);
    CHECK(c.projectionClassEmbeddingsInputDim == 2816);
    CHECK_FALSE(models::UNetConfig::read(io::ConfigReader::fromText("{}", "unet/config.json")).hasTextTimeEmbedding());
    CHECK_THROWS_WITH(models::UNetConfig::read(io::ConfigReader::fromText(
                          R"({"addition_embed_type": "text_time"})", "unet/config.json")),
                      Catch::Contains("projection_class_embeddings_input_dim") && Catch::Contains("unet/config.json"));
    CHECK_THROWS_WITH(models::UNetConfig::read(io::ConfigReader::fromText(
                          R"({"addition_embed_type": "image"})", "unet/config.json")),
                      Catch::Contains("addition_embed_type") && Catch::Contains("text_time"));
}

TEST_CASE("the SDXL preset has the reference's module shapes", "[unit][models][sdxl]") {
    const auto c = models::UNetConfig::sdxl();
    CHECK(c.blockOutChannels == std::vector<int>{320, 640, 1280});
    CHECK(c.transformerLayersPerBlock == std::vector<int>{1, 2, 10});
    CHECK(c.numAttentionHeads == std::vector<int>{5, 10, 20});
    CHECK(c.projectionClassEmbeddingsInputDim == 1280 + 6 * c.additionTimeEmbedDim);
    CHECK(models::VAEConfig::sdxl().scalingFactor == Approx(0.13025));
}

TEST_CASE("a text_time UNet has add_embedding and uses text_embeds and time_ids", "[unit][models][sdxl]") {
    at::manual_seed(3);
    models::UNet2DConditionModel unet(tinySDXLUNet());
    std::map<std::string, std::vector<int64_t>> params;
    for (const auto& p : unet->named_parameters()) params[p.key()] = p.value().sizes().vec();
    CHECK(params.at("add_embedding.linear_1.weight") == std::vector<int64_t>{64, 32});
    CHECK(params.at("add_embedding.linear_2.weight") == std::vector<int64_t>{64, 64});
    CHECK(params.count("add_time_proj.weight") == 0);  // sinusoidal, no parameters

    c10::NoGradGuard noGrad;
    const at::Tensor sample = at::randn({2, 4, 8, 12});
    const at::Tensor ehs = at::randn({2, 5, 24});
    const at::Tensor t = at::scalar_tensor(int64_t{261}, at::kLong);
    const at::Tensor text = at::randn({1, 8});
    const at::Tensor ids = models::sdxlAddTimeIds(64, 96);
    const at::Tensor out = unet(sample, t, models::UNetConditioning(ehs, text, ids)).sample;
    // One row of added conditioning serves the whole batch, as the timestep does.
    CHECK(at::equal(out, unet(sample, t, models::UNetConditioning(ehs, text.expand({2, -1}), ids.expand({2, -1}))).sample));
    CHECK_FALSE(at::allclose(out, unet(sample, t, models::UNetConditioning(ehs, text * 2, ids)).sample));
    CHECK_FALSE(at::allclose(out, unet(sample, t, models::UNetConditioning(ehs, text, models::sdxlAddTimeIds(64, 64))).sample));

    CHECK_THROWS_WITH(unet(sample, t, ehs), Catch::Contains("text_embeds") && Catch::Contains("time_ids"));
    CHECK_THROWS_WITH(unet(sample, t, models::UNetConditioning(ehs, at::randn({1, 9}), ids)),
                      Catch::Contains("projection_class_embeddings_input_dim"));
    models::UNet2DConditionModel sd(test::tinyUNetConfig(3, true));
    CHECK_THROWS_WITH(sd(sample, t, models::UNetConditioning(ehs, text, ids)), Catch::Contains("not an SDXL UNet"));
}

TEST_CASE("SDXL size ids are (H, W, 0, 0, H, W)", "[unit][models][sdxl]") {
    const at::Tensor ids = models::sdxlAddTimeIds(1024, 768);
    CHECK(ids.sizes() == at::IntArrayRef({1, 6}));
    CHECK(at::equal(ids, at::tensor({1024.f, 768.f, 0.f, 0.f, 1024.f, 768.f}).view({1, 6})));
    CHECK(models::promptIsBlank(" \t\n"));
    CHECK_FALSE(models::promptIsBlank(" a cat"));
}

TEST_CASE("single files of families DragDiff does not run are refused by name", "[unit][models][sdxl]") {
    test::TempDir dir;
    const at::Tensor one = at::zeros({2});
    CHECK_THAT(classifyError(dir, {{"model.diffusion_model.joint_blocks.0.x_block.attn.qkv.weight", one}}),
               Catch::Contains("Stable Diffusion 3") && Catch::Contains("joint_blocks"));
    CHECK_THAT(classifyError(dir, {{"double_blocks.0.img_attn.qkv.weight", one}}), Catch::Contains("FLUX"));
    CHECK_THAT(classifyError(dir, {{"conditioner.embedders.0.model.ln_final.weight", one}}),
               Catch::Contains("SDXL refiner"));
    CHECK_THAT(classifyError(dir, {{"model.diffusion_model.label_emb.0.0.weight", at::zeros({4, 2560})},
                                   {"conditioner.embedders.0.transformer.text_model.final_layer_norm.weight", one}}),
               Catch::Contains("SDXL refiner") && Catch::Contains("label_emb"));
    CHECK_THAT(classifyError(dir, {{"model.diffusion_model.input_blocks.0.0.weight", at::zeros({8, 9, 3, 3})}}),
               Catch::Contains("inpainting Stable Diffusion UNet"));
    CHECK_THAT(classifyError(dir, {{"model.diffusion_model.input_blocks.0.0.weight", at::zeros({8, 9, 3, 3})},
                                   {"conditioner.embedders.0.transformer.text_model.final_layer_norm.weight", one}}),
               Catch::Contains("inpainting SDXL UNet"));
}

TEST_CASE("single files are classified as SD or SDXL, with their v-prediction markers", "[unit][models][sdxl]") {
    test::TempDir dir;
    const std::string path = dir.file("m.safetensors");
    io::writeSafetensors(path, {{"model.diffusion_model.input_blocks.0.0.weight", at::zeros({8, 4, 3, 3})}});
    auto f = models::classifyCheckpoint(io::SafetensorsFile(path));
    CHECK(f.family == "sd");
    CHECK_FALSE(f.vPrediction);
    io::writeSafetensors(path, {{"model.diffusion_model.input_blocks.0.0.weight", at::zeros({8, 4, 3, 3})},
                                {"model.diffusion_model.label_emb.0.0.weight", at::zeros({8, 2816})},
                                {"conditioner.embedders.0.transformer.text_model.final_layer_norm.weight", at::zeros({2})},
                                {"v_pred", at::zeros({})},
                                {"ztsnr", at::zeros({})}});
    f = models::classifyCheckpoint(io::SafetensorsFile(path));
    CHECK(f.family == "sdxl");
    CHECK(f.vPrediction);
    CHECK(f.zeroTerminalSnr);
}

TEST_CASE("fp8 and GGUF files are refused by name", "[unit][models][sdxl]") {
    test::TempDir dir;
    const std::string header = R"({"w":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[0,2]}})";
    std::string bytes(8, '\0');
    for (int i = 0; i < 8; ++i) bytes[size_t(i)] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
    test::writeBytes(dir.file("fp8.safetensors"), bytes + header + std::string(2, '\0'));
    CHECK_THAT(loadErrorOf([&] { io::SafetensorsFile(dir.file("fp8.safetensors")); }),
               Catch::Contains("fp8") && Catch::Contains("F8_E4M3"));
    test::writeBytes(dir.file("model.gguf"), std::string("GGUF") + std::string(60, '\x03'));
    CHECK_THAT(loadErrorOf([&] { io::SafetensorsFile(dir.file("model.gguf")); }), Catch::Contains("GGUF"));
}
