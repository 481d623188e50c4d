// kohya LoRA files merged into tiny models: exact merged weights for linear, 1×1 and 3×3 conv
// modules, diffusers and ldm names, several files and strengths, text encoders, and the errors.
#include "support/catch.h"

#include "dragdiff/error.h"
#include "io/safetensors.h"
#include "models/clip/clip_text_model.h"
#include "models/lora/lora_file.h"
#include "models/lora/lora_ldm_layout.h"
#include "models/lora/lora_merge.h"
#include "models/unet/unet_2d_condition.h"
#include "support/model_loading.h"
#include "support/test_support.h"
#include "tiny_configs.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <string>

using namespace dragdiff;
using Tensors = std::map<std::string, at::Tensor>;

namespace {

// Small integers: products and power-of-two scales are exact in float32, so merged weights can be
// compared bit for bit with an independent computation.
at::Tensor ints(at::IntArrayRef shape) { return at::randint(-2, 3, shape, at::kFloat); }

Tensors state(torch::nn::Module& m) {
    Tensors out;
    for (const auto& p : m.named_parameters()) out[p.key()] = p.value().detach().clone();
    return out;
}

// W + scale · up · down, written as an einsum over the rank (not the merger's flatten + mm).
at::Tensor expectedMerge(const at::Tensor& w, const at::Tensor& up, const at::Tensor& down, double scale) {
    at::Tensor u = up.dim() == 4 ? up.flatten(1) : up;  // [out, r]
    at::Tensor delta = down.dim() == 4 ? at::einsum("or,rikl->oikl", {u, down}) : at::einsum("or,ri->oi", {u, down});
    return w + delta.reshape(w.sizes()) * scale;
}

struct Module {
    std::string name;
    at::Tensor down, up;
    double alpha = -1;  // < 0: no alpha tensor
};

std::string writeLora(const test::TempDir& dir, const std::string& file, const std::vector<Module>& modules) {
    Tensors t;
    for (const auto& m : modules) {
        t[m.name + ".lora_down.weight"] = m.down;
        t[m.name + ".lora_up.weight"] = m.up;
        if (m.alpha >= 0) t[m.name + ".alpha"] = at::scalar_tensor(m.alpha, at::kFloat);
    }
    io::writeSafetensors(dir.file(file), t);
    return dir.file(file);
}

models::UNet2DConditionModel tinyUNet(bool sd2Style = false) {
    at::manual_seed(3);
    return models::UNet2DConditionModel(test::tinyUNetConfig(2, sd2Style));
}

std::vector<models::LoraTarget> unetTargets(models::UNet2DConditionModel& unet, const models::LoraFile& lora) {
    return {{"lora_unet_", "UNet", unet.get(), models::ldmUNetLayout(unet->config(), lora.file)}};
}

int merge(models::UNet2DConditionModel& unet, const std::string& path, double strength = 1.0) {
    const models::LoraFile lora = models::readLoraFile(path);
    return models::mergeLora(lora, strength, unetTargets(unet, lora));
}

void requireUnchangedExcept(const Tensors& before, torch::nn::Module& m, const std::set<std::string>& changed) {
    for (const auto& p : m.named_parameters()) {
        if (changed.count(p.key())) continue;
        INFO(p.key());
        REQUIRE(at::equal(p.value(), before.at(p.key())));
    }
}

const std::string kToQ = "down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.weight";  // [16, 16]
const std::string kConv1 = "down_blocks.0.resnets.0.conv1.weight";                              // [16, 16, 3, 3]
const std::string kProjIn = "down_blocks.0.attentions.0.proj_in.weight";                        // [16, 16, 1, 1]

}  // namespace

