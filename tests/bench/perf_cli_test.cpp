// dragdiff-bench perf end to end on the embedded model: the JSON has exactly the keys and
// every figure is a plausible, consistent measurement.
#include "support/catch.h"

#include "dragdiff/parameters.h"
#include "support/test_support.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

namespace {

dragdiff::test::ProgramRun perf(const std::string& args) {
    return dragdiff::test::runProgram("dragdiff-bench", "perf " + args, "DRAGDIFF_THREADS=1");
}

}  // namespace

TEST_CASE("dragdiff-bench perf refuses bad usage", "[app][bench][perf]") {
    CHECK(perf("").code == 2);                          // no --arch
    CHECK(perf("--arch sd3").code == 2);
    CHECK(perf("--arch embedded --runs 0").code == 2);
    CHECK(perf("--arch embedded --bogus").code == 2);
    CHECK(perf("--arch embedded --size 30").code == 1);  // not a multiple of the model's size step
}

TEST_CASE("dragdiff-bench perf --arch embedded --runs 1 writes every key with sane values", "[app][bench][perf]") {
    const std::string json = (std::filesystem::temp_directory_path() / "dragdiff_perf_test.json").string();
    std::filesystem::remove(json);
    const dragdiff::test::ProgramRun r = perf("--arch embedded --runs 1 --json " + json);
    INFO(r.output);
    REQUIRE(r.code == 0);
    CHECK(r.output.find("| guided_step_s |") != std::string::npos);  // the table
    std::ifstream f(json);
    REQUIRE(f);
    const nlohmann::json j = nlohmann::json::parse(f);
    std::set<std::string> keys;
    for (auto it = j.begin(); it != j.end(); ++it) keys.insert(it.key());
    CHECK(keys == std::set<std::string>{"unet_forward_s", "guided_step_s", "guided_ratio", "guided_step_error", "heatmap_ms", "vae_decode_s",
                                        "vae_encode_s", "inversion_step_s", "edit_s", "edit_warm_s", "peak_rss_mb",
                                        "pass_cost_ratios", "edit_steps", "edit_unet_forwards",
                                        "edit_unet_partial_forwards", "edit_unet_backwards", "edit_vae_encodes",
                                        "edit_vae_decodes", "edit_forward_equivalents", "feature_block",
                                        "features_per_up_block", "preview_taesd_s", "preview_linear_ms"});
    for (const char* k : {"unet_forward_s", "guided_step_s", "vae_decode_s", "vae_encode_s", "inversion_step_s", "edit_s",
                          "edit_warm_s"}) {
        INFO(k);
        REQUIRE(j[k].is_number());
        CHECK(j[k].get<double>() > 0);
        CHECK(j[k].get<double>() < 60);
    }
    CHECK(j["guided_step_error"].is_null());  // it fitted
    const double forward = j["unet_forward_s"], guided = j["guided_step_s"], edit = j["edit_s"];
    CHECK(std::abs(j["guided_ratio"].get<double>() - guided / forward) < 1e-9);
    CHECK(guided > forward);  // a backward pass costs something
    CHECK(edit > forward);    // an edit runs many forwards
    CHECK(j["heatmap_ms"].get<double>() > 0);
    CHECK(j["heatmap_ms"].get<double>() < 1000);
    // Every up-block's features: the embedded UNet's three, 8x8 then 16x16 for a 64 px picture.
    CHECK(j["feature_block"] == 1);
    const auto& blocks = j["features_per_up_block"];
    REQUIRE(blocks.size() == 3);
    CHECK(blocks[0]["shape"] == nlohmann::json::array({128, 8, 8}));
    CHECK(blocks[1]["shape"] == nlohmann::json::array({128, 16, 16}));
    CHECK(blocks[2]["shape"] == nlohmann::json::array({64, 16, 16}));
    for (const auto& b : blocks) CHECK(b["seconds"].get<double>() > 0);
    // Preview decoders: TAESD's decoder and the linear projection, the latter far cheaper.
    CHECK(j["preview_taesd_s"].get<double>() > 0);
    CHECK(j["preview_linear_ms"].get<double>() > 0);
    CHECK(j["preview_linear_ms"].get<double>() < 1000 * j["preview_taesd_s"].get<double>());
    const auto& rss = j["peak_rss_mb"];
    REQUIRE(rss.is_object());
    for (const char* k : {"guided_step", "edit", "edit_warm"}) {
        INFO(k);
        REQUIRE(rss[k].is_number());
        CHECK(rss[k].get<double>() > 10);      // at least the process itself
        CHECK(rss[k].get<double>() < 64000);
    }

    // The passes of a default edit (its steps and strength; guidance is off by default).
    const dragdiff::EditParameters defaults;
    CHECK(j["edit_steps"] == defaults.steps);
    const auto& fwd = j["edit_unet_forwards"];
    const auto& bwd = j["edit_unet_backwards"];
    const auto& fe = j["edit_forward_equivalents"];
    const double inverted = fwd["cold"]["inversion"].get<double>();
    CHECK(inverted > 0);
    CHECK(inverted < defaults.steps);
    CHECK(fwd["warm"].value("inversion", 0.0) == 0);  // the second run on the picture inverts nothing
    CHECK(j["edit_vae_encodes"]["cold"]["total"] == 1);
    CHECK(j["edit_vae_encodes"]["warm"]["total"] == 0);
    // Every inverted step is denoised once; with guidance off none is guided and nothing goes backward.
    CHECK(fwd["cold"].value("plain_steps", 0.0) + fwd["cold"].value("guided_steps", 0.0) == inverted);
    CHECK(fwd["cold"].value("guided_steps", 0.0) == 0);
    CHECK(bwd["cold"].value("total", 0.0) == 0);
    CHECK(bwd["warm"].value("total", 0.0) == 0);
    CHECK(fwd["cold"]["total"] == 2 * inverted);
    CHECK(fwd["warm"]["total"] == inverted);
    // Forward-equivalents: at least the whole forwards, and the cached inversion saves about half.
    CHECK(fe["cold"]["total"].get<double>() > fwd["cold"]["total"].get<double>());
    CHECK(fe["warm"]["total"].get<double>() < fe["cold"]["total"].get<double>() - inverted);
    const auto& ratios = j["pass_cost_ratios"];
    CHECK(std::abs(ratios["backward"].get<double>() - (guided / forward - 1)) < 1e-9);
    std::filesystem::remove(json);
}
