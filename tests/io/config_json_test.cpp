#include "dragdiff/error.h"
#include "io/config_json.h"
#include "models/model_configs.h"

#include "support/catch.h"

using namespace dragdiff;

TEST_CASE("config reader: defaults for missing and null keys, unknown keys ignored", "[unit][io]") {
    auto r = io::ConfigReader::fromText(R"({"a": 3, "b": null, "c": [1, 2], "d": "x", "e": 2.5, "f": true, "zz": {}})",
                                        "cfg.json");
    CHECK(r.getInt("a", 0) == 3);
    CHECK(r.getInt("b", 7) == 7);
    CHECK(r.getInt("missing", 9) == 9);
    CHECK((r.getIntList("c", {}) == std::vector<int>{1, 2}));
    CHECK(r.getString("d", "") == "x");
    CHECK(r.getDouble("e", 0) == 2.5);
    CHECK(r.getDouble("a", 0) == 3.0);
    CHECK(r.getBool("f", false));
    CHECK((r.getIntOrList("a", 1, 3) == std::vector<int>{3, 3, 3}));
    CHECK((r.getIntOrList("c", 1, 2) == std::vector<int>{1, 2}));
}

TEST_CASE("config reader: a wrong type names the file and the key", "[unit][io]") {
    auto r = io::ConfigReader::fromText(R"({"a": "three", "c": [1, "x"], "e": 2.5})", "unet/config.json");
    try {
        r.getInt("a", 0);
        FAIL("accepted a string for an int");
    } catch (const LoadError& e) {
        std::string m = e.what();
        CHECK(m.find("unet/config.json") != std::string::npos);
        CHECK(m.find("'a'") != std::string::npos);
    }
    CHECK_THROWS_AS(r.getIntList("c", {}), LoadError);
    CHECK_THROWS_AS(r.getInt("e", 0), LoadError);
    CHECK_THROWS_AS(r.getBool("a", false), LoadError);
    CHECK_THROWS_AS(r.getIntOrList("c", 1, 2), LoadError);
    CHECK_THROWS_AS(io::ConfigReader::fromText("{oops", "x.json"), LoadError);
    CHECK_THROWS_AS(io::ConfigReader::fromText("[1]", "x.json"), LoadError);
}

TEST_CASE("UNet config takes the reference defaults and reads per-block head counts", "[unit][io]") {
    auto empty = models::UNetConfig::read(io::ConfigReader::fromText("{}", "unet/config.json"));
    CHECK((empty.blockOutChannels == std::vector<int>{320, 640, 1280, 1280}));
    CHECK(empty.crossAttentionDim == 1280);
    CHECK((empty.numAttentionHeads == std::vector<int>{8, 8, 8, 8}));
    CHECK(empty.normNumGroups == 32);
    auto sd2 = models::UNetConfig::read(io::ConfigReader::fromText(
        R"({"attention_head_dim": [5, 10, 20, 20], "use_linear_projection": true, "cross_attention_dim": 1024})",
        "unet/config.json"));
    CHECK((sd2.numAttentionHeads == std::vector<int>{5, 10, 20, 20}));
    CHECK(sd2.useLinearProjection);
    CHECK_THROWS_AS(models::UNetConfig::read(io::ConfigReader::fromText(R"({"attention_head_dim": [5, 10]})", "u.json")),
                    LoadError);
    CHECK_THROWS_AS(models::UNetConfig::read(io::ConfigReader::fromText(R"({"class_embed_type": "timestep"})", "u.json")),
                    LoadError);
}

TEST_CASE("scheduler, VAE and CLIP configs read their keys", "[unit][io]") {
    auto s = models::DDIMConfig::read(io::ConfigReader::fromText(
        R"({"beta_schedule": "scaled_linear", "steps_offset": 1, "prediction_type": "v_prediction",
            "timestep_spacing": "trailing", "set_alpha_to_one": false})", "scheduler_config.json"));
    CHECK(s.betaSchedule == "scaled_linear");
    CHECK(s.predictionType == "v_prediction");
    CHECK(s.timestepSpacing == "trailing");
    CHECK_FALSE(s.setAlphaToOne);
    CHECK_THROWS_AS(models::DDIMConfig::read(io::ConfigReader::fromText(R"({"beta_schedule": "cosine"})", "s.json")),
                    LoadError);
    auto v = models::VAEConfig::read(io::ConfigReader::fromText(R"({"scaling_factor": 0.13025})", "vae/config.json"));
    CHECK(v.scalingFactor == Approx(0.13025));
    auto c = models::CLIPTextConfig::read(io::ConfigReader::fromText(R"({"hidden_act": "gelu"})", "te.json"));
    CHECK(c.hiddenAct == "gelu");
    CHECK(c.hiddenSize == 512);
}
