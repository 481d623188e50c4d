// dragdiff-scenes: a contact sheet of generated scenes, or of drag cases, to look at.
//   dragdiff-scenes --out sheet.png [--count 32] [--size 64] [--seed 0] [--columns 8] [--zoom 1]
//   dragdiff-scenes --out drags.png --drag [--benchmark 1] ...
// Scene mode shows scenes seed, seed+1, ... . Drag mode shows, per case, the source with the
// handle (red), the target (blue), an arrow between them and the edit box (yellow), next to the
// ground-truth moved scene; case i uses benchmarkCaseSeed(benchmark, i), or seed+i without it.
#include "dragdiff/error.h"
#include "io/image_io.h"
#include "scenes/drag_case.h"
#include "scenes/scene_generator.h"

#include <opencv2/imgproc.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>

using namespace dragdiff;

namespace {

constexpr int kGap = 2;
const cv::Scalar kSheetBackground(40, 40, 40);

struct Options {
    std::string out;
    int count = 32;
    int size = 64;
    uint64_t seed = 0;
    int columns = 8;
    int zoom = 1;
    bool drag = false;
    std::optional<uint64_t> benchmark;
};

[[noreturn]] void usage(const char* why) {
    std::fprintf(stderr,
                 "dragdiff-scenes: %s\n"
                 "usage: dragdiff-scenes --out FILE.png [--count N] [--size PX] [--seed S] [--columns C] [--zoom Z]\n"
                 "                       [--drag [--benchmark B]]\n",
                 why);
    std::exit(2);
}

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) usage(("missing value after " + a).c_str());
            return argv[++i];
        };
        if (a == "--out") o.out = value();
        else if (a == "--count") o.count = std::stoi(value());
        else if (a == "--size") o.size = std::stoi(value());
        else if (a == "--seed") o.seed = std::stoull(value());
        else if (a == "--columns") o.columns = std::stoi(value());
        else if (a == "--zoom") o.zoom = std::stoi(value());
        else if (a == "--drag") o.drag = true;
        else if (a == "--benchmark") o.benchmark = std::stoull(value());
        else usage(("unknown option " + a).c_str());
    }
    if (o.out.empty()) usage("--out is required");
    if (o.count < 1 || o.columns < 1 || o.zoom < 1 || o.zoom > 16) usage("count, columns and zoom must be positive (zoom <= 16)");
    return o;
}

cv::Mat zoomed(const cv::Mat& rgb, int zoom) {
    cv::Mat out;
    cv::resize(rgb, out, cv::Size(), zoom, zoom, cv::INTER_NEAREST);
    return out;
}

// Pixel centre p (integer coordinates) on an image zoomed `zoom` times, in 1/16 px for the shift argument.
cv::Point at(cv::Point2f p, int zoom) { return cv::Point(int(std::lround((p.x + 0.5f) * zoom * 16)), int(std::lround((p.y + 0.5f) * zoom * 16))); }

cv::Mat dragCell(const scenes::DragCase& c, int zoom) {
    cv::Mat source = zoomed(c.source.rgb, zoom), expected = zoomed(c.expected.rgb, zoom);
    const int thick = std::max(1, zoom / 2);
    const cv::Rect box(c.maskBox.x * zoom, c.maskBox.y * zoom, c.maskBox.width * zoom - 1, c.maskBox.height * zoom - 1);
    cv::rectangle(source, box, cv::Scalar(255, 220, 0), 1);
    cv::arrowedLine(source, at(c.handle, zoom), at(c.target, zoom), cv::Scalar(255, 255, 255), thick, cv::LINE_AA, 4, 0.25);
    const int r = std::max(2, zoom + 1) * 16;
    cv::circle(source, at(c.handle, zoom), r, cv::Scalar(230, 0, 0), cv::FILLED, cv::LINE_AA, 4);
    cv::circle(source, at(c.target, zoom), r, cv::Scalar(0, 70, 255), cv::FILLED, cv::LINE_AA, 4);
    cv::Mat cell(source.rows, source.cols * 2 + kGap, CV_8UC3, kSheetBackground);
    source.copyTo(cell(cv::Rect(0, 0, source.cols, source.rows)));
    expected.copyTo(cell(cv::Rect(source.cols + kGap, 0, source.cols, source.rows)));
    return cell;
}

}  // namespace

int main(int argc, char** argv) {
    const Options o = parse(argc, argv);
    try {
        std::vector<cv::Mat> cells;
        const auto start = std::chrono::steady_clock::now();
        for (int i = 0; i < o.count; ++i) {
            if (o.drag) {
                const uint64_t seed = o.benchmark ? scenes::benchmarkCaseSeed(*o.benchmark, uint64_t(i)) : o.seed + uint64_t(i);
                const scenes::DragCase c = scenes::makeDragCase(seed, o.size);
                std::printf("case %d seed %llu scene %llu subject %d (%s) handle (%.0f,%.0f) -> target (%.0f,%.0f)\n", i,
                            (unsigned long long)c.caseSeed, (unsigned long long)c.sceneSeed, c.subject,
                            scenes::objectKindName(c.source.objects[size_t(c.subject)].kind), c.handle.x, c.handle.y,
                            c.target.x, c.target.y);
                cells.push_back(dragCell(c, o.zoom));
            } else {
                cells.push_back(zoomed(scenes::generateScene(o.seed + uint64_t(i), o.size).rgb, o.zoom));
            }
        }
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        const int columns = std::min(o.columns, o.count), rows = (o.count + columns - 1) / columns;
        const int w = cells[0].cols, h = cells[0].rows;
        cv::Mat sheet(rows * h + (rows + 1) * kGap, columns * w + (columns + 1) * kGap, CV_8UC3, kSheetBackground);
        for (int i = 0; i < o.count; ++i)
            cells[size_t(i)].copyTo(sheet(cv::Rect(kGap + (i % columns) * (w + kGap), kGap + (i / columns) * (h + kGap), w, h)));
        io::saveImage(o.out, sheet);
        std::printf("%d %s at %d px in %.3f s -> %s\n", o.count, o.drag ? "drag cases" : "scenes", o.size, seconds, o.out.c_str());
    } catch (const Error& e) {
        std::fprintf(stderr, "dragdiff-scenes: %s\n", e.what());
        return 1;
    }
    return 0;
}
