// dragdiff-bench perf end to end on the embedded model: the JSON has exactly the keys and
// every figure is a plausible, consistent measurement.
#include "support/catch.h"

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
    CHECK(keys == std::set<std::string>{"unet_forward_s", "guided_step_s", "guided_ratio", "heatmap_ms", "vae_decode_s",
                                        "vae_encode_s", "inversion_step_s", "edit_s", "peak_rss_mb"});
    for (const char* k : {"unet_forward_s", "guided_step_s", "vae_decode_s", "vae_encode_s", "inversion_step_s", "edit_s"}) {
        INFO(k);
        REQUIRE(j[k].is_number());
        CHECK(j[k].get<double>() > 0);
        CHECK(j[k].get<double>() < 60);
    }
    const double forward = j["unet_forward_s"], guided = j["guided_step_s"], edit = j["edit_s"];
    CHECK(std::abs(j["guided_ratio"].get<double>() - guided / forward) < 1e-9);
    CHECK(guided > forward);  // a backward pass costs something
    CHECK(edit > forward);    // an edit runs many forwards
    CHECK(j["heatmap_ms"].get<double>() > 0);
    CHECK(j["heatmap_ms"].get<double>() < 1000);
    const auto& rss = j["peak_rss_mb"];
    REQUIRE(rss.is_object());
    for (const char* k : {"guided_step", "edit"}) {
        INFO(k);
        REQUIRE(rss[k].is_number());
        CHECK(rss[k].get<double>() > 10);      // at least the process itself
        CHECK(rss[k].get<double>() < 64000);
    }
    std::filesystem::remove(json);
}