TEST_CASE("LoRA: linear, 1x1 and 3x3 conv modules merge exactly", "[unit][lora]") {
    test::TempDir dir;
    auto unet = tinyUNet();
    const Tensors before = state(*unet);
    at::manual_seed(11);
    const Module q{"lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q", ints({2, 16}), ints({16, 2}), 1.0};
    const Module conv{"lora_unet_down_blocks_0_resnets_0_conv1", ints({2, 16, 3, 3}), ints({16, 2, 1, 1})};  // no alpha
    const Module proj{"lora_unet_down_blocks_0_attentions_0_proj_in", ints({4, 16, 1, 1}), ints({16, 4, 1, 1}), 2.0};
    const std::string path = writeLora(dir, "lora.safetensors", {q, conv, proj});

    REQUIRE(merge(unet, path, 0.5) == 3);
    const Tensors after = state(*unet);
    // strength · alpha / rank: 0.5 · 1 / 2, 0.5 · 2 / 2 (alpha = rank when absent), 0.5 · 2 / 4
    CHECK(at::equal(after.at(kToQ), expectedMerge(before.at(kToQ), q.up, q.down, 0.25)));
    CHECK(at::equal(after.at(kConv1), expectedMerge(before.at(kConv1), conv.up, conv.down, 0.5)));
    CHECK(at::equal(after.at(kProjIn), expectedMerge(before.at(kProjIn), proj.up, proj.down, 0.25)));
    CHECK_FALSE(at::equal(after.at(kToQ), before.at(kToQ)));
    requireUnchangedExcept(before, *unet, {kToQ, kConv1, kProjIn});
}

TEST_CASE("LoRA: several files with their own strengths add up, opposite strengths cancel", "[unit][lora]") {
    test::TempDir dir;
    auto unet = tinyUNet();
    const Tensors before = state(*unet);
    at::manual_seed(12);
    const Module a{"lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q", ints({2, 16}), ints({16, 2}), 2.0};
    const Module b{"lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q", ints({1, 16}), ints({16, 1}), 1.0};
    const std::string fa = writeLora(dir, "a.safetensors", {a});
    const std::string fb = writeLora(dir, "b.safetensors", {b});
    merge(unet, fa, 1.0);
    merge(unet, fb, -0.25);
    const at::Tensor expected = expectedMerge(expectedMerge(before.at(kToQ), a.up, a.down, 1.0), b.up, b.down, -0.25);
    CHECK(at::equal(state(*unet).at(kToQ), expected));
    // Undoing them returns the weights up to the float rounding of the intermediate sums.
    merge(unet, fb, 0.25);
    merge(unet, fa, -1.0);
    CHECK(test::compareTensors(state(*unet).at(kToQ), before.at(kToQ), 1e-5, 0).empty());
    const at::Tensor now = state(*unet).at(kToQ);
    merge(unet, fa, 0.0);  // strength 0 changes nothing, bit for bit
    CHECK(at::equal(state(*unet).at(kToQ), now));
}

