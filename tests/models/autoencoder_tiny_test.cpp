// TAESD (diffusers AutoencoderTiny) against a reference written here from diffusers'
// autoencoder_tiny.py / vae.py with plain at:: ops on random weights in the diffusers key layout;
// the three file layouts it loads from, and the loader's errors.
#include "support/catch.h"

#include "dragdiff/error.h"
#include "io/safetensors.h"
#include "models/vae/autoencoder_kl.h"
#include "models/vae/autoencoder_tiny.h"
#include "support/model_loading.h"
#include "support/test_support.h"

#include <ATen/core/grad_mode.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <string>

using namespace dragdiff;
using Tensors = std::map<std::string, at::Tensor>;

namespace {

// The reference architecture: per level, channel counts and block counts, as diffusers' defaults
// (1, 3, 3, 3) / (3, 3, 3, 1) but narrow.
struct RefConfig {
    int64_t channels = 8;
    int64_t latent = 4;
    std::vector<int> encoderBlocks{1, 3, 3, 3};
    std::vector<int> decoderBlocks{3, 3, 3, 1};
};

void addConv(Tensors& w, const std::string& name, int64_t in, int64_t out, int64_t k, bool bias) {
    w[name + ".weight"] = at::randn({out, in, k, k}) * (1.0 / std::sqrt(double(in * k * k)));
    if (bias) w[name + ".bias"] = at::randn({out}) * 0.1;
}

void addBlock(Tensors& w, const std::string& name, int64_t ch) {
    for (int i : {0, 2, 4}) addConv(w, name + ".conv." + std::to_string(i), ch, ch, 3, true);
}

// Weights under diffusers' keys: encoder.layers.N / decoder.layers.N, where ReLU and Upsample
// occupy an index of the Sequential without owning weights.
Tensors randomWeights(const RefConfig& c) {
    Tensors w;
    int idx = 0;
    for (size_t i = 0; i < c.encoderBlocks.size(); ++i) {
        addConv(w, "encoder.layers." + std::to_string(idx++), i == 0 ? 3 : c.channels, c.channels, 3, i == 0);
        for (int b = 0; b < c.encoderBlocks[i]; ++b) addBlock(w, "encoder.layers." + std::to_string(idx++), c.channels);
    }
    addConv(w, "encoder.layers." + std::to_string(idx), c.channels, c.latent, 3, true);
    idx = 0;
    addConv(w, "decoder.layers." + std::to_string(idx), c.latent, c.channels, 3, true);
    idx += 2;  // conv, ReLU
    for (size_t i = 0; i < c.decoderBlocks.size(); ++i) {
        const bool last = i + 1 == c.decoderBlocks.size();
        for (int b = 0; b < c.decoderBlocks[i]; ++b) addBlock(w, "decoder.layers." + std::to_string(idx++), c.channels);
        if (!last) ++idx;  // Upsample
        addConv(w, "decoder.layers." + std::to_string(idx++), c.channels, last ? 3 : c.channels, 3, last);
    }
    return w;
}

at::Tensor conv(const Tensors& w, const std::string& name, const at::Tensor& x, int64_t stride = 1) {
    auto b = w.find(name + ".bias");
    return at::conv2d(x, w.at(name + ".weight"), b == w.end() ? at::Tensor() : b->second, stride, /*padding=*/
                      w.at(name + ".weight").size(2) / 2);
}

at::Tensor block(const Tensors& w, const std::string& name, const at::Tensor& x) {
    at::Tensor h = at::relu(conv(w, name + ".conv.0", x));
    h = at::relu(conv(w, name + ".conv.2", h));
    h = conv(w, name + ".conv.4", h);
    return at::relu(h + x);
}

at::Tensor refEncode(const Tensors& w, const RefConfig& c, const at::Tensor& image) {
    at::Tensor x = (image + 1) / 2;
    int idx = 0;
    for (size_t i = 0; i < c.encoderBlocks.size(); ++i) {
        x = conv(w, "encoder.layers." + std::to_string(idx++), x, i == 0 ? 1 : 2);
        for (int b = 0; b < c.encoderBlocks[i]; ++b) x = block(w, "encoder.layers." + std::to_string(idx++), x);
    }
    return conv(w, "encoder.layers." + std::to_string(idx), x);
}

at::Tensor refDecode(const Tensors& w, const RefConfig& c, const at::Tensor& latents) {
    at::Tensor x = at::tanh(latents / 3) * 3;
    x = at::relu(conv(w, "decoder.layers.0", x));
    int idx = 2;
    for (size_t i = 0; i < c.decoderBlocks.size(); ++i) {
        const bool last = i + 1 == c.decoderBlocks.size();
        for (int b = 0; b < c.decoderBlocks[i]; ++b) x = block(w, "decoder.layers." + std::to_string(idx++), x);
        if (!last) {
            x = at::upsample_nearest2d(x, {x.size(2) * 2, x.size(3) * 2});
            ++idx;
        }
        x = conv(w, "decoder.layers." + std::to_string(idx++), x);
    }
    return x * 2 - 1;
}

nlohmann::json configJson(const RefConfig& c) {
    const std::vector<int> ch(c.encoderBlocks.size(), static_cast<int>(c.channels));
    return {{"_class_name", "AutoencoderTiny"}, {"encoder_block_out_channels", ch},
            {"decoder_block_out_channels", ch}, {"latent_channels", c.latent},
            {"num_encoder_blocks", c.encoderBlocks}, {"num_decoder_blocks", c.decoderBlocks},
            {"act_fn", "relu"}, {"upsample_fn", "nearest"}, {"scaling_factor", 1.0}};
}

std::string writeFolder(const test::TempDir& dir, const RefConfig& c, const Tensors& w) {
    const std::string folder = dir.file("taesd");
    std::filesystem::create_directories(folder);
    test::writeBytes(folder + "/config.json", configJson(c).dump(2));
    io::writeSafetensors(folder + "/diffusion_pytorch_model.safetensors", w);
    return folder;
}

}  // namespace

