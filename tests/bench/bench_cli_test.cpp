// dragdiff-bench end to end: the real binary on a golden model (random weights: the numbers mean
// nothing, but every piece must run and every output must be there).
#include "support/catch.h"

#include "support/test_support.h"

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include <cstdio>
#include <set>

using namespace dragdiff;

namespace {

test::ProgramRun bench(const std::string& args) {
    return test::runProgram("dragdiff-bench", args, "DRAGDIFF_THREADS=1");
}

std::set<std::string> keys(const nlohmann::json& j) {
    std::set<std::string> out;
    for (auto it = j.begin(); it != j.end(); ++it) out.insert(it.key());
    return out;
}

const std::set<std::string> kSummaryKeys = {"cases", "success_rate", "median_md_ratio", "median_bg_psnr",
                                            "median_area_ratio", "sec_per_edit", "kinds", "strict"};
const std::set<std::string> kStrictKeys = {"cases", "success_rate", "median_landmark_ratio", "median_anchor_drift",
                                           "median_psnr_ideal", "median_ssim_ideal", "median_iou", "ghost_rate", "smudge_rate", "median_fill_error",
                                           "median_colour_shift", "median_bg_psnr", "median_seam", "sec_per_edit"};

}  // namespace

TEST_CASE("dragdiff-bench rejects bad usage", "[app][bench]") {
    CHECK(bench("").code == 2);
    CHECK(bench("--help").code == 0);
    CHECK(bench("frobnicate").code == 2);
    CHECK(bench("drag --seed 1").code == 2);                       // no --cases
    CHECK(bench("drag --cases 1 --seed 1 --mask maybe").code == 2);
    CHECK(bench("drag --cases 1 --seed 1 --bogus 3").code == 2);
    test::ProgramRun kind = bench("drag --cases 1 --seed 1 --kind move,twist");
    CHECK(kind.code == 2);
    CHECK(kind.output.find("peak") != std::string::npos);  // lists the valid kinds
    const std::string model = test::goldenCases().at(0);
    test::ProgramRun ablation = bench("drag --model " + model + " --cases 1 --seed 1 --ablation nonsense");
    CHECK(ablation.code == 1);
    CHECK(ablation.output.find("no-appearance") != std::string::npos);  // lists the valid names
    test::ProgramRun param = bench("drag --model " + model + " --cases 1 --seed 1 --set steps=-4");
    CHECK(param.code == 1);
    CHECK(param.output.find("steps") != std::string::npos);
}

TEST_CASE("dragdiff-bench drag runs end to end on a golden model", "[app][bench][golden]") {
    const auto cases = test::goldenCases();
    REQUIRE_FALSE(cases.empty());
    test::TempDir dir;
    const std::string json = dir.file("bench.json"), sheet = dir.file("sheet.png");
    test::ProgramRun r = bench("drag --model " + cases.at(0) + " --cases 2 --seed 5 --set steps=6 --json " + json + " --sheet " + sheet);
    INFO(r.output);
    REQUIRE(r.code == 0);
    CHECK(r.output.find("| configuration |") != std::string::npos);
    CHECK(r.output.find("case 2/2") != std::string::npos);
    CHECK(r.output.find("ETA") != std::string::npos);

    const auto report = nlohmann::json::parse(test::readBytes(json));
    std::set<std::string> top = kSummaryKeys;
    top.insert({"baselines", "ablations", "per_case", "command", "machine", "date"});
    CHECK(keys(report) == top);
    CHECK(report.at("cases") == 2);
    CHECK(keys(report.at("baselines")) == std::set<std::string>{"identity", "reconstruction"});
    for (const auto& [name, summary] : report.at("baselines").items()) {
        INFO(name);
        CHECK(keys(summary) == kSummaryKeys);
    }
    CHECK(report.at("baselines").at("identity").at("median_md_ratio").get<double>() == Approx(1));
    CHECK(report.at("baselines").at("identity").at("success_rate").get<double>() == 0);
    CHECK(report.at("ablations").empty());
    REQUIRE(report.at("per_case").size() == 2);
    for (const auto& c : report.at("per_case")) {
        CHECK(keys(c.at("results")) == std::set<std::string>{"method", "identity", "reconstruction"});
        CHECK(c.at("results").at("method").at("seconds").get<double>() > 0);
    }
    CHECK(report.at("command").get<std::string>().find("--cases 2") != std::string::npos);
    CHECK(report.at("date").get<std::string>().size() == 20);
    // The default kind is move: the strict summary sits beside today's.
    CHECK(keys(report.at("kinds")) == std::set<std::string>{"move"});
    CHECK(keys(report.at("strict")) == kStrictKeys);
    CHECK(report.at("baselines").at("identity").at("strict").at("success_rate").get<double>() == 0);

    const cv::Mat png = cv::imread(sheet, cv::IMREAD_COLOR);
    REQUIRE_FALSE(png.empty());
    CHECK(png.cols >= 4 * 160);
    CHECK(png.rows >= 2 * 160);
}

