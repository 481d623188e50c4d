// The module trees mirror diffusers: parameter names equal checkpoint keys, and the full-size
// configurations have diffusers' exact parameter counts.
#include "support/catch.h"

#include "dragdiff/error.h"
#include "models/unet/unet_2d_condition.h"
#include "models/vae/autoencoder_kl.h"
#include "tiny_configs.h"

#include <map>
#include <string>
#include <vector>

using namespace dragdiff;

namespace {

std::map<std::string, std::vector<int64_t>> shapes(torch::nn::Module& m) {
    std::map<std::string, std::vector<int64_t>> out;
    for (const auto& p : m.named_parameters()) out[p.key()] = p.value().sizes().vec();
    return out;
}

int64_t count(torch::nn::Module& m) {
    int64_t n = 0;
    for (const auto& p : m.parameters()) n += p.numel();
    return n;
}

}  // namespace

TEST_CASE("SD 1.5 UNet has diffusers' parameter names, shapes and count", "[unit][unet]") {
    auto unet = models::UNet2DConditionModel(models::UNetConfig::sd15());
    CHECK(count(*unet) == 859520964);
    CHECK(unet->buffers().empty());
    const auto s = shapes(*unet);
    const std::map<std::string, std::vector<int64_t>> expected{
        {"conv_in.weight", {320, 4, 3, 3}},
        {"time_embedding.linear_1.weight", {1280, 320}},
        {"time_embedding.linear_2.bias", {1280}},
        {"down_blocks.0.attentions.0.proj_in.weight", {320, 320, 1, 1}},
        {"down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.weight", {320, 320}},
        {"down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight", {320, 768}},
        {"down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_out.0.weight", {320, 320}},
        {"down_blocks.0.attentions.0.transformer_blocks.0.ff.net.0.proj.weight", {2560, 320}},
        {"down_blocks.0.attentions.0.transformer_blocks.0.ff.net.2.weight", {320, 1280}},
        {"down_blocks.0.downsamplers.0.conv.weight", {320, 320, 3, 3}},
        {"down_blocks.1.attentions.0.proj_in.weight", {640, 640, 1, 1}},
        {"down_blocks.1.resnets.0.conv_shortcut.weight", {640, 320, 1, 1}},
        {"down_blocks.3.resnets.1.time_emb_proj.weight", {1280, 1280}},
        {"mid_block.attentions.0.transformer_blocks.0.norm3.weight", {1280}},
        {"mid_block.resnets.1.conv2.weight", {1280, 1280, 3, 3}},
        {"up_blocks.0.resnets.2.conv1.weight", {1280, 2560, 3, 3}},
        {"up_blocks.0.upsamplers.0.conv.weight", {1280, 1280, 3, 3}},
        {"up_blocks.1.attentions.2.proj_out.weight", {1280, 1280, 1, 1}},
        {"up_blocks.3.resnets.0.conv1.weight", {320, 960, 3, 3}},
        {"up_blocks.3.resnets.2.conv_shortcut.weight", {320, 640, 1, 1}},
        {"conv_norm_out.weight", {320}},
        {"conv_out.weight", {4, 320, 3, 3}},
    };
    for (const auto& [name, shape] : expected) {
        INFO(name);
        REQUIRE(s.count(name) == 1);
        CHECK(s.at(name) == shape);
    }
    CHECK(s.count("down_blocks.3.attentions.0.norm.weight") == 0);
    CHECK(s.count("up_blocks.3.upsamplers.0.conv.weight") == 0);
    CHECK(s.count("down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.bias") == 0);
    for (const auto& p : unet->parameters()) CHECK_FALSE(p.requires_grad());
}

TEST_CASE("SD 2.1 UNet has linear projections, per-block heads and diffusers' count", "[unit][unet]") {
    auto unet = models::UNet2DConditionModel(models::UNetConfig::sd21());
    CHECK(count(*unet) == 865910724);
    const auto s = shapes(*unet);
    CHECK(s.at("down_blocks.0.attentions.0.proj_in.weight") == std::vector<int64_t>{320, 320});
    CHECK(s.at("up_blocks.3.attentions.2.proj_out.weight") == std::vector<int64_t>{320, 320});
    CHECK(s.at("mid_block.attentions.0.transformer_blocks.0.attn2.to_v.weight") == std::vector<int64_t>{1280, 1024});
}

TEST_CASE("SD VAE has diffusers' parameter names, shapes and count", "[unit][vae]") {
    auto vae = models::AutoencoderKL(models::VAEConfig::sd());
    CHECK(count(*vae) == 83653863);
    const auto s = shapes(*vae);
    const std::map<std::string, std::vector<int64_t>> expected{
        {"encoder.conv_in.weight", {128, 3, 3, 3}},
        {"encoder.down_blocks.0.downsamplers.0.conv.weight", {128, 128, 3, 3}},
        {"encoder.down_blocks.1.resnets.0.conv_shortcut.weight", {256, 128, 1, 1}},
        {"encoder.mid_block.attentions.0.group_norm.weight", {512}},
        {"encoder.mid_block.attentions.0.to_q.bias", {512}},
        {"encoder.mid_block.attentions.0.to_out.0.weight", {512, 512}},
        {"encoder.conv_out.weight", {8, 512, 3, 3}},
        {"quant_conv.weight", {8, 8, 1, 1}},
        {"post_quant_conv.weight", {4, 4, 1, 1}},
        {"decoder.conv_in.weight", {512, 4, 3, 3}},
        {"decoder.up_blocks.0.resnets.2.conv2.weight", {512, 512, 3, 3}},
        {"decoder.up_blocks.2.resnets.0.conv_shortcut.weight", {256, 512, 1, 1}},
        {"decoder.up_blocks.2.upsamplers.0.conv.weight", {256, 256, 3, 3}},
        {"decoder.up_blocks.3.resnets.0.norm1.weight", {256}},
        {"decoder.conv_out.weight", {3, 128, 3, 3}},
    };
    for (const auto& [name, shape] : expected) {
        INFO(name);
        REQUIRE(s.count(name) == 1);
        CHECK(s.at(name) == shape);
    }
    CHECK(s.count("decoder.up_blocks.3.upsamplers.0.conv.weight") == 0);
    CHECK(s.count("encoder.down_blocks.3.downsamplers.0.conv.weight") == 0);
    for (const auto& p : vae->parameters()) CHECK_FALSE(p.requires_grad());
}

TEST_CASE("VAE without mid-block attention has no attention weights", "[unit][vae]") {
    auto config = test::tinyVAEConfig();
    config.midBlockAddAttention = false;
    auto vae = models::AutoencoderKL(config);
    for (const auto& p : vae->named_parameters()) CHECK(p.key().find("attentions") == std::string::npos);
    CHECK(vae->decode(at::randn({1, 4, 3, 5})).sizes() == at::IntArrayRef({1, 3, 6, 10}));
}

TEST_CASE("Inconsistent configurations are refused with the reason", "[unit][unet]") {
    auto config = test::tinyUNetConfig();
    config.numAttentionHeads = {3, 2};  // 16 channels do not split into 3 heads
    CHECK_THROWS_WITH(models::UNet2DConditionModel(config), Catch::Contains("attention heads"));
    config = test::tinyUNetConfig();
    config.upBlockTypes = {"UpBlock2D"};
    CHECK_THROWS_AS(models::UNet2DConditionModel(config), InvalidRequest);
}
