#include "support/catch.h"

#include "dragdiff/error.h"
#include "io/safetensors.h"
#include "models/single_file/ldm_key_mapping.h"
#include "models/single_file_fixture.h"
#include "support/test_support.h"

#include <set>

using namespace dragdiff;
using models::mapSingleFileCheckpoint;
using test::TempDir;
using test::TinyLdmSpec;

namespace {

std::set<std::string> names(const models::WeightSet& w) {
    std::set<std::string> out;
    for (const auto& [name, src] : w.tensors()) out.insert(name);
    return out;
}

size_t countWithPrefix(const std::map<std::string, at::Tensor>& tensors, const std::string& prefix) {
    size_t n = 0;
    for (const auto& [key, t] : tensors) n += key.compare(0, prefix.size(), prefix) == 0;
    return n;
}

const at::Tensor& weight(const models::WeightSet& w, const std::string& name) {
    INFO("looking up " << name);
    REQUIRE(w.tensors().count(name) == 1);
    return w.tensors().at(name).view;
}

// Runs `fn`, which must throw a LoadError whose message holds every fragment.
template <class Fn>
void requireLoadError(Fn&& fn, const std::vector<std::string>& fragments) {
    try {
        fn();
        FAIL("no LoadError; expected one mentioning '" << fragments.front() << "'");
    } catch (const LoadError& e) {
        const std::string msg = e.what();
        INFO(msg);
        for (const auto& f : fragments) CHECK(msg.find(f) != std::string::npos);
    }
}

}  // namespace

