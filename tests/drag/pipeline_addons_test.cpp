// What a ModelSpec adds to a loaded model, on the golden tiny SD 1.5 and SDXL (diffusers folder and
// single file): LoRA files merged into the UNet and text encoder at load, and a TAESD preview decoder
// that an edit's previews go through.
#include "support/catch.h"

#include "dragdiff/engine.h"
#include "dragdiff/error.h"
#include "drag/pipeline.h"
#include "io/safetensors.h"
#include "support/golden_case.h"
#include "support/test_support.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>

using namespace dragdiff;
using Tensors = std::map<std::string, at::Tensor>;

namespace {

std::string goldenSd15() {
    const std::string dir = test::goldenRoot() + "/tiny-sd15";
    REQUIRE(std::filesystem::is_directory(dir));
    return dir;
}

at::Tensor param(torch::nn::Module& m, const std::string& name) {
    auto params = m.named_parameters();
    REQUIRE(params.contains(name));
    return params[name].detach().clone();
}

at::Tensor ints(at::IntArrayRef shape) { return at::randint(-2, 3, shape, at::kFloat); }

struct LoraCase {
    std::string file;
    Tensors tensors;
};

// One linear UNet module by its diffusers name, one conv by its ldm name, one text encoder module.
LoraCase makeLora(const test::TempDir& dir, const at::Tensor& toK, const at::Tensor& conv1, const at::Tensor& q) {
    at::manual_seed(31);
    Tensors t;
    const std::string a = "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k";
    t[a + ".lora_down.weight"] = ints({2, toK.size(1)});
    t[a + ".lora_up.weight"] = ints({toK.size(0), 2});
    t[a + ".alpha"] = at::scalar_tensor(1.0);
    const std::string b = "lora_unet_input_blocks_1_0_in_layers_2";  // down_blocks.0.resnets.0.conv1
    t[b + ".lora_down.weight"] = ints({4, conv1.size(1), 3, 3});
    t[b + ".lora_up.weight"] = ints({conv1.size(0), 4, 1, 1});
    const std::string c = "lora_te_text_model_encoder_layers_0_self_attn_q_proj";
    t[c + ".lora_down.weight"] = ints({2, q.size(1)});
    t[c + ".lora_up.weight"] = ints({q.size(0), 2});
    t[c + ".alpha"] = at::scalar_tensor(4.0);
    io::writeSafetensors(dir.file("style.safetensors"), t);
    return {dir.file("style.safetensors"), t};
}

at::Tensor merged(const at::Tensor& w, const Tensors& t, const std::string& name, double scale) {
    const at::Tensor up = t.at(name + ".lora_up.weight").flatten(1), down = t.at(name + ".lora_down.weight");
    const at::Tensor delta = down.dim() == 4 ? at::einsum("or,rikl->oikl", {up, down}) : at::einsum("or,ri->oi", {up, down});
    return w + delta * scale;
}

// A TAESD folder with narrow random weights whose upsampling matches this model's VAE (2 levels: 2x).
std::string writeTaesd(const test::TempDir& dir, int latentChannels) {
    const std::string folder = dir.file("taesd");
    std::filesystem::create_directories(folder);
    const nlohmann::json config = {{"encoder_block_out_channels", {8, 8}}, {"decoder_block_out_channels", {8, 8}},
                                   {"num_encoder_blocks", {1, 1}},         {"num_decoder_blocks", {1, 1}},
                                   {"latent_channels", latentChannels}};
    test::writeBytes(folder + "/config.json", config.dump());
    models::AutoencoderTinyConfig c = models::AutoencoderTinyConfig::read(io::ConfigReader(config, "config.json"));
    at::manual_seed(32);
    models::AutoencoderTiny random(c);
    Tensors t;
    for (const auto& p : random->named_parameters()) t[p.key()] = p.value().detach();
    io::writeSafetensors(folder + "/diffusion_pytorch_model.safetensors", t);
    return folder;
}

// The previews an edit of a small textured picture sends, one per step.
std::vector<RgbaImage> editPreviews(const ModelSpec& s) {
    Engine engine;
    engine.loadModel(s);
    EditRequest r;
    r.image.width = 64;
    r.image.height = 48;
    r.image.pixels.assign(64 * 48 * 4, 0);
    for (size_t i = 0; i < r.image.pixels.size(); ++i) r.image.pixels[i] = static_cast<uint8_t>((i * 37) % 251);
    r.drags = {{{20, 24}, {30, 24}}};
    r.parameters.steps = 4;
    r.parameters.strength = 0.5;
    r.parameters.previewEvery = 1;
    std::vector<RgbaImage> out;
    engine.edit(r, [&](const EditProgress& e) {
        if (!e.preview.empty()) out.push_back(e.preview);
    });
    return out;
}

}  // namespace

