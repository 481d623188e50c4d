// loadUNet / loadVAE on crafted component folders: the round trip, dtype conversion, and the
// errors for missing, mis-shaped and unexpected tensors.
#include "support/catch.h"

#include "dragdiff/error.h"
#include "io/atomic_file.h"
#include "io/safetensors.h"
#include "models/unet/unet_2d_condition.h"
#include "models/vae/autoencoder_kl.h"
#include "support/test_support.h"
#include "tiny_configs.h"

#include <ATen/core/grad_mode.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <string>

using namespace dragdiff;

namespace {

nlohmann::json unetConfigJson(const models::UNetConfig& c) {
    return {{"_class_name", "UNet2DConditionModel"},          {"block_out_channels", c.blockOutChannels},
            {"down_block_types", c.downBlockTypes},           {"up_block_types", c.upBlockTypes},
            {"layers_per_block", c.layersPerBlock},           {"norm_num_groups", c.normNumGroups},
            {"cross_attention_dim", c.crossAttentionDim},     {"attention_head_dim", c.numAttentionHeads},
            {"use_linear_projection", c.useLinearProjection}, {"upcast_attention", c.upcastAttention}};
}

nlohmann::json vaeConfigJson(const models::VAEConfig& c) {
    return {{"_class_name", "AutoencoderKL"},       {"block_out_channels", c.blockOutChannels},
            {"down_block_types", c.downBlockTypes}, {"up_block_types", c.upBlockTypes},
            {"layers_per_block", c.layersPerBlock}, {"norm_num_groups", c.normNumGroups}};
}

std::map<std::string, at::Tensor> stateOf(torch::nn::Module& m, at::ScalarType dtype = at::kFloat) {
    std::map<std::string, at::Tensor> out;
    for (const auto& p : m.named_parameters()) out[p.key()] = p.value().detach().to(dtype);
    return out;
}

void writeComponent(const std::string& folder, const nlohmann::json& config,
                    const std::map<std::string, at::Tensor>& tensors,
                    const std::string& file = "diffusion_pytorch_model.safetensors") {
    std::filesystem::create_directories(folder);
    test::writeBytes(folder + "/config.json", config.dump(2));
    io::writeSafetensors(folder + "/" + file, tensors);
}

}  // namespace

TEST_CASE("loadUNet round-trips a component folder", "[unit][unet][loading]") {
    test::TempDir dir;
    at::manual_seed(7);
    const auto config = test::tinyUNetConfig(2, /*sd2Style=*/true);
    auto reference = models::UNet2DConditionModel(config);
    writeComponent(dir.file("unet"), unetConfigJson(config), stateOf(*reference));

    auto loaded = models::loadUNet(dir.file("unet"), at::kFloat, at::kCPU);
    for (const auto& p : loaded->parameters()) CHECK_FALSE(p.requires_grad());
    at::NoGradGuard noGrad;
    const at::Tensor sample = at::randn({1, 4, 8, 8}), ehs = at::randn({1, 7, 24});
    const at::Tensor t = at::scalar_tensor(int64_t{500}, at::kLong);
    CHECK(at::equal(loaded(sample, t, ehs).sample, reference(sample, t, ehs).sample));
    CHECK(loaded->config().useLinearProjection);
}

TEST_CASE("F16 weights are converted to the run dtype", "[unit][unet][loading]") {
    test::TempDir dir;
    at::manual_seed(8);
    const auto config = test::tinyUNetConfig();
    auto reference = models::UNet2DConditionModel(config);
    writeComponent(dir.file("unet"), unetConfigJson(config), stateOf(*reference, at::kHalf),
                   "diffusion_pytorch_model.fp16.safetensors");
    auto loaded = models::loadUNet(dir.file("unet"), at::kFloat, at::kCPU);
    const auto ours = stateOf(*loaded);
    for (const auto& [name, tensor] : stateOf(*reference)) {
        INFO(name);
        CHECK(ours.at(name).scalar_type() == at::kFloat);
        CHECK(at::equal(ours.at(name), tensor.to(at::kHalf).to(at::kFloat)));
    }
    auto bf16 = models::loadUNet(dir.file("unet"), at::kBFloat16, at::kCPU);
    CHECK(bf16->conv_in->weight.scalar_type() == at::kBFloat16);
    CHECK_THROWS_AS(models::loadUNet(dir.file("unet"), at::kLong, at::kCPU), InvalidRequest);
}