TEST_CASE("an SD 1.x single file maps every tensor to its diffusers name", "[unit][models]") {
    TempDir dir;
    TinyLdmSpec spec;
    spec.layersPerBlock = 2;
    const auto tensors = test::makeTinyLdm(spec);
    const auto file = test::writeCheckpoint(dir.file("sd1.safetensors"), tensors);
    const auto w = mapSingleFileCheckpoint(file, test::tinyOptions(spec));

    CHECK(w.textFamily == "clip");
    // One target per source tensor (CLIP and the VAE/UNet map 1:1).
    CHECK(w.unet.tensors().size() == countWithPrefix(tensors, models::kLdmUNetPrefix));
    CHECK(w.vae.tensors().size() == countWithPrefix(tensors, models::kLdmVaePrefix));
    CHECK(w.textEncoder.tensors().size() == countWithPrefix(tensors, models::kLdmClipPrefix));

    // UNet: blocks numbered flat in ldm, nested in diffusers (layers_per_block 2: 3 slots per block).
    const auto& unet = w.unet;
    CHECK(weight(unet, "conv_in.weight").sizes() == at::IntArrayRef{8, 4, 3, 3});
    CHECK(weight(unet, "time_embedding.linear_2.bias").sizes() == at::IntArrayRef{32});
    CHECK(weight(unet, "down_blocks.0.resnets.1.conv2.weight").sizes() == at::IntArrayRef{8, 8, 3, 3});
    CHECK(weight(unet, "down_blocks.1.resnets.0.conv_shortcut.weight").sizes() == at::IntArrayRef{16, 8, 1, 1});
    CHECK(weight(unet, "down_blocks.1.resnets.0.time_emb_proj.weight").sizes() == at::IntArrayRef{16, 32});
    CHECK(weight(unet, "down_blocks.0.downsamplers.0.conv.weight").sizes() == at::IntArrayRef{8, 8, 3, 3});
    CHECK(weight(unet, "down_blocks.0.attentions.1.transformer_blocks.0.attn2.to_k.weight").sizes() ==
          at::IntArrayRef{8, 12});
    CHECK(weight(unet, "mid_block.attentions.0.proj_in.weight").sizes() == at::IntArrayRef{16, 16, 1, 1});
    CHECK(weight(unet, "mid_block.resnets.1.norm1.weight").sizes() == at::IntArrayRef{16});
    CHECK(weight(unet, "up_blocks.0.resnets.2.conv1.weight").sizes() == at::IntArrayRef{16, 32, 3, 3});
    CHECK(weight(unet, "up_blocks.0.upsamplers.0.conv.weight").sizes() == at::IntArrayRef{16, 16, 3, 3});
    CHECK(weight(unet, "up_blocks.1.attentions.2.transformer_blocks.0.ff.net.0.proj.weight").sizes() ==
          at::IntArrayRef{64, 8});
    CHECK(weight(unet, "conv_norm_out.weight").sizes() == at::IntArrayRef{8});
    CHECK(weight(unet, "conv_out.weight").sizes() == at::IntArrayRef{4, 8, 3, 3});
    CHECK(unet.tensors().count("up_blocks.1.upsamplers.0.conv.weight") == 0);

    // Values are zero-copy views of the file.
    const auto& src = unet.tensors().at("up_blocks.0.upsamplers.0.conv.weight");
    CHECK(src.key == "model.diffusion_model.output_blocks.2.1.conv.weight");
    CHECK(src.file == file->path());
    CHECK(src.view.data_ptr() == file->view(src.key).data_ptr());
    CHECK(at::equal(src.view, tensors.at(src.key)));

    // VAE: decoder up blocks reversed, nin_shortcut renamed, attention 1x1 convs become linears.
    const auto& vae = w.vae;
    CHECK(weight(vae, "encoder.down_blocks.1.resnets.0.conv_shortcut.weight").sizes() == at::IntArrayRef{16, 8, 1, 1});
    CHECK(weight(vae, "encoder.down_blocks.0.downsamplers.0.conv.weight").sizes() == at::IntArrayRef{8, 8, 3, 3});
    CHECK(weight(vae, "encoder.conv_norm_out.bias").sizes() == at::IntArrayRef{16});
    CHECK(weight(vae, "encoder.mid_block.attentions.0.to_q.weight").sizes() == at::IntArrayRef{16, 16});
    CHECK(weight(vae, "decoder.mid_block.attentions.0.to_out.0.weight").sizes() == at::IntArrayRef{16, 16});
    CHECK(weight(vae, "decoder.mid_block.attentions.0.group_norm.weight").sizes() == at::IntArrayRef{16});
    CHECK(at::equal(weight(vae, "decoder.mid_block.attentions.0.to_v.weight"),
                    tensors.at("first_stage_model.decoder.mid.attn_1.v.weight").reshape({16, 16})));
    CHECK(weight(vae, "decoder.up_blocks.0.upsamplers.0.conv.weight").sizes() == at::IntArrayRef{16, 16, 3, 3});
    CHECK(vae.tensors().at("decoder.up_blocks.0.upsamplers.0.conv.weight").key ==
          "first_stage_model.decoder.up.1.upsample.conv.weight");
    CHECK(weight(vae, "decoder.up_blocks.1.resnets.0.conv_shortcut.weight").sizes() == at::IntArrayRef{8, 16, 1, 1});
    CHECK(vae.tensors().count("decoder.up_blocks.1.upsamplers.0.conv.weight") == 0);
    CHECK(weight(vae, "quant_conv.weight").sizes() == at::IntArrayRef{8, 8, 1, 1});
    CHECK(weight(vae, "post_quant_conv.bias").sizes() == at::IntArrayRef{4});

    // CLIP: the transformers names under `text_model.`.
    CHECK(weight(w.textEncoder, "text_model.embeddings.token_embedding.weight").sizes() == at::IntArrayRef{50, 12});
    CHECK(weight(w.textEncoder, "text_model.encoder.layers.1.self_attn.out_proj.weight").sizes() ==
          at::IntArrayRef{12, 12});
    CHECK(weight(w.textEncoder, "text_model.final_layer_norm.bias").sizes() == at::IntArrayRef{12});
}