TEST_CASE("AutoencoderTiny matches the reference on random weights", "[unit][taesd]") {
    at::NoGradGuard noGrad;
    test::TempDir dir;
    at::manual_seed(21);
    RefConfig c;
    const Tensors w = randomWeights(c);
    auto taesd = models::loadAutoencoderTiny(writeFolder(dir, c, w));
    REQUIRE(taesd->encoder);

    const at::Tensor latents = at::randn({2, 4, 5, 7}) * 2;
    const at::Tensor image = taesd->decode(latents);
    REQUIRE(image.sizes() == at::IntArrayRef({2, 3, 40, 56}));
    CHECK(test::compareTensors(image, refDecode(w, c, latents), 1e-5, 1e-4).empty());
    // Latents beyond the soft clamp still decode (tanh saturates instead of clipping).
    const at::Tensor big = at::randn({1, 4, 3, 3}) * 50;
    CHECK(test::compareTensors(taesd->decode(big), refDecode(w, c, big), 1e-5, 1e-4).empty());

    const at::Tensor picture = at::rand({1, 3, 48, 40}) * 2 - 1;
    const at::Tensor z = taesd->encode(picture);
    REQUIRE(z.sizes() == at::IntArrayRef({1, 4, 6, 5}));
    CHECK(test::compareTensors(z, refEncode(w, c, picture), 1e-5, 1e-4).empty());
}

TEST_CASE("AutoencoderTiny: module paths are the diffusers keys of the default config", "[unit][taesd]") {
    models::AutoencoderTiny taesd(models::AutoencoderTinyConfig{});
    RefConfig c;
    c.channels = 64;
    Tensors expected = randomWeights(c);
    std::set<std::string> ours;
    for (const auto& p : taesd->named_parameters()) {
        ours.insert(p.key());
        INFO(p.key());
        REQUIRE(expected.count(p.key()));
        CHECK(p.value().sizes() == expected.at(p.key()).sizes());
        CHECK_FALSE(p.value().requires_grad());
    }
    CHECK(ours.size() == expected.size());
    CHECK(taesd->named_parameters().contains("decoder.layers.18.weight"));  // the last conv (3 outputs, bias)
    CHECK(taesd->named_parameters()["decoder.layers.18.weight"].size(0) == 3);
}