TEST_CASE("ModelSpec loras merge into the UNet and text encoder of a folder and of a single file", "[engine][lora]") {
    test::TempDir dir;
    for (const std::string& model : {goldenSd15(), goldenSd15() + "/model.ldm.safetensors"}) {
        INFO(model);
        ModelSpec spec;
        spec.path = model;
        drag::Pipeline plain = drag::loadPipeline(spec);
        REQUIRE(plain.textEncoder);
        const std::string toK = "down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight";
        const std::string conv1 = "down_blocks.0.resnets.0.conv1.weight";
        const std::string q = "text_model.encoder.layers.0.self_attn.q_proj.weight";
        const at::Tensor toK0 = param(*plain.unet, toK), conv10 = param(*plain.unet, conv1), q0 = param(*plain.textEncoder, q);
        const LoraCase lora = makeLora(dir, toK0, conv10, q0);

        spec.loras = {{lora.file, 0.5}};
        drag::Pipeline p = drag::loadPipeline(spec);
        CHECK(at::equal(param(*p.unet, toK),
                        merged(toK0, lora.tensors, "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k", 0.25)));
        CHECK(at::equal(param(*p.unet, conv1), merged(conv10, lora.tensors, "lora_unet_input_blocks_1_0_in_layers_2", 0.5)));
        CHECK(at::equal(param(*p.textEncoder, q),
                        merged(q0, lora.tensors, "lora_te_text_model_encoder_layers_0_self_attn_q_proj", 1.0)));
        CHECK(p.info.loras.size() == 1);
        CHECK(p.info.loraModules == std::vector<int>{3});
        // Everything else is untouched.
        const std::string other = "up_blocks.1.attentions.0.transformer_blocks.0.attn1.to_v.weight";
        CHECK(at::equal(param(*p.unet, other), param(*plain.unet, other)));
    }
}

TEST_CASE("ModelSpec loras merge into SDXL's UNet (sgm names) and both its text encoders", "[engine][lora][sdxl]") {
    std::vector<std::string> sdxl;
    for (const auto& c : test::allGoldenCases())
        if (c.isSDXL()) sdxl.push_back(c.dir());
    REQUIRE_FALSE(sdxl.empty());
    const std::string model = sdxl.front();
    test::TempDir dir;
    // Level 1's second transformer layer, SDXL's added embedding, a mid-block 3x3 conv, both encoders.
    const std::pair<const char*, const char*> modules[] = {
        {"lora_unet_input_blocks_4_1_transformer_blocks_1_attn1_to_q",
         "unet:down_blocks.1.attentions.0.transformer_blocks.1.attn1.to_q"},
        {"lora_unet_label_emb_0_2", "unet:add_embedding.linear_2"},
        {"lora_unet_middle_block_0_in_layers_2", "unet:mid_block.resnets.0.conv1"},
        {"lora_te1_text_model_encoder_layers_0_self_attn_q_proj", "te1:text_model.encoder.layers.0.self_attn.q_proj"},
        {"lora_te2_text_model_encoder_layers_2_mlp_fc1", "te2:text_model.encoder.layers.2.mlp.fc1"}};
    for (const std::string& path : {model, model + "/model.ldm.safetensors"}) {
        INFO(path);
        ModelSpec spec;
        spec.path = path;
        if (path != model) spec.configDir = model;
        drag::Pipeline plain = drag::loadPipeline(spec);
        REQUIRE(plain.textEncoder2);
        auto part = [](drag::Pipeline& p, const std::string& where) -> torch::nn::Module& {
            const std::string c = where.substr(0, where.find(':'));
            return c == "unet" ? static_cast<torch::nn::Module&>(*p.unet)
                 : c == "te1"  ? static_cast<torch::nn::Module&>(*p.textEncoder)
                               : static_cast<torch::nn::Module&>(*p.textEncoder2);
        };
        auto weightName = [](const std::string& where) { return where.substr(where.find(':') + 1) + ".weight"; };
        at::manual_seed(33);
        Tensors t;
        std::map<std::string, at::Tensor> before;
        for (const auto& [name, where] : modules) {
            const at::Tensor w = param(part(plain, where), weightName(where));
            before[name] = w;
            const bool conv = w.dim() == 4;
            t[std::string(name) + ".lora_down.weight"] = conv ? ints({3, w.size(1), 3, 3}) : ints({3, w.size(1)});
            t[std::string(name) + ".lora_up.weight"] = conv ? ints({w.size(0), 3, 1, 1}) : ints({w.size(0), 3});
            t[std::string(name) + ".alpha"] = at::scalar_tensor(1.5);
        }
        io::writeSafetensors(dir.file("xl.safetensors"), t);
        spec.loras = {{dir.file("xl.safetensors"), 2.0}};
        drag::Pipeline p = drag::loadPipeline(spec);
        for (const auto& [name, where] : modules) {
            INFO(name);
            CHECK(at::equal(param(part(p, where), weightName(where)), merged(before[name], t, name, 2.0 * 1.5 / 3)));
        }
        CHECK(p.info.loraModules == std::vector<int>{5});
        const std::string other = "up_blocks.0.attentions.0.transformer_blocks.0.attn2.to_v.weight";
        CHECK(at::equal(param(*p.unet, other), param(*plain.unet, other)));

        // An SD 1.x LoRA's lora_te_ names no part of SDXL (CLIP-L's shapes would fit: no silent merge).
        Tensors sd;
        const at::Tensor q = before["lora_te1_text_model_encoder_layers_0_self_attn_q_proj"];
        sd["lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_down.weight"] = ints({2, q.size(1)});
        sd["lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_up.weight"] = ints({q.size(0), 2});
        io::writeSafetensors(dir.file("sd15.safetensors"), sd);
        spec.loras = {{dir.file("sd15.safetensors"), 1.0}};
        CHECK_THROWS_WITH(drag::loadPipeline(spec), Catch::Contains("lora_te_text_model_encoder_layers_0_self_attn_q_proj") &&
                                                        Catch::Contains("SD 1.x/2.x") && Catch::Contains("lora_te2_"));
    }
}

