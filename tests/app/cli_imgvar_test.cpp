// dragdiff-cli on image-conditioned SD (sd-image-variations): the real binary on each golden
// image-variation model. info reports the family and the image encoder, an edit runs, and a
// prompt is refused with a message that says why.
#include "support/catch.h"

#include "dragdiff/dragdiff.h"
#include "io/atomic_file.h"
#include "support/golden_case.h"
#include "support/test_support.h"

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <filesystem>

using namespace dragdiff;

namespace {

test::ProgramRun cli(const std::string& args) { return test::runProgram("dragdiff-cli", args, "DRAGDIFF_THREADS=1"); }

std::vector<test::GoldenCase> imageVariationCases() {
    auto cases = test::goldenCasesWith("image_encoder");
    REQUIRE_FALSE(cases.empty());  // the project runs this family: its golden cases must be there
    return cases;
}

std::string writeScene(const test::TempDir& dir) {
    cv::Mat bgr(45, 61, CV_8UC3, cv::Scalar(230, 170, 120));  // odd sizes on purpose
    cv::rectangle(bgr, cv::Rect(0, 30, 61, 15), cv::Scalar(60, 140, 70), cv::FILLED);
    cv::circle(bgr, cv::Point(20, 22), 7, cv::Scalar(30, 30, 220), cv::FILLED);
    const std::string path = dir.file("scene.png");
    cv::imwrite(path, bgr);
    return path;
}

}  // namespace

TEST_CASE("dragdiff-cli info reports the image-variation family and its image encoder", "[app][imgvar]") {
    for (const auto& c : imageVariationCases()) {
        INFO(c.name());
        const auto encoder = nlohmann::json::parse(io::readTextFile(c.path("image_encoder/config.json")));
        test::ProgramRun text = cli("info --model " + c.dir());
        INFO(text.output);
        REQUIRE(text.code == 0);
        CHECK(text.output.find("family:          sd-image-variations") != std::string::npos);
        CHECK(text.output.find("image encoder:   CLIP ViT, " + std::to_string(encoder.at("image_size").get<int>()) +
                               " px input, patch " + std::to_string(encoder.at("patch_size").get<int>())) !=
              std::string::npos);
        CHECK(text.output.find("image_encoder: ") != std::string::npos);  // its parameter count

        test::ProgramRun js = cli("info --json --model " + c.dir());
        REQUIRE(js.code == 0);
        const auto info = nlohmann::json::parse(js.output.substr(js.output.find('{')));
        CHECK(info.at("family") == "sd-image-variations");
        CHECK(info.at("uses_prompt") == false);
        CHECK(info.at("text_encoder") == false);
        CHECK(info.at("image_encoder").at("image_size") == encoder.at("image_size"));
        CHECK(info.at("image_encoder").at("hidden_size") == encoder.at("hidden_size"));
        CHECK(info.at("image_encoder").at("layers") == encoder.at("num_hidden_layers"));
        CHECK(info.at("image_encoder").at("embedding_dim") == encoder.at("projection_dim"));
    }
}

TEST_CASE("dragdiff-cli edits with an image-variation model and refuses a prompt", "[app][imgvar]") {
    for (const auto& c : imageVariationCases()) {
        INFO(c.name());
        test::TempDir dir;
        const std::string image = writeScene(dir);
        const std::string common = "edit --model " + c.dir() + " --image " + image +
                                   " --drag 20,22:34,22 --steps 6 --strength 0.5 --seed 2 --set guidance_weight=50";

        test::ProgramRun refused = cli(common + " --prompt \"a red ball\" --out " + dir.file("never.png"));
        CHECK(refused.code == 1);
        CHECK(refused.output.find("takes no prompt") != std::string::npos);
        CHECK(refused.output.find("sd-image-variations") != std::string::npos);
        CHECK_FALSE(std::filesystem::exists(dir.file("never.png")));

        for (const std::string transform : {"modelcard", "processor"}) {
            INFO(transform);
            const std::string out = dir.file("out_" + transform + ".png");
            test::ProgramRun r = cli(common + " --set image_transform=" + transform + " --out " + out + " --report " +
                                     dir.file(transform + ".json"));
            INFO(r.output);
            REQUIRE(r.code == 0);
            const RgbaImage result = loadImage(out);
            CHECK(result.width == 61);
            CHECK(result.height == 45);
            const auto report = nlohmann::json::parse(io::readTextFile(dir.file(transform + ".json")));
            CHECK(report.at("parameters").at("image_transform") == transform);
        }
        CHECK(cli(common + " --set image_transform=bogus --out " + dir.file("x.png")).code != 0);
    }
}

TEST_CASE("dragdiff-cli heatmap conditions an image-variation model with the image transform", "[app][imgvar]") {
    for (const auto& c : imageVariationCases()) {
        INFO(c.name());
        test::TempDir dir;
        const std::string image = writeScene(dir);
        const std::string common = "heatmap --model " + c.dir() + " --image " + image + " --point 20,22";
        std::vector<uint8_t> heat[2];
        int i = 0;
        for (const std::string transform : {"modelcard", "processor"}) {
            const std::string out = dir.file("heat_" + transform + ".png");
            test::ProgramRun r = cli(common + " --set image_transform=" + transform + " --out " + out);
            INFO(r.output);
            REQUIRE(r.code == 0);
            heat[i++] = loadImage(out).pixels;
        }
        CHECK(heat[0] != heat[1]);
        CHECK(cli(common + " --prompt \"a red ball\" --out " + dir.file("never.png")).code == 1);
    }
}