TEST_CASE("dragdiff-bench runs ablations and both mask modes", "[app][bench][golden]") {
    test::TempDir dir;
    const std::string json = dir.file("bench.json");
    test::ProgramRun r = bench("drag --model " + test::goldenCases().at(0) +
                  " --cases 1 --seed 2 --size 48 --mask both --baselines identity --ablation no-move,softmax --set steps=4 --json " + json);
    INFO(r.output);
    REQUIRE(r.code == 0);
    const auto report = nlohmann::json::parse(test::readBytes(json));
    CHECK(keys(report.at("baselines")) == std::set<std::string>{"identity"});
    CHECK(keys(report.at("ablations")) == std::set<std::string>{"no-move", "softmax", "no-mask"});
    CHECK(report.at("per_case").at(0).at("size") == 48);
    CHECK(report.at("per_case").at(0).at("results").size() == 5);
}

TEST_CASE("dragdiff-bench's warp baseline scores the warp preview, resolved as the edit resolves it", "[app][bench]") {
    test::TempDir dir;
    const std::string json = dir.file("bench.json");
    test::ProgramRun r = bench("drag --model embedded --cases 3 --seed 1 --kind peak,bend --baselines warp --json " + json);
    INFO(r.output);
    REQUIRE(r.code == 0);
    CHECK(r.output.find("| peak | warp |") != std::string::npos);
    const auto report = nlohmann::json::parse(test::readBytes(json));
    CHECK(keys(report.at("baselines")) == std::set<std::string>{"warp"});
    REQUIRE(report.at("per_case").size() == 6);
    for (const auto& c : report.at("per_case")) {
        INFO(c.at("drag_kind").get<std::string>() << " " << c.at("index").get<int>());
        const auto& method = c.at("results").at("method");
        const auto& warp = c.at("results").at("warp");
        CHECK(warp.at("modes") == method.at("modes"));
        CHECK(warp.at("seconds").get<double>() < method.at("seconds").get<double>());  // no model pass
    }
}

TEST_CASE("dragdiff-bench drag runs every kind, with a strict summary and a sheet per kind", "[app][bench][golden]") {
    test::TempDir dir;
    const std::string json = dir.file("bench.json"), sheet = dir.file("sheet.png");
    test::ProgramRun r = bench("drag --model " + test::goldenCases().at(0) + " --cases 1 --seed 4 --kind all --set steps=4 --json " + json +
                               " --sheet " + sheet);
    INFO(r.output);
    REQUIRE(r.code == 0);
    CHECK(r.output.find("case 5/5") != std::string::npos);
    CHECK(r.output.find("| kind | configuration | strict success |") != std::string::npos);
    const auto report = nlohmann::json::parse(test::readBytes(json));
    const std::set<std::string> kinds = {"move", "peak", "stretch", "bend", "multi"};
    CHECK(keys(report.at("kinds")) == kinds);
    for (const auto& [name, summary] : report.at("kinds").items()) {
        INFO(name);
        CHECK(keys(summary) == kStrictKeys);
        CHECK(summary.at("cases") == 1);
    }
    CHECK(report.at("strict").at("cases") == 5);
    CHECK(report.at("cases") == 1);  // today's summary: the move cases
    // The input itself never succeeds, and scores one drag length off.
    CHECK(report.at("baselines").at("identity").at("strict").at("success_rate").get<double>() == 0);
    std::set<std::string> seen;
    for (const auto& c : report.at("per_case")) {
        seen.insert(c.at("drag_kind").get<std::string>());
        CHECK(c.at("pairs").size() == (c.at("drag_kind") == "multi" ? 2u : 1u));
        CHECK(c.at("results").at("method").contains("strict"));
    }
    CHECK(seen == kinds);
    for (const std::string& kind : kinds) {
        const cv::Mat png = cv::imread(dir.file("sheet_" + kind + ".png"), cv::IMREAD_COLOR);
        INFO(kind);
        CHECK(png.cols >= 4 * 160);
        CHECK(png.rows >= 160);
    }
}