TEST_CASE("AutoencoderTiny loads a bare diffusers file, a decoder-only file and TAESD's own decoder file",
          "[unit][taesd]") {
    at::NoGradGuard noGrad;
    test::TempDir dir;
    at::manual_seed(22);
    RefConfig c;
    c.latent = 16;  // no config.json: read from decoder.layers.0.weight
    c.channels = 64;
    c.decoderBlocks = {1, 1, 1, 1};  // fewer blocks than the default would be a missing-tensor error...
    c.encoderBlocks = {1, 3, 3, 3};
    RefConfig full;  // ...so the bare file uses the default block counts
    full.latent = 16;
    full.channels = 64;
    const Tensors w = randomWeights(full);
    io::writeSafetensors(dir.file("taef.safetensors"), w);
    auto taesd = models::loadAutoencoderTiny(dir.file("taef.safetensors"));
    CHECK(taesd->config().latentChannels == 16);
    const at::Tensor latents = at::randn({1, 16, 2, 3});
    const at::Tensor expected = refDecode(w, full, latents);
    CHECK(test::compareTensors(taesd->decode(latents), expected, 1e-5, 1e-4).empty());

    Tensors decoderOnly, original;
    for (const auto& [k, v] : w) {
        if (k.rfind("decoder.layers.", 0) != 0) continue;
        decoderOnly[k] = v;
        const std::string rest = k.substr(std::string("decoder.layers.").size());
        const size_t dot = rest.find('.');
        original[std::to_string(std::stoi(rest.substr(0, dot)) + 1) + rest.substr(dot)] = v;  // after TAESD's Clamp
    }
    io::writeSafetensors(dir.file("decoder.safetensors"), decoderOnly);
    io::writeSafetensors(dir.file("taesd_decoder.safetensors"), original);
    for (const char* name : {"decoder.safetensors", "taesd_decoder.safetensors"}) {
        INFO(name);
        auto d = models::loadAutoencoderTiny(dir.file(name));
        CHECK_FALSE(d->encoder);
        CHECK(test::compareTensors(d->decode(latents), expected, 1e-5, 1e-4).empty());
        CHECK_THROWS_AS(d->encode(at::zeros({1, 3, 16, 16})), InvalidRequest);
    }
}

TEST_CASE("AutoencoderTiny loader errors name the file and what is wrong", "[unit][taesd]") {
    test::TempDir dir;
    at::manual_seed(23);
    RefConfig c;
    Tensors w = randomWeights(c);
    const std::string folder = writeFolder(dir, c, w);

    SECTION("a missing tensor") {
        w.erase("decoder.layers.4.conv.2.weight");
        io::writeSafetensors(folder + "/diffusion_pytorch_model.safetensors", w);
        CHECK_THAT(test::requireLoadError([&] { models::loadAutoencoderTiny(folder); }),
                   Catch::Contains("decoder.layers.4.conv.2.weight") && Catch::Contains("missing"));
    }
    SECTION("a mis-shaped tensor") {
        w["decoder.layers.0.weight"] = at::zeros({8, 4, 1, 1});
        io::writeSafetensors(folder + "/diffusion_pytorch_model.safetensors", w);
        CHECK_THAT(test::requireLoadError([&] { models::loadAutoencoderTiny(folder); }),
                   Catch::Contains("decoder.layers.0.weight") && Catch::Contains("[8, 4, 1, 1]") &&
                       Catch::Contains("[8, 4, 3, 3]"));
    }
    SECTION("another activation") {
        auto j = configJson(c);
        j["act_fn"] = "silu";
        test::writeBytes(folder + "/config.json", j.dump());
        CHECK_THAT(test::requireLoadError([&] { models::loadAutoencoderTiny(folder); }), Catch::Contains("act_fn = silu"));
    }
    SECTION("not a TAESD file") {
        io::writeSafetensors(dir.file("vae.safetensors"), {{"decoder.conv_in.weight", at::zeros({4, 4, 3, 3})}});
        CHECK_THAT(test::requireLoadError([&] { models::loadAutoencoderTiny(dir.file("vae.safetensors")); }),
                   Catch::Contains("not a TAESD") && Catch::Contains("decoder.conv_in.weight"));
    }
    SECTION("pickles and missing paths") {
        test::writeBytes(dir.file("taesd_decoder.pth"), std::string("PK\x03\x04", 4));
        CHECK_THAT(test::requireLoadError([&] { models::loadAutoencoderTiny(dir.file("taesd_decoder.pth")); }),
                   Catch::Contains("pickle"));
        CHECK_THAT(test::requireLoadError([&] { models::loadAutoencoderTiny(dir.file("nothing")); }),
                   Catch::Contains("does not exist"));
    }
}

