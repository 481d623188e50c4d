#include "support/test_support.h"

#include "dragdiff/error.h"
#include "support/catch.h"
#include "support/model_loading.h"

#include <opencv2/imgproc.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>

namespace fs = std::filesystem;

namespace dragdiff::test {

std::string sourceDir() { return DRAGDIFF_SOURCE_DIR; }
std::string binaryDir() { return DRAGDIFF_BINARY_DIR; }

ProgramRun runProgram(const std::string& program, const std::string& args, const std::string& env) {
    const std::string cmd = (env.empty() ? "" : env + " ") + binaryDir() + "/bin/" + program + " " + args + " 2>&1";
    FILE* pipe = ::popen(cmd.c_str(), "r");
    if (!pipe) throw std::runtime_error("cannot start: " + cmd);
    ProgramRun r;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof(buf), pipe)) > 0) r.output.append(buf, n);
    const int status = ::pclose(pipe);
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

TempDir::TempDir() {
    std::random_device rd;
    fs::path base = fs::path(binaryDir()) / "test-tmp";
    fs::create_directories(base);
    for (;;) {
        fs::path p = base / ("t" + std::to_string(rd()));
        if (fs::create_directory(p)) {
            path_ = p.string();
            break;
        }
    }
}

TempDir::~TempDir() {
    std::error_code ec;
    fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(path_, ec);
}

std::vector<std::string> goldenRoots() {
    std::vector<std::string> roots;
    if (const char* env = std::getenv("DRAGDIFF_GOLDEN_DIR"); env && *env) {
        std::stringstream list(env);
        for (std::string root; std::getline(list, root, ':');)
            if (!root.empty()) roots.push_back(root);
        return roots;
    }
    const fs::path shared = fs::path(sourceDir()) / ".." / "shared";
    for (const char* folder : {"golden", "golden-imgvar", "golden-sdxl"})
        roots.push_back((shared / folder).lexically_normal().string());
    return roots;
}

std::string goldenRoot() { return goldenRoots().front(); }

std::vector<std::string> goldenCasesUnder(const std::string& root) {
    std::vector<std::string> cases;
    std::error_code ec;
    if (!fs::is_directory(root, ec)) return cases;
    for (const auto& entry : fs::recursive_directory_iterator(root, ec))
        if (entry.is_regular_file() && entry.path().filename() == "case.json")
            cases.push_back(entry.path().parent_path().string());
    std::sort(cases.begin(), cases.end());
    return cases;
}

std::vector<std::string> goldenCases() { return goldenCasesUnder(goldenRoot()); }

void writeBytes(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string readBytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

ModelSpec goldenSpec() {
    const std::vector<std::string> cases = goldenCases();
    REQUIRE(!cases.empty());
    ModelSpec spec;
    spec.path = cases.front();
    return spec;
}

std::string requireLoadError(const std::function<void()>& f) {
    try {
        f();
    } catch (const LoadError& e) {
        return e.what();
    }
    FAIL("expected a LoadError");
    return "";
}

RgbaImage rgbaOf(const cv::Mat& rgb) {
    RgbaImage img;
    img.width = rgb.cols;
    img.height = rgb.rows;
    img.pixels.resize(size_t(rgb.cols) * size_t(rgb.rows) * 4);
    cv::Mat out(rgb.rows, rgb.cols, CV_8UC4, img.pixels.data());
    cv::cvtColor(rgb, out, cv::COLOR_RGB2RGBA);
    return img;
}

cv::Mat rgbOf(const RgbaImage& image) {
    cv::Mat rgb;
    cv::cvtColor(cv::Mat(image.height, image.width, CV_8UC4, const_cast<uint8_t*>(image.pixels.data())), rgb, cv::COLOR_RGBA2RGB);
    return rgb;
}

RgbaImage discScene(int w, int h, int green) {
    cv::Mat rgb(h, w, CV_8UC3, cv::Scalar(120, 170, 230));
    cv::rectangle(rgb, cv::Rect(0, h * 2 / 3, w, h), cv::Scalar(70, 140, 60), cv::FILLED);
    cv::circle(rgb, cv::Point(w / 3, h / 2), h / 6, cv::Scalar(220, green, 30), cv::FILLED, cv::LINE_AA);
    return rgbaOf(rgb);
}

std::string compareTensors(const at::Tensor& oursIn, const at::Tensor& refIn, double atol, double rtol) {
    if (oursIn.sizes() != refIn.sizes()) {
        std::ostringstream s;
        s << "shape " << oursIn.sizes() << " vs reference " << refIn.sizes();
        return s.str();
    }
    at::Tensor ours = oursIn.detach().to(at::kCPU, at::kDouble);
    at::Tensor ref = refIn.detach().to(at::kCPU, at::kDouble);
    at::Tensor err = (ours - ref).abs();
    at::Tensor allowed = atol + rtol * ref.abs();
    at::Tensor excess = err - allowed;
    if (!ours.isfinite().all().item<bool>()) return "non-finite values in our output";
    if (excess.max().item<double>() <= 0) return "";
    int64_t worst = excess.flatten().argmax().item<int64_t>();
    std::ostringstream s;
    s << "max excess at flat index " << worst << ": ours " << ours.flatten()[worst].item<double>() << " ref "
      << ref.flatten()[worst].item<double>() << " (|err| " << err.flatten()[worst].item<double>() << ", allowed "
      << allowed.flatten()[worst].item<double>() << "); max |err| " << err.max().item<double>() << ", "
      << (excess > 0).sum().item<int64_t>() << " of " << err.numel() << " elements out of tolerance";
    return s.str();
}

}  // namespace dragdiff::test
