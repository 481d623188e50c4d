#include "support/catch.h"

#include "dragdiff/edit_spec.h"
#include "dragdiff/error.h"
#include "support/test_support.h"

using namespace dragdiff;

TEST_CASE("edit spec round trip keeps drags, mask, parameters and relative paths", "[unit][io]") {
    test::TempDir dir;
    EditSpec spec;
    spec.imagePath = dir.file("photo.png");
    spec.maskPath = dir.file("photo.mask.png");
    spec.drags = {{{10.5, 20}, {30, 40.25}, DragMode::Reshape}, {{1, 2}, {3, 4}}};
    spec.parameters.steps = 30;
    spec.parameters.guidanceWeight = 123.5;
    spec.parameters.heatmapMode = "softmax";
    spec.parameters.latentMove = false;
    spec.parameters.prompt = "a \"quoted\" horse";
    spec.parameters.seed = 18446744073709551615ull;
    writeEditSpec(spec, dir.file("p.dragdiff.json"));
    std::string text = test::readBytes(dir.file("p.dragdiff.json"));
    CHECK(text.find("\"image\": \"photo.png\"") != std::string::npos);
    EditSpec back = readEditSpec(dir.file("p.dragdiff.json"));
    CHECK(back.imagePath == spec.imagePath);
    CHECK(back.maskPath == spec.maskPath);
    CHECK(back.modelPath == "embedded");
    REQUIRE(back.drags.size() == 2);
    CHECK(back.drags[0].handle.x == 10.5);
    CHECK(back.drags[0].target.y == 40.25);
    CHECK(back.drags[0].mode == DragMode::Reshape);
    CHECK(back.drags[1].mode == DragMode::Auto);
    CHECK(back.parameters.steps == 30);
    CHECK(back.parameters.guidanceWeight == 123.5);
    CHECK(back.parameters.heatmapMode == "softmax");
    CHECK_FALSE(back.parameters.latentMove);
    CHECK(back.parameters.prompt == spec.parameters.prompt);
    CHECK(back.parameters.seed == spec.parameters.seed);
}

TEST_CASE("bad edit specs are refused with the key at fault", "[unit][io]") {
    auto parse = [](const std::string& t) { return parseEditSpec(t, "/base", "s.json"); };
    CHECK_THROWS_WITH(parse("{"), Catch::Contains("not valid JSON"));
    CHECK_THROWS_WITH(parse("[]"), Catch::Contains("not a JSON object"));
    CHECK_THROWS_WITH(parse("{}"), Catch::Contains("'image'"));
    CHECK_THROWS_WITH(parse(R"({"image": "a.png", "drags": [{"handle": [1], "target": [1, 2]}]})"),
                      Catch::Contains("drags[0].handle"));
    CHECK_THROWS_WITH(parse(R"({"image": "a.png", "parameters": {"steps": 0}})"), Catch::Contains("steps"));
    CHECK_THROWS_WITH(parse(R"({"image": "a.png", "drags": [{"handle": [1, 2], "target": [3, 4], "mode": "bend"}]})"),
                      Catch::Contains("drags[0]") && Catch::Contains("auto, move or reshape"));
    CHECK(parse(R"({"image": "a.png", "drags": [{"handle": [1, 2], "target": [3, 4], "mode": "move"}]})").drags[0].mode ==
          DragMode::Move);
    CHECK_THROWS_WITH(parse(R"({"image": "a.png", "parameters": {"bogus": 1}})"), Catch::Contains("unknown parameter"));
    CHECK_THROWS_WITH(parse(R"({"image": "a.png", "version": 99})"), Catch::Contains("newer DragDiff"));
    EditSpec ok = parse(R"({"image": "a.png", "model": "models/sd15", "parameters": {"strength": 0.5, "latent_move": false}})");
    CHECK(ok.imagePath == "/base/a.png");
    CHECK(ok.modelPath == "/base/models/sd15");
    CHECK(ok.parameters.strength == 0.5);
}

