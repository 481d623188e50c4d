// dragdiff-cli end to end: the real binary, run as a user would, on a golden model.
#include "support/catch.h"

#include "dragdiff/dragdiff.h"
#include "io/safetensors.h"
#include "support/test_support.h"

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cstdio>
#include <filesystem>

using namespace dragdiff;

namespace {

test::ProgramRun cli(const std::string& args) { return test::runProgram("dragdiff-cli", args); }

std::string model() { return test::goldenCases().at(0); }

std::string writeScene(const test::TempDir& dir) {
    cv::Mat bgr(48, 64, CV_8UC3, cv::Scalar(230, 170, 120));
    cv::circle(bgr, cv::Point(21, 24), 8, cv::Scalar(30, 30, 220), cv::FILLED);
    const std::string path = dir.file("scene.png");
    cv::imwrite(path, bgr);
    return path;
}

}  // namespace

TEST_CASE("dragdiff-cli --version and --help", "[app]") {
    test::ProgramRun v = cli("--version");
    CHECK(v.code == 0);
    CHECK(v.output.find(dragdiff::version()) != std::string::npos);
    test::ProgramRun h = cli("--help");
    CHECK(h.code == 0);
    CHECK(h.output.find("edit") != std::string::npos);
    CHECK(h.output.find("heatmap") != std::string::npos);
    CHECK(cli("").code == 2);
    CHECK(cli("frobnicate").code == 2);
    CHECK(cli("edit --bogus 1").code == 2);
}

TEST_CASE("dragdiff-cli info describes a model or says why it does not load", "[app]") {
    test::ProgramRun ok = cli("info --model " + model());
    CHECK(ok.code == 0);
    CHECK(ok.output.find("parameters") != std::string::npos);
    test::ProgramRun single = cli("info --json --model " + model() + "/model.ldm.safetensors --config " + model());
    CHECK(single.code == 0);
    CHECK(nlohmann::json::parse(single.output.substr(single.output.find('{'))).at("format") == "single-file");
    test::TempDir dir;
    test::writeBytes(dir.file("model.ckpt"), "\x80\x02junk");
    test::ProgramRun pickle = cli("info --model " + dir.file("model.ckpt"));
    CHECK(pickle.code == 1);
    CHECK(pickle.output.find("arbitrary code") != std::string::npos);
    test::ProgramRun missing = cli("info --model " + dir.file("nothing-here"));
    CHECK(missing.code == 1);
    CHECK(missing.output.find("does not exist") != std::string::npos);
}

TEST_CASE("dragdiff-cli edit writes an image and a report", "[app]") {
    test::TempDir dir;
    const std::string image = writeScene(dir);
    test::ProgramRun r = cli("edit --model " + model() + " --image " + image + " --drag 21,24:36,24 --steps 8 --strength 0.5 --seed 3" +
                " --set guidance_weight=100 --out " + dir.file("out.png") + " --report " + dir.file("report.json") +
                " --previews " + dir.file("previews"));
    INFO(r.output);
    REQUIRE(r.code == 0);
    RgbaImage out = loadImage(dir.file("out.png"));
    CHECK(out.width == 64);
    CHECK(out.height == 48);
    auto report = nlohmann::json::parse(test::readBytes(dir.file("report.json")));
    CHECK(report.at("parameters").at("guidance_weight") == "100");
    CHECK(report.at("parameters").at("seed") == "3");
    CHECK(report.at("steps").size() == 4);
    CHECK(report.at("timings").at("total").get<double>() > 0);
    CHECK(std::distance(std::filesystem::directory_iterator(dir.file("previews")), {}) >= 4);

    // The same edit from a spec file.
    test::writeBytes(dir.file("edit.dragdiff.json"),
                     R"({"format": "dragdiff-edit", "version": 1, "image": "scene.png", "model": ")" + model() +
                         R"(", "drags": [{"handle": [21, 24], "target": [36, 24]}], "parameters": {"steps": 8, "strength": 0.5, "seed": 3, "guidance_weight": 100}, "output": "spec-out.png"})");
    test::ProgramRun s = cli("edit --spec " + dir.file("edit.dragdiff.json"));
    INFO(s.output);
    REQUIRE(s.code == 0);
    CHECK(loadImage(dir.file("spec-out.png")).pixels == out.pixels);
}