TEST_CASE("Missing, mis-shaped and unexpected UNet tensors are load errors naming the tensor",
          "[unit][unet][loading]") {
    test::TempDir dir;
    const auto config = test::tinyUNetConfig();
    auto reference = models::UNet2DConditionModel(config);
    const auto state = stateOf(*reference);
    const std::string key = "up_blocks.1.attentions.0.transformer_blocks.0.attn1.to_k.weight";
    REQUIRE(state.count(key) == 1);

    auto missing = state;
    missing.erase(key);
    writeComponent(dir.file("missing"), unetConfigJson(config), missing);
    CHECK_THROWS_WITH(models::loadUNet(dir.file("missing")), Catch::Contains(key) && Catch::Contains("missing"));

    auto misShaped = state;
    misShaped[key] = at::zeros({16, 8});
    writeComponent(dir.file("shape"), unetConfigJson(config), misShaped);
    CHECK_THROWS_WITH(models::loadUNet(dir.file("shape")),
                      Catch::Contains(key) && Catch::Contains("[16, 8]") && Catch::Contains("[16, 16]"));

    auto extra = state;
    extra["down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.bias"] = at::zeros({16});
    writeComponent(dir.file("extra"), unetConfigJson(config), extra);
    CHECK_THROWS_WITH(models::loadUNet(dir.file("extra")), Catch::Contains("to_q.bias"));

    // Weights of another size of model: the first mismatch is reported, not a crash.
    auto wrongConfig = unetConfigJson(config);
    wrongConfig["cross_attention_dim"] = 32;
    writeComponent(dir.file("config"), wrongConfig, state);
    CHECK_THROWS_AS(models::loadUNet(dir.file("config")), LoadError);

    CHECK_THROWS_AS(models::loadUNet(dir.file("nowhere")), LoadError);
    std::filesystem::create_directories(dir.file("noweights"));
    test::writeBytes(dir.file("noweights/config.json"), unetConfigJson(config).dump());
    CHECK_THROWS_AS(models::loadUNet(dir.file("noweights")), LoadError);
}

TEST_CASE("loadVAE round-trips a component folder and reports missing tensors", "[unit][vae][loading]") {
    test::TempDir dir;
    at::manual_seed(9);
    const auto config = test::tinyVAEConfig();
    auto reference = models::AutoencoderKL(config);
    auto state = stateOf(*reference);
    writeComponent(dir.file("vae"), vaeConfigJson(config), state);
    auto loaded = models::loadVAE(dir.file("vae"));
    {
        at::NoGradGuard noGrad;
        const at::Tensor image = at::rand({1, 3, 16, 12}) * 2 - 1;
        const auto a = loaded->encode(image);
        const auto b = reference->encode(image);
        CHECK(at::equal(a.mean, b.mean));
        CHECK(at::equal(a.logvar, b.logvar));
        CHECK(a.mean.sizes() == at::IntArrayRef({1, 4, 8, 6}));
        CHECK(at::equal(loaded->decode(a.mean), reference->decode(a.mean)));
    }
    state.erase("decoder.mid_block.attentions.0.to_v.bias");
    writeComponent(dir.file("broken"), vaeConfigJson(config), state);
    CHECK_THROWS_WITH(models::loadVAE(dir.file("broken")), Catch::Contains("decoder.mid_block.attentions.0.to_v.bias"));
}