TEST_CASE("older SD 1.x files without the text_model level map to the same names", "[unit][models]") {
    TempDir dir;
    TinyLdmSpec spec, old = spec;
    old.text = "clip-old";
    const auto currentFile = test::writeCheckpoint(dir.file("a.safetensors"), test::makeTinyLdm(spec));
    const auto olderFile = test::writeCheckpoint(dir.file("b.safetensors"), test::makeTinyLdm(old));
    const auto current = mapSingleFileCheckpoint(currentFile, test::tinyOptions(spec));
    const auto older = mapSingleFileCheckpoint(olderFile, test::tinyOptions(old));
    CHECK(older.textFamily == "clip");
    CHECK(names(older.textEncoder) == names(current.textEncoder));
    CHECK(older.textEncoder.tensors().at("text_model.encoder.layers.0.mlp.fc1.weight").key ==
          "cond_stage_model.transformer.encoder.layers.0.mlp.fc1.weight");
}

TEST_CASE("proj_in/proj_out follow use_linear_projection whatever the file stores", "[unit][models]") {
    TempDir dir;
    for (bool fileLinear : {false, true}) {
        for (bool configLinear : {false, true}) {
            INFO("file linear " << fileLinear << ", config linear " << configLinear);
            TinyLdmSpec spec;
            spec.linearProjection = fileLinear;
            const auto tensors = test::makeTinyLdm(spec);
            auto options = test::tinyOptions(spec);
            options.unet.useLinearProjection = configLinear;
            const std::string name = std::to_string(fileLinear) + std::to_string(configLinear) + ".safetensors";
            const auto w = mapSingleFileCheckpoint(test::writeCheckpoint(dir.file(name), tensors), options);
            const at::Tensor p = weight(w.unet, "down_blocks.0.attentions.0.proj_out.weight");
            CHECK(p.sizes() == (configLinear ? at::IntArrayRef{8, 8} : at::IntArrayRef{8, 8, 1, 1}));
            CHECK(at::equal(p.reshape({8, 8}),
                            tensors.at("model.diffusion_model.input_blocks.1.1.proj_out.weight").reshape({8, 8})));
            CHECK(weight(w.unet, "down_blocks.0.attentions.0.proj_out.bias").sizes() == at::IntArrayRef{8});
        }
    }
}

TEST_CASE("an unknown key is a LoadError naming it and the file", "[unit][models]") {
    TempDir dir;
    TinyLdmSpec spec;
    const std::vector<std::string> strangers{
        "model.diffusion_model.input_blocks.1.0.mystery.weight",  // inside a ResBlock
        "model.diffusion_model.label_emb.0.0.weight",              // class-conditioned UNet
        "first_stage_model.encoder.down.0.attn.0.q.weight",        // VAE with attentions in blocks
        "cond_stage_model.transformer.text_model.encoder.layers.0.mlp.fc3.weight",
        "cond_stage_model.model.transformer.resblocks.0.attn.in_proj_extra",
        "control_model.input_blocks.0.0.weight",  // a ControlNet merged in
        "lora_unet_down_blocks_0_attentions_0_proj_in.alpha",
    };
    for (const auto& key : strangers) {
        INFO(key);
        auto tensors = test::makeTinyLdm(spec);
        if (key.rfind("cond_stage_model.model.", 0) == 0) {
            spec.text = "openclip";
            tensors = test::makeTinyLdm(spec);
        }
        tensors[key] = at::zeros({2, 2});
        const std::string path = dir.file("unknown.safetensors");
        const auto file = test::writeCheckpoint(path, tensors);
        requireLoadError([&] { mapSingleFileCheckpoint(file, test::tinyOptions(spec)); }, {key, path});
        spec = TinyLdmSpec{};
    }
}