TEST_CASE("LoRA: ldm-layout UNet names merge into the same weights as diffusers names", "[unit][lora]") {
    test::TempDir dir;
    at::manual_seed(13);
    // ldm name (layers_per_block 1: input_blocks.{1 + 2b + l}, output_blocks.{2b + l}) -> diffusers path
    const std::vector<std::pair<std::string, std::string>> names{
        {"input_blocks_1_1_transformer_blocks_0_attn1_to_q", "down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q"},
        {"input_blocks_1_1_transformer_blocks_0_attn2_to_out_0", "down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_out_0"},
        {"input_blocks_1_0_in_layers_2", "down_blocks_0_resnets_0_conv1"},
        {"input_blocks_1_0_emb_layers_1", "down_blocks_0_resnets_0_time_emb_proj"},
        {"input_blocks_3_0_skip_connection", "down_blocks_1_resnets_0_conv_shortcut"},
        {"middle_block_1_transformer_blocks_0_ff_net_0_proj", "mid_block_attentions_0_transformer_blocks_0_ff_net_0_proj"},
        {"middle_block_2_out_layers_3", "mid_block_resnets_1_conv2"},
        {"output_blocks_3_1_proj_in", "up_blocks_1_attentions_1_proj_in"},
        {"output_blocks_3_1_transformer_blocks_0_ff_net_2", "up_blocks_1_attentions_1_transformer_blocks_0_ff_net_2"},
        {"time_embed_0", "time_embedding_linear_1"},
    };
    auto ldmUNet = tinyUNet(), diffusersUNet = tinyUNet();
    const Tensors before = state(*ldmUNet);
    std::vector<Module> ldm, diffusers;
    for (const auto& [ldmName, path] : names) {
        // Shapes from the diffusers weight the name should reach.
        std::string dotted = path;
        auto params = state(*diffusersUNet);
        at::Tensor w;
        for (const auto& [k, v] : params) {
            std::string u = k.substr(0, k.size() - 7);
            std::replace(u.begin(), u.end(), '.', '_');
            if (u == path && k.size() > 7 && k.compare(k.size() - 7, 7, ".weight") == 0) w = v;
        }
        REQUIRE(w.defined());
        at::Tensor down = w.dim() == 4 ? ints({2, w.size(1), w.size(2), w.size(3)}) : ints({2, w.size(1)});
        at::Tensor up = w.dim() == 4 ? ints({w.size(0), 2, 1, 1}) : ints({w.size(0), 2});
        ldm.push_back({"lora_unet_" + ldmName, down, up, 1.0});
        diffusers.push_back({"lora_unet_" + path, down, up, 1.0});
    }
    REQUIRE(merge(ldmUNet, writeLora(dir, "ldm.safetensors", ldm)) == static_cast<int>(names.size()));
    REQUIRE(merge(diffusersUNet, writeLora(dir, "diffusers.safetensors", diffusers)) == static_cast<int>(names.size()));
    const Tensors a = state(*ldmUNet), b = state(*diffusersUNet);
    int changed = 0;
    for (const auto& [k, v] : a) {
        INFO(k);
        REQUIRE(at::equal(v, b.at(k)));
        changed += at::equal(v, before.at(k)) ? 0 : 1;
    }
    CHECK(changed == static_cast<int>(names.size()));
}

TEST_CASE("LoRA: ldmUNetDottedName rejoins ldm tokens", "[unit][lora]") {
    CHECK(models::ldmUNetDottedName("input_blocks_4_1_transformer_blocks_0_attn1_to_q") ==
          "input_blocks.4.1.transformer_blocks.0.attn1.to_q");
    CHECK(models::ldmUNetDottedName("output_blocks_2_0_skip_connection") == "output_blocks.2.0.skip_connection");
    CHECK(models::ldmUNetDottedName("middle_block_1_proj_out") == "middle_block.1.proj_out");
    CHECK(models::ldmUNetDottedName("label_emb_0_0") == "label_emb.0.0");
    CHECK(models::ldmUNetDottedName("down_blocks_0_resnets_0_conv1").empty());
}

TEST_CASE("LoRA: a 1x1 conv LoRA fits a linear projection (SD 2.x use_linear_projection)", "[unit][lora]") {
    test::TempDir dir;
    auto unet = tinyUNet(/*sd2Style=*/true);
    const Tensors before = state(*unet);
    REQUIRE(before.at(kProjIn).dim() == 2);
    at::manual_seed(14);
    const Module proj{"lora_unet_input_blocks_1_1_proj_in", ints({2, 16, 1, 1}), ints({16, 2, 1, 1}), 2.0};
    merge(unet, writeLora(dir, "proj.safetensors", {proj}));
    CHECK(at::equal(state(*unet).at(kProjIn), expectedMerge(before.at(kProjIn), proj.up.flatten(1),
                                                             proj.down.flatten(1), 1.0)));
}

