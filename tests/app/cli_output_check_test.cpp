// Checks before a long run (issue 19): dragdiff-cli refuses an output it cannot write before it
// loads the model or runs anything, and says what is wrong and what to do. Before, the whole edit
// ran and only the final write failed.
#include "support/catch.h"

#include "support/test_support.h"

#include <opencv2/imgcodecs.hpp>

#include <filesystem>

using namespace dragdiff;
namespace fs = std::filesystem;

namespace {

test::ProgramRun cli(const std::string& args) { return test::runProgram("dragdiff-cli", args); }

std::string writeScene(const test::TempDir& dir) {
    const std::string path = dir.file("scene.png");
    cv::imwrite(path, cv::Mat(48, 64, CV_8UC3, cv::Scalar(230, 170, 120)));
    return path;
}

bool ranAnything(const test::ProgramRun& r) {
    // The progress printer's lines ("invert 1/4 ...") or a model error would mean it went too far.
    return r.output.find("move_energy") != std::string::npos || r.output.find("invert") != std::string::npos ||
           r.output.find("model") != std::string::npos;
}

}  // namespace

TEST_CASE("dragdiff-cli edit checks its outputs before loading the model", "[app]") {
    test::TempDir dir;
    const std::string image = writeScene(dir);
    // The model does not exist: an output error proves the outputs are checked first.
    const std::string base = "edit --model " + dir.file("no-model") + " --image " + image + " --drag 20,20:30,20 --steps 4";

    test::ProgramRun missing = cli(base + " --out " + dir.file("no-such-folder/out.png"));
    INFO(missing.output);
    CHECK(missing.code == 1);
    CHECK(missing.output.find("no-such-folder' does not exist; create it or choose another folder") != std::string::npos);
    CHECK_FALSE(ranAnything(missing));
    CHECK_FALSE(fs::exists(dir.file("no-such-folder")));

    test::writeBytes(dir.file("plain.txt"), "a file");
    test::ProgramRun underFile = cli(base + " --out " + dir.file("plain.txt/out.png"));
    INFO(underFile.output);
    CHECK(underFile.code == 1);
    CHECK(underFile.output.find("is a file, not a folder") != std::string::npos);

    fs::create_directory(dir.file("folder.png"));
    test::ProgramRun folder = cli(base + " --out " + dir.file("folder.png"));
    INFO(folder.output);
    CHECK(folder.code == 1);
    CHECK(folder.output.find("folder") != std::string::npos);
    CHECK_FALSE(ranAnything(folder));

    test::ProgramRun badFormat = cli(base + " --out " + dir.file("out.gif"));
    INFO(badFormat.output);
    CHECK(badFormat.code == 1);
    CHECK(badFormat.output.find(".png, .jpg or .webp") != std::string::npos);

    test::ProgramRun report = cli(base + " --out " + dir.file("out.png") + " --report " + dir.file("gone/r.json"));
    INFO(report.output);
    CHECK(report.code == 1);
    CHECK(report.output.find("gone' does not exist") != std::string::npos);

    test::ProgramRun previews = cli(base + " --out " + dir.file("out.png") + " --previews " + dir.file("plain.txt/p"));
    INFO(previews.output);
    CHECK(previews.code == 1);
    CHECK(previews.output.find("previews") != std::string::npos);
    CHECK(previews.output.find("unexpected") == std::string::npos);

    // "/proc" takes no new file, even for root: a case that does not depend on permission bits.
    test::ProgramRun proc = cli(base + " --out /proc/dragdiff-out.png");
    INFO(proc.output);
    CHECK(proc.code == 1);
    CHECK(proc.output.find("cannot create a file in '/proc'") != std::string::npos);
    CHECK_FALSE(ranAnything(proc));

    CHECK_FALSE(fs::exists(dir.file("out.png")));
    // With a writable output, the same command goes on to the model, which is missing.
    test::ProgramRun model = cli(base + " --out " + dir.file("out.png"));
    CHECK(model.code == 1);
    CHECK(model.output.find("no-model") != std::string::npos);
}

TEST_CASE("dragdiff-cli heatmap checks its output before loading the model", "[app]") {
    test::TempDir dir;
    const std::string image = writeScene(dir);
    test::ProgramRun r = cli("heatmap --model " + dir.file("no-model") + " --image " + image +
                             " --point 20,20 --out " + dir.file("missing/h.png"));
    INFO(r.output);
    CHECK(r.code == 1);
    CHECK(r.output.find("missing' does not exist") != std::string::npos);
    CHECK(r.output.find("no-model") == std::string::npos);
}