TEST_CASE("an edit spec with a path or prompt that is not UTF-8 is a WriteError, the old file intact", "[unit][io]") {
    // Linux file names are bytes; JSON holds UTF-8 only. nlohmann's dump threw its own type_error.
    test::TempDir dir;
    const std::string file = dir.file("p.dragdiff.json");
    test::writeBytes(file, "previous");
    EditSpec spec;
    spec.imagePath = dir.file("photo\xff.png");
    CHECK_THROWS_AS(writeEditSpec(spec, file), WriteError);
    CHECK_THROWS_WITH(writeEditSpec(spec, file), Catch::Contains("not valid UTF-8"));
    CHECK(test::readBytes(file) == "previous");
    spec.imagePath = dir.file("photo.png");
    spec.parameters.prompt = "a \xc3 horse";
    CHECK_THROWS_AS(writeEditSpec(spec, file), WriteError);
    CHECK_THROWS_WITH(writeEditSpec(spec, file), Catch::Contains("not valid UTF-8"));
    CHECK(test::readBytes(file) == "previous");
}

TEST_CASE("parameter table sets, reads back and validates every key", "[unit][io]") {
    EditParameters p;
    for (const auto& info : parameterTable()) {
        INFO(info.key);
        CHECK_FALSE(info.help.empty());
        std::string v = getParameter(p, info.key);
        CHECK_NOTHROW(setParameter(p, info.key, v));
        CHECK(getParameter(p, info.key) == v);
    }
    CHECK_NOTHROW(validateParameters(p));
    CHECK_THROWS_WITH(setParameter(p, "strength", "1.5"), Catch::Contains("from 0.05 to 1"));
    CHECK_THROWS_AS(setParameter(p, "steps", "ten"), InvalidRequest);
    CHECK_THROWS_AS(setParameter(p, "heatmap_mode", "tanh"), InvalidRequest);
    CHECK_THROWS_AS(setParameter(p, "latent_move", "maybe"), InvalidRequest);
}

TEST_CASE("edit spec loras: paths relative to the spec, strengths, round trip and errors", "[unit][io][lora]") {
    auto parse = [](const std::string& t) { return parseEditSpec(t, "/base", "s.json"); };
    EditSpec s = parse(R"({"image": "a.png", "loras": [{"path": "loras/style.safetensors", "strength": 0.75},
                                                      {"path": "/abs/detail.safetensors"}]})");
    REQUIRE(s.loras.size() == 2);
    CHECK(s.loras[0].path == "/base/loras/style.safetensors");
    CHECK(s.loras[0].strength == 0.75);
    CHECK(s.loras[1].path == "/abs/detail.safetensors");
    CHECK(s.loras[1].strength == 1.0);
    CHECK(parse(R"({"image": "a.png"})").loras.empty());
    CHECK_THROWS_WITH(parse(R"({"image": "a.png", "loras": {"path": "x"}})"), Catch::Contains("'loras' must be a list"));
    CHECK_THROWS_WITH(parse(R"({"image": "a.png", "loras": [{"strength": 1}]})"), Catch::Contains("loras[0].path"));
    CHECK_THROWS_WITH(parse(R"({"image": "a.png", "loras": [{"path": "x", "strength": "high"}]})"),
                      Catch::Contains("loras[0].strength"));

    test::TempDir dir;
    EditSpec spec;
    spec.imagePath = dir.file("photo.png");
    spec.loras = {{dir.file("style.safetensors"), -0.5}};
    writeEditSpec(spec, dir.file("p.dragdiff.json"));
    CHECK(test::readBytes(dir.file("p.dragdiff.json")).find("\"path\": \"style.safetensors\"") != std::string::npos);
    EditSpec back = readEditSpec(dir.file("p.dragdiff.json"));
    REQUIRE(back.loras.size() == 1);
    CHECK(back.loras[0].path == spec.loras[0].path);
    CHECK(back.loras[0].strength == -0.5);
}