TEST_CASE("Engine::loadModel names the LoRA key that does not fit and keeps no model", "[engine][lora]") {
    test::TempDir dir;
    Tensors t;
    t["lora_unet_down_blocks_0_attentions_0_proj_in.lora_down.weight"] = at::zeros({2, 999, 1, 1});
    t["lora_unet_down_blocks_0_attentions_0_proj_in.lora_up.weight"] = at::zeros({32, 2, 1, 1});
    io::writeSafetensors(dir.file("wrong.safetensors"), t);
    Engine engine;
    ModelSpec spec;
    spec.path = goldenSd15();
    spec.loras = {{dir.file("wrong.safetensors"), 1.0}};
    try {
        engine.loadModel(spec);
        FAIL("loaded a LoRA that does not fit");
    } catch (const LoadError& e) {
        CHECK_THAT(std::string(e.what()), Catch::Contains("lora_unet_down_blocks_0_attentions_0_proj_in") &&
                                              Catch::Contains("[2, 999, 1, 1]") && Catch::Contains("wrong.safetensors"));
    }
    CHECK_FALSE(engine.hasModel());
}

TEST_CASE("A TAESD preview decoder decodes the edit's previews", "[engine][taesd]") {
    test::TempDir dir;
    ModelSpec spec;
    spec.path = goldenSd15();
    spec.previewDecoder = writeTaesd(dir, 4);
    drag::Pipeline p = drag::loadPipeline(spec);
    REQUIRE(p.previewDecoder);
    CHECK(p.info.previewDecoder == spec.previewDecoder);

    const auto tiny = editPreviews(spec);
    ModelSpec without = spec;
    without.previewDecoder.clear();
    const auto vae = editPreviews(without);
    REQUIRE(!tiny.empty());
    REQUIRE(tiny.size() == vae.size());
    CHECK(tiny.back().width == vae.back().width);
    CHECK(tiny.back().height == vae.back().height);
    CHECK(tiny.back().pixels != vae.back().pixels);  // random TAESD weights: another picture

    SECTION("a TAESD for other latents is refused") {
        ModelSpec wrong = spec;
        test::TempDir other;
        wrong.previewDecoder = writeTaesd(other, 16);
        CHECK_THROWS_WITH(drag::loadPipeline(wrong), Catch::Contains("16-channel") && Catch::Contains("4-channel"));
    }
}

TEST_CASE("A TAESD preview decoder (taesdxl) decodes an SDXL edit's previews", "[engine][taesd][sdxl]") {
    std::string model;
    for (const auto& c : test::allGoldenCases())
        if (c.isSDXL()) model = c.dir();
    REQUIRE_FALSE(model.empty());
    test::TempDir dir;
    ModelSpec spec;
    spec.path = model;
    spec.previewDecoder = writeTaesd(dir, 4);
    const auto tiny = editPreviews(spec);
    spec.previewDecoder.clear();
    const auto vae = editPreviews(spec);
    REQUIRE(!tiny.empty());
    REQUIRE(tiny.size() == vae.size());
    CHECK(tiny.back().width == vae.back().width);
    CHECK(tiny.back().pixels != vae.back().pixels);
}
