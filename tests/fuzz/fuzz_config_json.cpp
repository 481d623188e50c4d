// Fuzzes config.json reading: the input is the text of a config; it is read as each of the
// configs the loaders read (UNet, VAE, CLIP text, DDIM scheduler) and through every getter with
// the keys those configs use. Bad input must be a LoadError / InvalidRequest, never a crash.
#include "dragdiff/error.h"
#include "fuzz_support.h"
#include "io/config_json.h"
#include "models/model_configs.h"

#include <filesystem>

using namespace dragdiff;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    if (auto dir = fuzz::seedFolder(); !dir.empty()) {
        // The embedded model's own config files (written by the trainer's exporters).
        const std::filesystem::path weights = std::filesystem::path(DRAGDIFF_SOURCE_DIR) / "weights" / "embedded";
        for (const auto& entry : std::filesystem::recursive_directory_iterator(weights)) {
            if (entry.path().extension() != ".json") continue;
            std::string name = std::filesystem::relative(entry.path(), weights).string();
            for (char& c : name)
                if (c == '/') c = '_';
            fuzz::writeSeed(dir, name, fuzz::readWholeFile(entry.path()));
        }
        fuzz::writeSeed(dir, "lists.json",
                        R"({"attention_head_dim": [5, 10, 20, 20], "down_block_types": ["A", "B"], )"
                        R"("trained_betas": null, "betas": [0.1, 0.2], "flag": true, "x": 1.5e3})");
        std::exit(0);
    }
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    std::optional<io::ConfigReader> reader;
    try {
        reader.emplace(io::ConfigReader::fromText(text, "fuzz/config.json"));
    } catch (const Error&) {
        return 0;
    }
    const io::ConfigReader& r = *reader;
    auto attempt = [](auto&& f) {
        try {
            f();
        } catch (const Error&) {
        }
    };
    attempt([&] { (void)models::UNetConfig::read(r); });
    attempt([&] { (void)models::VAEConfig::read(r); });
    attempt([&] { (void)models::CLIPTextConfig::read(r); });
    attempt([&] { (void)models::DDIMConfig::read(r); });
    for (const char* key : {"sample_size", "attention_head_dim", "block_out_channels", "down_block_types",
                            "beta_start", "clip_sample", "_class_name", "x", "flag", "betas"}) {
        attempt([&] { (void)r.has(key); });
        attempt([&] { (void)r.getInt(key, 1); });
        attempt([&] { (void)r.getOptionalInt(key); });
        attempt([&] { (void)r.getDouble(key, 0.5); });
        attempt([&] { (void)r.getBool(key, false); });
        attempt([&] { (void)r.getString(key, "s"); });
        attempt([&] { (void)r.getOptionalString(key); });
        attempt([&] { (void)r.getIntList(key, {1}); });
        attempt([&] { (void)r.getDoubleList(key, {1.0}); });
        attempt([&] { (void)r.getStringList(key, {"a"}); });
        attempt([&] { (void)r.getIntOrList(key, 8, 4); });
    }
    return 0;
}
