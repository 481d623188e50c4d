#pragma once
// Helpers shared by the tests: scratch folders, golden case discovery, tensor comparison, pictures.
#include "dragdiff/dragdiff.h"

#include <ATen/ATen.h>
#include <opencv2/core.hpp>

#include <string>
#include <vector>

namespace dragdiff::test {

// The source and build folders of this build. Only test_support.cpp has them compiled in, so the
// other tests' object files do not depend on where the checkout is (ccache shares them across clones).
std::string sourceDir();
std::string binaryDir();

// One of the build's programs run through the shell: `env` (e.g. "DRAGDIFF_THREADS=1") before it,
// build/bin/<program> <args>, stdout and stderr together.
struct ProgramRun {
    int code = -1;  // exit status; -1 when it died of a signal
    std::string output;
};
ProgramRun runProgram(const std::string& program, const std::string& args, const std::string& env = "");

// A fresh empty folder under the build tree, removed when the object dies.
class TempDir {
public:
    TempDir();
    ~TempDir();
    const std::string& path() const { return path_; }
    std::string file(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

// $DRAGDIFF_GOLDEN_DIR (its first folder when it lists several), or ../shared/golden beside the repository.
std::string goldenRoot();
// Every case folder (one holding case.json) under goldenRoot(), sorted. Empty when none.
std::vector<std::string> goldenCases();
// Every folder the golden tests cover: $DRAGDIFF_GOLDEN_DIR (one folder, or several separated by
// ':'), else ../shared/golden and, beside it, the folder of each further family the project runs
// (golden-imgvar: image-conditioned SD; golden-sdxl: SDXL).
std::vector<std::string> goldenRoots();
// Every case folder under `root`, sorted. Empty when none (or no such folder).
std::vector<std::string> goldenCasesUnder(const std::string& root);

void writeBytes(const std::string& path, const std::string& bytes);
std::string readBytes(const std::string& path);

// CV_8UC3 RGB <-> the facade's RGBA picture (opaque).
RgbaImage rgbaOf(const cv::Mat& rgb);
cv::Mat rgbOf(const RgbaImage& image);
// A picture with sky, ground and a red disc (its green channel `green`), like the scenes the
// method is for.
RgbaImage discScene(int w, int h, int green = 30);

// Elementwise |a - b| <= atol + rtol*|ref|; on failure returns a description of the worst element.
std::string compareTensors(const at::Tensor& ours, const at::Tensor& ref, double atol, double rtol);

}  // namespace dragdiff::test