TEST_CASE("EMA copies, schedule buffers, loss weights and position ids are skipped", "[unit][models]") {
    TempDir dir;
    TinyLdmSpec spec;
    auto tensors = test::makeTinyLdm(spec);
    const auto plain = mapSingleFileCheckpoint(test::writeCheckpoint(dir.file("plain.safetensors"), tensors),
                                               test::tinyOptions(spec));
    // What ldm training saves beside the weights.
    tensors["model_ema.decay"] = at::scalar_tensor(0.9999);
    tensors["model_ema.num_updates"] = at::scalar_tensor(1000, at::kInt);
    tensors["model_ema.diffusion_modeltime_embed0weight"] = at::randn({32, 8});
    tensors["model_ema.diffusion_modelinput_blocks110projinweight"] = at::randn({8, 8, 1, 1});
    tensors["model.diffusion_model_ema.out.2.weight"] = at::randn({4, 8, 3, 3});
    tensors["model.diffusion_model.out.2.weight_ema"] = at::randn({4, 8, 3, 3});
    for (const char* buffer : {"betas", "alphas_cumprod", "alphas_cumprod_prev", "sqrt_alphas_cumprod",
                               "posterior_variance", "posterior_mean_coef1", "lvlb_weights", "logvar"})
        tensors[buffer] = at::rand({1000});
    tensors["first_stage_model.loss.logvar"] = at::zeros({});
    tensors["first_stage_model.loss.discriminator.main.0.weight"] = at::randn({4, 3, 4, 4});
    tensors["first_stage_model.loss.perceptual_loss.net.slice1.0.weight"] = at::randn({4, 3, 3, 3});
    // Older transformers saved position ids, sometimes as floats with wrong values.
    tensors["cond_stage_model.transformer.text_model.embeddings.position_ids"] = at::arange(77).to(at::kFloat) * 1.0001;
    const auto extra = mapSingleFileCheckpoint(test::writeCheckpoint(dir.file("extra.safetensors"), tensors),
                                               test::tinyOptions(spec));
    CHECK(names(extra.unet) == names(plain.unet));
    CHECK(names(extra.vae) == names(plain.vae));
    CHECK(names(extra.textEncoder) == names(plain.textEncoder));
    CHECK(extra.unet.tensors().at("conv_out.weight").key == "model.diffusion_model.out.2.weight");

    CHECK(models::isIgnoredLdmKey("cond_stage_model.model.text_projection"));
    CHECK(models::isIgnoredLdmKey("cond_stage_model.model.logit_scale"));
    CHECK(models::isIgnoredLdmKey("cond_stage_model.model.attn_mask"));
    CHECK(models::isIgnoredLdmKey("cond_stage_model.model.text_model.embeddings.position_ids"));
    CHECK(models::isIgnoredLdmKey("cond_stage_model.transformer.embeddings.position_ids"));
    CHECK_FALSE(models::isIgnoredLdmKey("model.diffusion_model.time_embed.0.weight"));
    CHECK_FALSE(models::isIgnoredLdmKey("first_stage_model.decoder.conv_out.weight"));
}

TEST_CASE("F16 and BF16 files map as views in their own dtype", "[unit][models]") {
    TempDir dir;
    TinyLdmSpec spec;
    spec.text = "openclip";
    const auto f32 = test::makeTinyLdm(spec);
    for (auto dtype : {at::kHalf, at::kBFloat16}) {
        INFO(c10::toString(dtype));
        std::map<std::string, at::Tensor> converted;
        for (const auto& [key, t] : f32) converted[key] = t.to(dtype);
        const auto file = test::writeCheckpoint(dir.file("half.safetensors"), converted);
        const auto w = mapSingleFileCheckpoint(file, test::tinyOptions(spec));
        CHECK(w.unet.tensors().size() == countWithPrefix(f32, models::kLdmUNetPrefix));
        for (const auto* set : {&w.unet, &w.vae, &w.textEncoder})
            for (const auto& [name, src] : set->tensors()) {
                INFO(name);
                CHECK(src.view.scalar_type() == dtype);
            }
        const at::Tensor q = weight(w.vae, "encoder.mid_block.attentions.0.to_q.weight");
        CHECK(at::equal(q, converted.at("first_stage_model.encoder.mid.attn_1.q.weight").reshape({16, 16})));
        const at::Tensor k = weight(w.textEncoder, "text_model.encoder.layers.1.self_attn.k_proj.weight");
        CHECK(at::equal(k, converted.at("cond_stage_model.model.transformer.resblocks.1.attn.in_proj_weight")
                               .narrow(0, 12, 12)));
    }
}