TEST_CASE("LoRA: text encoder modules (lora_te_) merge into the CLIP text model", "[unit][lora]") {
    test::TempDir dir;
    models::CLIPTextConfig c;
    c.vocabSize = 50;
    c.hiddenSize = 16;
    c.intermediateSize = 24;
    c.numHiddenLayers = 2;
    c.numAttentionHeads = 4;
    c.maxPositionEmbeddings = 10;
    at::manual_seed(4);
    models::CLIPTextModel te(c);
    const Tensors before = state(*te);
    const Module q{"lora_te_text_model_encoder_layers_1_self_attn_q_proj", ints({2, 16}), ints({16, 2}), 4.0};
    const Module fc1{"lora_te_text_model_encoder_layers_0_mlp_fc1", ints({2, 16}), ints({24, 2}), 1.0};
    const models::LoraFile lora = models::readLoraFile(writeLora(dir, "te.safetensors", {q, fc1}));
    REQUIRE(models::mergeLora(lora, 1.0, {{"lora_te_", "text encoder", te.get(), nullptr}}) == 2);
    const std::string qk = "text_model.encoder.layers.1.self_attn.q_proj.weight", fk = "text_model.encoder.layers.0.mlp.fc1.weight";
    CHECK(at::equal(state(*te).at(qk), expectedMerge(before.at(qk), q.up, q.down, 2.0)));
    CHECK(at::equal(state(*te).at(fk), expectedMerge(before.at(fk), fc1.up, fc1.down, 0.5)));
    requireUnchangedExcept(before, *te, {qk, fk});
}

TEST_CASE("LoRA: random values merge like the reference formula", "[unit][lora]") {
    test::TempDir dir;
    auto unet = tinyUNet();
    const Tensors before = state(*unet);
    at::manual_seed(15);
    const Module conv{"lora_unet_down_blocks_0_resnets_0_conv1", at::randn({3, 16, 3, 3}), at::randn({16, 3, 1, 1}), 1.5};
    merge(unet, writeLora(dir, "r.safetensors", {conv}), 0.8);
    const at::Tensor ref = expectedMerge(before.at(kConv1).to(at::kDouble), conv.up.to(at::kDouble),
                                         conv.down.to(at::kDouble), 0.8 * 1.5 / 3);
    CHECK(test::compareTensors(state(*unet).at(kConv1).to(at::kDouble), ref, 1e-6, 1e-6).empty());
}

TEST_CASE("LoRA: keys that match no module and shapes that do not fit are errors naming them", "[unit][lora]") {
    test::TempDir dir;
    auto unet = tinyUNet();
    const Tensors before = state(*unet);
    const Module good{"lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q", ints({2, 16}), ints({16, 2}), 1.0};

    SECTION("no such module; the weights stay as they were") {
        const Module bad{"lora_unet_down_blocks_7_attentions_0_proj_in", ints({2, 16, 1, 1}), ints({16, 2, 1, 1})};
        const std::string msg = test::requireLoadError([&] { merge(unet, writeLora(dir, "x.safetensors", {good, bad})); });
        CHECK_THAT(msg, Catch::Contains("lora_unet_down_blocks_7_attentions_0_proj_in.lora_down.weight"));
        CHECK_THAT(msg, Catch::Contains("matches no module of the UNet"));
        CHECK_THAT(msg, Catch::Contains("x.safetensors"));
        requireUnchangedExcept(before, *unet, {});
    }
    SECTION("a shape that does not fit names both shapes") {
        const Module bad{"lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q", ints({2, 20}), ints({16, 2})};
        const std::string msg = test::requireLoadError([&] { merge(unet, writeLora(dir, "x.safetensors", {bad})); });
        CHECK_THAT(msg, Catch::Contains("lora_down [2, 20]"));
        CHECK_THAT(msg, Catch::Contains("lora_up [16, 2]"));
        CHECK_THAT(msg, Catch::Contains(kToQ + "' of the UNet, shape [16, 16]"));
    }
    SECTION("a 1x1 LoRA on a 3x3 convolution does not fit") {
        const Module bad{"lora_unet_down_blocks_0_resnets_0_conv1", ints({2, 16, 1, 1}), ints({16, 2, 1, 1})};
        const std::string msg = test::requireLoadError([&] { merge(unet, writeLora(dir, "x.safetensors", {bad})); });
        CHECK_THAT(msg, Catch::Contains("[16, 16, 3, 3]"));
        CHECK_THAT(msg, Catch::Contains("[2, 16, 1, 1]"));
    }
    SECTION("an ldm name outside the layout") {
        const Module bad{"lora_unet_input_blocks_1_1_transformer_blocks_0_attn9_to_q", ints({2, 16}), ints({16, 2})};
        const std::string msg = test::requireLoadError([&] { merge(unet, writeLora(dir, "x.safetensors", {bad})); });
        CHECK_THAT(msg, Catch::Contains("lora_unet_input_blocks_1_1_transformer_blocks_0_attn9_to_q.lora_down.weight"));
    }
    SECTION("text encoder modules for a model without one, and SDXL's two encoders") {
        const Module te{"lora_te_text_model_encoder_layers_0_mlp_fc1", ints({2, 16}), ints({24, 2})};
        std::string msg = test::requireLoadError([&] { merge(unet, writeLora(dir, "x.safetensors", {te})); });
        CHECK_THAT(msg, Catch::Contains("lora_te_text_model_encoder_layers_0_mlp_fc1.lora_down.weight"));
        CHECK_THAT(msg, Catch::Contains("no text encoder"));
        const Module te1{"lora_te1_text_model_encoder_layers_0_mlp_fc1", ints({2, 16}), ints({24, 2})};
        msg = test::requireLoadError([&] { merge(unet, writeLora(dir, "y.safetensors", {te1})); });
        CHECK_THAT(msg, Catch::Contains("SDXL"));
    }
}