TEST_CASE("AutoencoderTiny refuses configs it cannot build or run before allocating (fuzz_taesd findings)", "[unit][taesd]") {
    test::TempDir dir;
    at::manual_seed(29);
    RefConfig c;
    const Tensors w = randomWeights(c);
    const std::string folder = writeFolder(dir, c, w);
    auto withConfig = [&](const std::function<void(nlohmann::json&)>& change) {
        auto j = configJson(c);
        change(j);
        test::writeBytes(folder + "/config.json", j.dump());
        return test::requireLoadError([&] { models::loadAutoencoderTiny(folder); });
    };
    // 65536 channels: a 154 GB allocation for each convolution (ASan: out of memory) before the
    // weights were looked at; now the model's size is checked against the file's first.
    CHECK_THAT(withConfig([](nlohmann::json& j) {
                   j["encoder_block_out_channels"] = j["decoder_block_out_channels"] = std::vector<int>(4, 65536);
               }),
               Catch::Contains("config.json describes has") && Catch::Contains("far more than"));
    // No config: the latent channels come from the first convolution, here [0, 999999, 3, 3]
    // (no data at all): a 2.3 GB convolution.
    io::writeSafetensors(dir.file("latent.safetensors"), {{"decoder.layers.0.weight", at::zeros({0, 999999, 3, 3})}});
    CHECK_THAT(test::requireLoadError([&] { models::loadAutoencoderTiny(dir.file("latent.safetensors")); }),
               Catch::Contains("999999 latent channels") && Catch::Contains("far more than"));
    // upsampling_scaling_factor 100000 over 4 levels: latentScale() overflowed int (UBSan).
    CHECK_THAT(withConfig([](nlohmann::json& j) { j["upsampling_scaling_factor"] = 100000; }),
               Catch::Contains("upsamples latents more than 64x"));
    // Channel counts that change between levels built a model whose decode threw a LibTorch
    // error (a shape mismatch) at the first preview: refused at load, as diffusers cannot run it.
    CHECK_THAT(withConfig([](nlohmann::json& j) { j["decoder_block_out_channels"] = {8, 8, 8, 16}; }),
               Catch::Contains("must all be equal"));
    // The folder itself still loads.
    test::writeBytes(folder + "/config.json", configJson(c).dump());
    CHECK(models::loadAutoencoderTiny(folder)->latentScale() == 8);
}

// Preview cost, one thread: TAESD against the full SD VAE decoder (random weights; the cost does
// not depend on them). Hidden: run with `test_models "[.perf]"` or by name.
TEST_CASE("AutoencoderTiny preview decode cost at 512 and 1024 px", "[.perf][taesd]") {
    at::NoGradGuard noGrad;
    const int threads = at::get_num_threads();
    at::set_num_threads(1);
    models::AutoencoderTiny taesd(models::AutoencoderTinyConfig{});
    models::AutoencoderKL vae(models::VAEConfig::sd());
    for (int side : {512, 1024}) {
        const at::Tensor latents = at::randn({1, 4, side / 8, side / 8});
        auto time = [&](const std::function<at::Tensor()>& f) {
            const auto t0 = std::chrono::steady_clock::now();
            at::Tensor out = f();
            REQUIRE(out.size(2) == side);
            return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        };
        time([&] { return taesd->decode(latents); });  // warm-up
        const double tiny = time([&] { return taesd->decode(latents); });
        const double full = time([&] { return vae->decode(latents / vae->scalingFactor()); });
        WARN(side << " px, 1 thread: TAESD decode " << tiny << " s, SD VAE decode " << full << " s");
    }
    at::set_num_threads(threads);
}