TEST_CASE("dragdiff-cli edit refuses bad input with a message and writes nothing", "[app]") {
    test::TempDir dir;
    const std::string image = writeScene(dir);
    const std::string base = "edit --model " + model() + " --image " + image + " --steps 4 --out " + dir.file("o.png");
    test::ProgramRun outside = cli(base + " --drag 500,24:36,24");
    CHECK(outside.code == 1);
    CHECK(outside.output.find("outside") != std::string::npos);
    test::ProgramRun same = cli(base + " --drag 20,20:20,20");
    CHECK(same.code == 1);
    CHECK(same.output.find("same point") != std::string::npos);
    test::ProgramRun malformed = cli(base + " --drag 20,20");
    CHECK(malformed.code == 2);
    test::ProgramRun badMode = cli(base + " --drag 20,20:30,20:stretch");
    CHECK(badMode.code == 2);
    CHECK(badMode.output.find("move, reshape or auto") != std::string::npos);
    cv::imwrite(dir.file("blank.png"), cv::Mat(48, 64, CV_8UC1, cv::Scalar(0)));
    test::ProgramRun blank = cli(base + " --drag 20,20:30,20 --mask " + dir.file("blank.png"));
    CHECK(blank.code == 1);
    CHECK(blank.output.find("mask is empty") != std::string::npos);
    cv::imwrite(dir.file("small.png"), cv::Mat(10, 10, CV_8UC1, cv::Scalar(255)));
    test::ProgramRun resized = cli(base + " --drag 20,20:30,20 --mask " + dir.file("small.png"));
    CHECK(resized.code == 0);
    CHECK(resized.output.find("resizing the mask") != std::string::npos);
    std::filesystem::remove(dir.file("o.png"));
    test::ProgramRun unreadable = cli(base + " --drag 20,20:30,20 --image " + dir.file("missing.png"));
    CHECK(unreadable.code == 1);
    test::ProgramRun badSet = cli(base + " --drag 20,20:30,20 --set strength=7");
    CHECK(badSet.code == 1);
    CHECK(badSet.output.find("strength") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(dir.file("o.png")));
}

TEST_CASE("dragdiff-cli heatmap writes a coloured map", "[app]") {
    test::TempDir dir;
    const std::string image = writeScene(dir);
    test::ProgramRun r = cli("heatmap --model " + model() + " --image " + image + " --point 21,24 --overlay --out " + dir.file("h.png"));
    INFO(r.output);
    REQUIRE(r.code == 0);
    RgbaImage h = loadImage(dir.file("h.png"));
    CHECK(h.width == 64);
    CHECK(h.height == 48);
}

TEST_CASE("dragdiff-cli --lora FILE[:STRENGTH] merges LoRA files, errors name the key", "[app][lora]") {
    test::TempDir dir;
    // down_blocks.0.attentions.0.proj_in of the golden model: read its shape from the model itself.
    const std::string name = "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q";
    io::SafetensorsFile unet(model() + "/unet/diffusion_pytorch_model.safetensors");
    const auto& w = unet.entry("down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.weight").shape;
    io::writeSafetensors(dir.file("a.safetensors"), {{name + ".lora_down.weight", at::ones({1, w[1]})},
                                                      {name + ".lora_up.weight", at::ones({w[0], 1})}});
    const test::ProgramRun ok =
        cli("info --json --model " + model() + " --lora " + dir.file("a.safetensors") + ":0.5 --lora " + dir.file("a.safetensors"));
    REQUIRE(ok.code == 0);
    const auto info = nlohmann::json::parse(ok.output.substr(ok.output.find('{')));
    REQUIRE(info.at("loras").size() == 2);
    CHECK(info["loras"][0].at("strength") == 0.5);
    CHECK(info["loras"][0].at("weights") == 1);
    CHECK(info["loras"][1].at("strength") == 1.0);
    CHECK(info["loras"][1].at("path") == dir.file("a.safetensors"));

    io::writeSafetensors(dir.file("b.safetensors"), {{name + ".lora_down.weight", at::ones({1, w[1] + 1})},
                                                      {name + ".lora_up.weight", at::ones({w[0], 1})}});
    const test::ProgramRun bad = cli("info --model " + model() + " --lora " + dir.file("b.safetensors"));
    CHECK(bad.code == 1);
    CHECK(bad.output.find(name) != std::string::npos);
    CHECK(bad.output.find("[1, " + std::to_string(w[1] + 1) + "]") != std::string::npos);
    CHECK(cli("info --model " + model() + " --lora :0.5").code == 2);
    CHECK(cli("info --model " + model() + " --lora " + dir.file("missing.safetensors")).code == 1);
}
