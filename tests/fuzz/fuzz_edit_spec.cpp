// Fuzzes the edit-spec / project reader: the input is the text of a `*.dragdiff.json`. Parsing
// throws LoadError or yields a spec; a spec that parses must survive a save and reopen unchanged
// (a project the GUI saves must open again): same paths, drags (with their modes), LoRA files and
// parameters.
#include "dragdiff/edit_spec.h"
#include "dragdiff/error.h"
#include "dragdiff/parameters.h"
#include "fuzz_support.h"

#include <cmath>

using namespace dragdiff;

namespace {

bool samePoint(const PointF& a, const PointF& b) { return a.x == b.x && a.y == b.y; }

void roundTrip(const EditSpec& spec, const std::string& path) {
    writeEditSpec(spec, path);
    const EditSpec back = readEditSpec(path);
    bool same = back.imagePath == spec.imagePath && back.modelPath == spec.modelPath &&
                back.maskPath == spec.maskPath && back.outputPath == spec.outputPath &&
                back.drags.size() == spec.drags.size();
    for (size_t i = 0; same && i < spec.drags.size(); ++i)
        same = samePoint(back.drags[i].handle, spec.drags[i].handle) && samePoint(back.drags[i].target, spec.drags[i].target) &&
               back.drags[i].mode == spec.drags[i].mode;
    same = same && back.loras.size() == spec.loras.size();
    for (size_t i = 0; same && i < spec.loras.size(); ++i)
        same = back.loras[i].path == spec.loras[i].path && back.loras[i].strength == spec.loras[i].strength;
    for (const auto& info : parameterTable())
        if (same && getParameter(back.parameters, info.key) != getParameter(spec.parameters, info.key)) {
            std::fprintf(stderr, "parameter %s: %s became %s\n", info.key.c_str(),
                         getParameter(spec.parameters, info.key).c_str(), getParameter(back.parameters, info.key).c_str());
            same = false;
        }
    if (!same) {
        std::fprintf(stderr, "edit spec changed on save and reopen: image '%s' -> '%s', mask '%s' -> '%s'\n",
                     spec.imagePath.c_str(), back.imagePath.c_str(), spec.maskPath.c_str(), back.maskPath.c_str());
        std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    if (auto dir = fuzz::seedFolder(); !dir.empty()) {
        EditSpec spec;
        spec.imagePath = dir + "/photo.png";
        spec.drags = {{{10.5, 20}, {30, 40.25}}, {{0, 0}, {511, 511}}};
        writeEditSpec(spec, dir + "/basic.dragdiff.json");
        spec.maskPath = dir + "/masks/photo.mask.png";
        spec.outputPath = "/elsewhere/edited.png";
        spec.modelPath = "/models/sd15.safetensors";
        spec.parameters.steps = 30;
        writeEditSpec(spec, dir + "/full.dragdiff.json");
        fuzz::writeSeed(dir, "minimal.dragdiff.json", R"({"image": "a.png"})");
        fuzz::writeSeed(dir, "handwritten.dragdiff.json",
                        R"({"format": "dragdiff-edit", "version": 1, "image": "../img/a b.jpg", "model": "embedded",)"
                        R"( "drags": [{"handle": [1e3, -2], "target": [0.5, 7]}], "mask": null,)"
                        R"( "parameters": {"steps": "20", "strength": 0.5}})");
        // Per-pair modes and LoRA files (format additions since the first fuzzing round).
        spec.drags = {{{1, 2}, {3, 4}, DragMode::Move}, {{5, 6}, {7, 8}, DragMode::Reshape}, {{9, 10}, {11, 12}, DragMode::Auto}};
        spec.loras = {{dir + "/loras/style.safetensors", 0.8}, {"/elsewhere/detail.safetensors", -1.5}};
        writeEditSpec(spec, dir + "/modes_loras.dragdiff.json");
        fuzz::writeSeed(dir, "handwritten_modes.dragdiff.json",
                        R"({"image": "a.png", "drags": [{"handle": [1, 2], "target": [3, 4], "mode": "move"},)"
                        R"( {"handle": [5, 6], "target": [7, 8], "mode": "reshape"}, {"handle": [0, 0], "target": [1, 1],)"
                        R"( "mode": "auto"}, {"handle": [2, 2], "target": [3, 3], "mode": null}, {"handle": [4, 4], "target": [5, 5]}],)"
                        R"( "loras": [{"path": "l.safetensors"}, {"path": "../m.safetensors", "strength": 0}, null]})");
        const std::pair<const char*, const char*> badModes[] = {
            {"word", R"("rotate")"}, {"number", "2"}, {"case", R"("MOVE")"}, {"empty", R"("")"}, {"list", R"(["move"])"}};
        for (const auto& [what, mode] : badModes)
            fuzz::writeSeed(dir, std::string("bad_mode_") + what + ".dragdiff.json",
                            std::string(R"({"image": "a.png", "drags": [{"handle": [1, 2], "target": [3, 4], "mode": "move"},)") +
                                R"( {"handle": [1, 2], "target": [3, 4], "mode": )" + mode + "}]}");
        fuzz::writeSeed(dir, "bad_loras.dragdiff.json",
                        R"({"image": "a.png", "loras": [{"path": ""}, {"path": "x.safetensors", "strength": "1"},)"
                        R"( {"path": "y.safetensors", "strength": 1e999}, {"strength": 1}, "z.safetensors"]})");
        std::exit(0);
    }
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    const std::string dir = (fuzz::scratchFolder() / "projects").string();
    EditSpec spec;
    try {
        spec = parseEditSpec(text, dir, "fuzz.dragdiff.json");
    } catch (const Error&) {
        return 0;
    }
    std::filesystem::create_directories(dir);
    roundTrip(spec, dir + "/saved.dragdiff.json");
    return 0;
}