TEST_CASE("a file without UNet tensors is not a Stable Diffusion checkpoint", "[unit][models]") {
    TempDir dir;
    TinyLdmSpec spec;
    std::map<std::string, at::Tensor> noUNet;
    for (const auto& [key, t] : test::makeTinyLdm(spec))
        if (key.rfind(models::kLdmUNetPrefix, 0) != 0) noUNet[key] = t;
    const std::string path = dir.file("vae_and_text.safetensors");
    const auto file = test::writeCheckpoint(path, noUNet);
    requireLoadError([&] { mapSingleFileCheckpoint(file, test::tinyOptions(spec)); },
                     {"not a Stable Diffusion checkpoint", path, "model.diffusion_model."});

    // A diffusers component file gets pointed at its folder.
    const auto diffusers = test::writeCheckpoint(dir.file("diffusion_pytorch_model.safetensors"),
                                                 {{"down_blocks.0.resnets.0.conv1.weight", at::zeros({8, 8, 3, 3})}});
    requireLoadError([&] { mapSingleFileCheckpoint(diffusers, test::tinyOptions(spec)); },
                     {"not a Stable Diffusion checkpoint", "model_index.json"});

    // SDXL shares the UNet prefix but not the text encoders.
    auto sdxl = test::makeTinyLdm(spec);
    sdxl["conditioner.embedders.1.model.ln_final.weight"] = at::ones({12});
    const auto xl = test::writeCheckpoint(dir.file("sdxl.safetensors"), sdxl);
    requireLoadError([&] { mapSingleFileCheckpoint(xl, test::tinyOptions(spec)); }, {"SDXL", "conditioner.embedders"});

    const auto empty = test::writeCheckpoint(dir.file("empty.safetensors"), {});
    requireLoadError([&] { mapSingleFileCheckpoint(empty, test::tinyOptions(spec)); },
                     {"not a Stable Diffusion checkpoint", "no tensors"});
}

TEST_CASE("OpenCLIP's fused in_proj splits into q, k and v rows", "[unit][models]") {
    TempDir dir;
    TinyLdmSpec spec;
    spec.text = "openclip";
    spec.textWidth = 4;
    spec.textLayers = 1;
    auto tensors = test::makeTinyLdm(spec);
    const std::string r = "cond_stage_model.model.transformer.resblocks.0.attn.";
    // Row i of the fused weight holds 100*i + column.
    tensors[r + "in_proj_weight"] = (at::arange(12).unsqueeze(1) * 100 + at::arange(4).unsqueeze(0)).to(at::kFloat);
    tensors[r + "in_proj_bias"] = at::arange(12).to(at::kFloat);
    const auto file = test::writeCheckpoint(dir.file("openclip.safetensors"), tensors);
    const auto w = mapSingleFileCheckpoint(file, test::tinyOptions(spec));
    CHECK(w.textFamily == "openclip");

    const std::string layer = "text_model.encoder.layers.0.self_attn.";
    const char* projections[] = {"q_proj", "k_proj", "v_proj"};
    for (int part = 0; part < 3; ++part) {
        INFO(projections[part]);
        const at::Tensor wt = weight(w.textEncoder, layer + projections[part] + ".weight");
        const at::Tensor b = weight(w.textEncoder, layer + projections[part] + ".bias");
        REQUIRE(wt.sizes() == at::IntArrayRef{4, 4});
        REQUIRE(b.sizes() == at::IntArrayRef{4});
        for (int row = 0; row < 4; ++row) {
            CHECK(b[row].item<float>() == static_cast<float>(4 * part + row));
            for (int col = 0; col < 4; ++col)
                CHECK(wt[row][col].item<float>() == static_cast<float>(100 * (4 * part + row) + col));
        }
        CHECK(w.textEncoder.tensors().at(layer + projections[part] + ".weight").key == r + "in_proj_weight");
    }
    // The rest of the OpenCLIP names.
    for (const char* name :
         {"text_model.embeddings.token_embedding.weight", "text_model.embeddings.position_embedding.weight",
          "text_model.encoder.layers.0.layer_norm1.weight", "text_model.encoder.layers.0.layer_norm2.bias",
          "text_model.encoder.layers.0.self_attn.out_proj.weight", "text_model.encoder.layers.0.mlp.fc1.weight",
          "text_model.encoder.layers.0.mlp.fc2.bias", "text_model.final_layer_norm.weight"})
        CHECK(w.textEncoder.tensors().count(name) == 1);
    CHECK(w.textEncoder.tensors().size() == 4 + 16);

    // A fused weight that does not hold 3 x hidden_size rows names both shapes.
    tensors[r + "in_proj_weight"] = at::zeros({10, 4});
    const auto bad = test::writeCheckpoint(dir.file("bad.safetensors"), tensors);
    requireLoadError([&] { mapSingleFileCheckpoint(bad, test::tinyOptions(spec)); },
                     {r + "in_proj_weight", "[10, 4]", "[12, 4]", "hidden_size 4"});
}