TEST_CASE("LoRA files: incomplete modules, other adapter formats and pickles are refused", "[unit][lora]") {
    test::TempDir dir;
    auto write = [&](const Tensors& t) {
        io::writeSafetensors(dir.file("f.safetensors"), t);
        return dir.file("f.safetensors");
    };
    const std::string n = "lora_unet_down_blocks_0_resnets_0_conv1";
    std::string msg = test::requireLoadError([&] { models::readLoraFile(write({{n + ".lora_down.weight", ints({2, 16, 3, 3})}})); });
    CHECK_THAT(msg, Catch::Contains(n + ".lora_down.weight") && Catch::Contains("lora_up.weight"));
    msg = test::requireLoadError([&] {
        models::readLoraFile(write({{n + ".lora_down.weight", ints({2, 16, 3, 3})}, {n + ".lora_up.weight", ints({16, 3, 1, 1})}}));
    });
    CHECK_THAT(msg, Catch::Contains("[16, 3, 1, 1]") && Catch::Contains("[2, 16, 3, 3]"));
    msg = test::requireLoadError([&] {
        models::readLoraFile(write({{n + ".lora_down.weight", ints({2, 16})}, {n + ".lora_up.weight", ints({16, 2})},
                                    {n + ".alpha", at::ones({2})}}));
    });
    CHECK_THAT(msg, Catch::Contains(n + ".alpha") && Catch::Contains("one finite number"));
    msg = test::requireLoadError([&] { models::readLoraFile(write({{n + ".hada_w1_a", ints({2, 16})}})); });
    CHECK_THAT(msg, Catch::Contains("LoHa"));
    msg = test::requireLoadError([&] { models::readLoraFile(write({{"unet.down_blocks.0.attentions.0.proj_in.lora_A.weight", ints({2, 16})}})); });
    CHECK_THAT(msg, Catch::Contains("diffusers/PEFT"));
    msg = test::requireLoadError([&] { models::readLoraFile(write({{"model.diffusion_model.out.2.weight", ints({2, 16})}})); });
    CHECK_THAT(msg, Catch::Contains("not a kohya LoRA key"));
    msg = test::requireLoadError([&] { models::readLoraFile(write({{n + ".lora_down.weight", at::full({2, 16}, NAN)}, {n + ".lora_up.weight", ints({16, 2})}})); });
    CHECK_THAT(msg, Catch::Contains("NaN"));
    test::writeBytes(dir.file("style.pt"), std::string("\x80\x02rest", 6));
    msg = test::requireLoadError([&] { models::readLoraFile(dir.file("style.pt")); });
    CHECK_THAT(msg, Catch::Contains("pickle"));
}