TEST_CASE("SD 2.x text keeps the layers its config asks for and skips the rest", "[unit][models]") {
    TempDir dir;
    TinyLdmSpec spec;
    spec.text = "openclip";
    spec.textLayers = 4;
    spec.openClipWholeTower = true;
    const auto file = test::writeCheckpoint(dir.file("sd2.safetensors"), test::makeTinyLdm(spec));
    auto options = test::tinyOptions(spec);
    options.text.numHiddenLayers = 3;  // the penultimate layer, as diffusers' SD 2.x text encoder
    const auto w = mapSingleFileCheckpoint(file, options);
    CHECK(w.textEncoder.tensors().size() == 4 + 3 * 16);
    CHECK(w.textEncoder.tensors().count("text_model.encoder.layers.2.mlp.fc2.weight") == 1);
    CHECK(w.textEncoder.tensors().count("text_model.encoder.layers.3.mlp.fc2.weight") == 0);
    CHECK(w.textEncoder.tensors().count("text_projection.weight") == 0);

    options.text.numHiddenLayers = 5;
    requireLoadError([&] { mapSingleFileCheckpoint(file, options); }, {"asks for 5 layers", "holds 4"});
}

TEST_CASE("a config that does not match the file is a LoadError naming the tensor", "[unit][models]") {
    TempDir dir;
    TinyLdmSpec spec;
    const auto file = test::writeCheckpoint(dir.file("sd1.safetensors"), test::makeTinyLdm(spec));

    auto oneBlock = test::tinyOptions(spec);
    oneBlock.unet.blockOutChannels = {8};
    oneBlock.unet.downBlockTypes = {"CrossAttnDownBlock2D"};
    oneBlock.unet.upBlockTypes = {"CrossAttnUpBlock2D"};
    oneBlock.unet.transformerLayersPerBlock = {1};
    requireLoadError([&] { mapSingleFileCheckpoint(file, oneBlock); },
                     {"model.diffusion_model.", "does not match this checkpoint"});

    auto noAttention = test::tinyOptions(spec);
    noAttention.unet.downBlockTypes[0] = "DownBlock2D";
    requireLoadError([&] { mapSingleFileCheckpoint(file, noAttention); },
                     {"model.diffusion_model.input_blocks.1.1.", "attention in down block 0", "DownBlock2D"});

    auto vaeOneBlock = test::tinyOptions(spec);
    vaeOneBlock.vae.blockOutChannels = {8};
    requireLoadError([&] { mapSingleFileCheckpoint(file, vaeOneBlock); },
                     {"first_stage_model.", "does not match this checkpoint"});

    auto fewerText = test::tinyOptions(spec);
    fewerText.text.numHiddenLayers = 1;  // SD 1.x "clip skip" models: the extra layers are skipped
    CHECK(mapSingleFileCheckpoint(file, fewerText).textEncoder.tensors().size() == 4 + 16);
}

TEST_CASE("a file with both CLIP and OpenCLIP text encoders is refused", "[unit][models]") {
    TempDir dir;
    TinyLdmSpec spec;
    auto tensors = test::makeTinyLdm(spec);
    spec.text = "openclip";
    for (const auto& [key, t] : test::makeTinyLdm(spec))
        if (key.rfind(models::kLdmOpenClipPrefix, 0) == 0) tensors[key] = t;
    const auto file = test::writeCheckpoint(dir.file("both.safetensors"), tensors);
    requireLoadError([&] { mapSingleFileCheckpoint(file, test::tinyOptions(spec)); }, {"two text encoders"});
}
