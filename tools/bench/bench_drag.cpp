#include "bench/bench_drag.h"

#include "bench/bench_metrics.h"
#include "bench/bench_sheet.h"
#include "dragdiff/engine.h"
#include "dragdiff/error.h"
#include "io/image_io.h"
#include "scenes/drag_case.h"
#include "scenes/scene_generator.h"

#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

namespace dragdiff::bench {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

struct Configuration {
    std::string name;   // "method", a baseline's or an ablation's name
    std::string group;  // "method", "baseline" or "ablation"
    bool identity = false;
    bool mask = false;
    EditParameters parameters;
};

struct CaseResult {
    DragMetrics metrics;
    double seconds = 0;
    std::string error;  // the edit failed: counts as not found
};

RgbaImage toRgba(const cv::Mat& rgb) {
    RgbaImage image;
    image.width = rgb.cols;
    image.height = rgb.rows;
    image.pixels.resize(size_t(rgb.cols) * size_t(rgb.rows) * 4);
    for (int y = 0; y < rgb.rows; ++y)
        for (int x = 0; x < rgb.cols; ++x) {
            const cv::Vec3b p = rgb.at<cv::Vec3b>(y, x);
            uint8_t* q = &image.pixels[(size_t(y) * size_t(rgb.cols) + size_t(x)) * 4];
            q[0] = p[0], q[1] = p[1], q[2] = p[2], q[3] = 255;
        }
    return image;
}

cv::Mat toRgb(const RgbaImage& image) {
    cv::Mat rgb(image.height, image.width, CV_8UC3);
    for (int y = 0; y < image.height; ++y)
        for (int x = 0; x < image.width; ++x) {
            const uint8_t* q = &image.pixels[(size_t(y) * size_t(image.width) + size_t(x)) * 4];
            rgb.at<cv::Vec3b>(y, x) = cv::Vec3b(q[0], q[1], q[2]);
        }
    return rgb;
}

Mask boxMask(const cv::Rect& box, int width, int height) {
    Mask m;
    m.width = width;
    m.height = height;
    m.values.assign(size_t(width) * size_t(height), 0);
    for (int y = box.y; y < box.y + box.height; ++y)
        for (int x = box.x; x < box.x + box.width; ++x) m.values[size_t(y) * size_t(width) + size_t(x)] = 255;
    return m;
}

std::string join(const std::vector<std::string>& parts, const char* sep) {
    std::string s;
    for (const auto& p : parts) s += (s.empty() ? "" : sep) + p;
    return s;
}

std::vector<Configuration> buildConfigurations(const DragBenchOptions& o, const EditParameters& method) {
    if (o.mask != "none" && o.mask != "box" && o.mask != "both")
        throw InvalidRequest("--mask '" + o.mask + "' is not valid; expected none, box or both");
    const bool mask = o.mask != "none";
    std::vector<Configuration> configs{{"method", "method", false, mask, method}};
    auto has = [&](const std::string& name) {
        return std::any_of(configs.begin(), configs.end(), [&](const Configuration& c) { return c.name == name; });
    };
    for (const auto& b : o.baselines) {
        if (has(b)) continue;
        if (b == "identity") {
            configs.push_back({"identity", "baseline", true, false, method});
        } else if (b == "reconstruction") {
            EditParameters p = method;
            setParameter(p, "latent_move", "false");
            setParameter(p, "guidance_weight", "0");
            configs.push_back({"reconstruction", "baseline", false, mask, p});
        } else {
            throw InvalidRequest("baseline '" + b + "' does not exist; expected identity or reconstruction");
        }
    }
    std::vector<std::string> names;
    for (const auto& a : o.ablations) {
        if (a == "all") {
            for (const auto& [name, overrides] : ablationTable()) names.push_back(name);
        } else {
            names.push_back(a);
        }
    }
    for (const auto& a : names) {
        const auto& table = ablationTable();
        auto it = std::find_if(table.begin(), table.end(), [&](const auto& e) { return e.first == a; });
        if (it == table.end()) {
            std::vector<std::string> known;
            for (const auto& e : table) known.push_back(e.first);
            throw InvalidRequest("ablation '" + a + "' does not exist; expected one of " + join(known, ", ") + " or all");
        }
        if (has(a)) continue;
        EditParameters p = method;
        for (const auto& [key, value] : it->second) setParameter(p, key, value);
        configs.push_back({a, "ablation", false, mask, p});
    }
    if (o.mask == "both") configs.push_back({"no-mask", "ablation", false, false, method});
    return configs;
}

std::string isoDate() {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[32];
    std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

json machineJson(const ModelInfo& model) {
    char host[256] = {0};
    ::gethostname(host, sizeof(host) - 1);
    std::string cpu;
    std::ifstream info("/proc/cpuinfo");
    for (std::string line; std::getline(info, line);)
        if (line.rfind("model name", 0) == 0) {
            cpu = line.substr(line.find(':') + 2);
            break;
        }
    return {{"hostname", host},
            {"cpu", cpu},
            {"hardware_threads", std::thread::hardware_concurrency()},
            {"threads", threadCount()},
            {"dragdiff_version", version()},
            {"model", {{"path", model.path}, {"family", model.family}, {"format", model.format},
                       {"image_size", model.imageSize}, {"device", model.device}}}};
}

json summaryJson(const Summary& s) {
    return {{"cases", s.cases},
            {"success_rate", s.successRate},
            {"median_md_ratio", s.medianMdRatio},
            {"median_bg_psnr", s.medianBackgroundPsnr},
            {"median_area_ratio", s.medianAreaRatio},
            {"sec_per_edit", s.secondsPerEdit}};
}

json point(cv::Point2d p) { return json::array({p.x, p.y}); }

json resultJson(const CaseResult& r, bool mask) {
    const DragMetrics& m = r.metrics;
    json j = {{"found", m.found},
              {"md", m.md},
              {"md_ratio", m.mdRatio},
              {"area_ratio", m.areaRatio},
              {"bg_psnr", m.backgroundPsnr},
              {"success", m.success},
              {"seconds", r.seconds},
              {"expected_centroid", point(m.expectedCentroid)},
              {"centroid", m.found ? point(m.foundCentroid) : json(nullptr)},
              {"colour_tolerance", m.tolerance},
              {"mask", mask}};
    if (!r.error.empty()) j["error"] = r.error;
    return j;
}

std::string formatSeconds(double s) {
    char buf[32];
    if (s >= 3600) std::snprintf(buf, sizeof(buf), "%dh%02dm", int(s / 3600), int(std::fmod(s, 3600) / 60));
    else if (s >= 60) std::snprintf(buf, sizeof(buf), "%dm%02ds", int(s / 60), int(std::fmod(s, 60)));
    else std::snprintf(buf, sizeof(buf), "%.1fs", s);
    return buf;
}

void printTable(const std::vector<Configuration>& configs, const std::vector<Summary>& summaries, std::ostream& out) {
    out << "| configuration | success rate | median MD ratio | median bg PSNR (dB) | median area ratio | sec/edit |\n"
        << "| --- | ---: | ---: | ---: | ---: | ---: |\n";
    for (size_t k = 0; k < configs.size(); ++k) {
        const Summary& s = summaries[k];
        const std::string name = configs[k].group == "method" ? "**method**" : configs[k].name + " (" + configs[k].group + ")";
        char row[256];
        std::snprintf(row, sizeof(row), "| %s | %.0f%% (%d/%d) | %.3f | %.1f | %.2f | %.2f |\n", name.c_str(),
                      100 * s.successRate, int(std::lround(s.successRate * s.cases)), s.cases, s.medianMdRatio,
                      s.medianBackgroundPsnr, s.medianAreaRatio, s.secondsPerEdit);
        out << row;
    }
}

}  // namespace

const std::vector<std::pair<std::string, std::vector<std::pair<std::string, std::string>>>>& ablationTable() {
    static const std::vector<std::pair<std::string, std::vector<std::pair<std::string, std::string>>>> table = {
        {"no-move", {{"latent_move", "false"}}},
        {"no-appearance", {{"appearance_weight", "0"}}},
        {"raw-cosine", {{"centered_cosine", "false"}}},
        {"softmax", {{"heatmap_mode", "softmax"}}},
        {"block1", {{"feature_block", "1"}}},
        {"no-guidance", {{"guidance_weight", "0"}}},
        {"share-attention", {{"share_attention", "true"}}},
    };
    return table;
}

bool runDragBenchmark(const DragBenchOptions& o, const std::atomic<bool>* cancel) {
    if (o.cases < 1) throw InvalidRequest("--cases must be at least 1");
    EditParameters method;
    for (const auto& [key, value] : o.set) setParameter(method, key, value);
    validateParameters(method);
    const std::vector<Configuration> configs = buildConfigurations(o, method);

    Engine engine;
    ModelSpec spec;
    spec.path = o.model;
    const ModelInfo model = engine.loadModel(spec);
    const int size = o.size > 0 ? o.size : model.imageSize;
    if (size < scenes::kMinSceneSize || size > scenes::kMaxSceneSize)
        throw InvalidRequest("--size " + std::to_string(size) + " is outside " + std::to_string(scenes::kMinSceneSize) + ".." +
                             std::to_string(scenes::kMaxSceneSize) + " px (the scene generator's range)");
    const int dilation = std::max(2, int(std::lround(scenes::kMaskBoxMarginFraction * size)));
    std::fprintf(stderr, "dragdiff-bench: %d cases, seed %llu, %d px, mask %s, model %s (%s), %zu configurations\n", o.cases,
                 (unsigned long long)o.seed, size, o.mask.c_str(), model.path.c_str(), model.family.c_str(), configs.size());

    std::vector<std::vector<CaseResult>> results(configs.size());
    std::vector<SheetRow> sheet;
    json perCase = json::array();
    const auto start = Clock::now();
    int completed = 0;
    for (int i = 0; i < o.cases; ++i) {
        try {
            const scenes::DragCase c = scenes::makeDragCase(scenes::benchmarkCaseSeed(o.seed, uint64_t(i)), size);
            const scenes::SceneObject& subject = c.source.objects[size_t(c.subject)];
            DragTruth truth;
            truth.input = c.source.rgb;
            truth.subjectMask = subject.mask;
            truth.expectedMask = c.expected.objects[size_t(c.subject)].mask;
            truth.othersMask = cv::Mat::zeros(c.source.rgb.size(), CV_8UC1);
            for (size_t k = 0; k < c.source.objects.size(); ++k)
                if (int(k) != c.subject) truth.othersMask |= c.source.objects[k].mask;
            truth.handle = cv::Point2d(c.handle);
            truth.target = cv::Point2d(c.target);
            truth.dilation = dilation;

            const RgbaImage input = toRgba(c.source.rgb);
            cv::Mat methodResult;
            json caseResults = json::object();
            for (size_t k = 0; k < configs.size(); ++k) {
                const Configuration& cfg = configs[k];
                CaseResult r;
                cv::Mat out;
                if (cfg.identity) {
                    out = c.source.rgb;
                } else {
                    EditRequest request;
                    request.image = input;
                    request.drags = {DragPair{{c.handle.x, c.handle.y}, {c.target.x, c.target.y}}};
                    if (cfg.mask) request.mask = boxMask(c.maskBox, size, size);
                    request.parameters = cfg.parameters;
                    request.parameters.previewEvery = 0;
                    const auto t0 = Clock::now();
                    try {
                        out = toRgb(engine.edit(request, nullptr, cancel).image);
                    } catch (const Cancelled&) {
                        throw;
                    } catch (const Error& e) {
                        r.error = e.what();
                    }
                    r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
                }
                if (r.error.empty()) {
                    r.metrics = measureDrag(out, truth);
                } else {
                    std::fprintf(stderr, "dragdiff-bench: case %d, %s: edit failed: %s\n", i, cfg.name.c_str(), r.error.c_str());
                    r.metrics.md = std::hypot(c.target.x - c.handle.x, c.target.y - c.handle.y);
                    r.metrics.mdRatio = 1;
                }
                if (k == 0) methodResult = out;
                caseResults[cfg.name] = resultJson(r, cfg.mask);
                results[k].push_back(r);
            }

            const double drag = std::hypot(c.target.x - c.handle.x, c.target.y - c.handle.y);
            perCase.push_back({{"index", i},
                               {"case_seed", c.caseSeed},
                               {"scene_seed", c.sceneSeed},
                               {"size", size},
                               {"subject", c.subject},
                               {"kind", scenes::objectKindName(subject.kind)},
                               {"handle", {c.handle.x, c.handle.y}},
                               {"target", {c.target.x, c.target.y}},
                               {"drag_distance", drag},
                               {"mask_box", {c.maskBox.x, c.maskBox.y, c.maskBox.width, c.maskBox.height}},
                               {"results", caseResults}});

            if (!o.sheetPath.empty()) {
                SheetRow row;
                row.input = c.source.rgb;
                row.result = methodResult;
                row.expected = c.expected.rgb;
                row.handle = truth.handle;
                row.target = truth.target;
                if (configs[0].mask) row.maskBox = c.maskBox;
                row.metrics = results[0].back().metrics;
                try {
                    engine.prepareImage(input, method.prompt, cancel);
                    const HeatMap heat = engine.heatmap(PointF{c.handle.x, c.handle.y}, method);
                    row.heatmap = toRgb(colorizeHeatmap(heat, &input, 0.6));
                } catch (const Cancelled&) {
                    throw;
                } catch (const Error& e) {
                    std::fprintf(stderr, "dragdiff-bench: case %d: no heatmap: %s\n", i, e.what());
                }
                char caption[200];
                std::snprintf(caption, sizeof(caption), "case %d (%s, %.0f px drag): MD ratio %.2f  area %.2f  bg %.1f dB  %s", i,
                              scenes::objectKindName(subject.kind), drag, row.metrics.mdRatio, row.metrics.areaRatio,
                              row.metrics.backgroundPsnr, row.metrics.success ? "SUCCESS" : (row.metrics.found ? "fail" : "not found"));
                row.caption = caption;
                sheet.push_back(std::move(row));
            }

            completed = i + 1;
            int methodSuccesses = 0;
            for (const auto& r : results[0]) methodSuccesses += r.metrics.success ? 1 : 0;
            const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
            const double eta = elapsed / (i + 1) * (o.cases - i - 1);
            const DragMetrics& m = results[0].back().metrics;
            std::fprintf(stderr,
                         "dragdiff-bench: case %d/%d  method: MD ratio %.2f, area %.2f, bg %.1f dB, %s | success so far %d/%d "
                         "(%.0f%%) | %s/case, ETA %s\n",
                         i + 1, o.cases, m.mdRatio, m.areaRatio, m.backgroundPsnr, m.success ? "success" : "fail",
                         methodSuccesses, i + 1, 100.0 * methodSuccesses / (i + 1), formatSeconds(elapsed / (i + 1)).c_str(),
                         formatSeconds(eta).c_str());
        } catch (const Cancelled&) {
            // Interrupted: drop the unfinished case and report the finished ones.
            for (auto& r : results) r.resize(size_t(completed));
            if (perCase.size() > size_t(completed)) perCase.erase(perCase.begin() + completed, perCase.end());
            sheet.resize(size_t(std::min<int>(completed, int(sheet.size()))));
            if (completed == 0) throw;
            std::fprintf(stderr, "dragdiff-bench: interrupted; reporting the %d finished case(s)\n", completed);
            break;
        }
    }

    std::vector<Summary> summaries;
    for (size_t k = 0; k < configs.size(); ++k) {
        std::vector<DragMetrics> metrics;
        std::vector<double> seconds;
        for (const auto& r : results[k]) {
            metrics.push_back(r.metrics);
            if (!configs[k].identity) seconds.push_back(r.seconds);
        }
        summaries.push_back(summarize(metrics, seconds));
    }

    std::ostringstream table;
    table << "Drag benchmark: " << completed << (completed < o.cases ? " (interrupted) of " + std::to_string(o.cases) : std::string()) << " cases, seed " << o.seed << ", " << size << " px, mask " << o.mask
          << ", model " << model.path << "\n\n";
    printTable(configs, summaries, table);
    std::cout << table.str() << std::flush;

    if (!o.jsonPath.empty()) {
        json report = summaryJson(summaries[0]);
        json baselines = json::object(), ablations = json::object();
        for (size_t k = 1; k < configs.size(); ++k)
            (configs[k].group == "baseline" ? baselines : ablations)[configs[k].name] = summaryJson(summaries[k]);
        report["baselines"] = baselines;
        report["ablations"] = ablations;
        report["per_case"] = perCase;
        report["command"] = o.command;
        report["machine"] = machineJson(model);
        report["date"] = isoDate();
        writeTextFileAtomically(o.jsonPath, report.dump(2) + "\n");
        std::fprintf(stderr, "dragdiff-bench: wrote %s\n", o.jsonPath.c_str());
    }
    if (!o.sheetPath.empty()) {
        io::saveImage(o.sheetPath, renderSheet(sheet));
        std::fprintf(stderr, "dragdiff-bench: wrote %s\n", o.sheetPath.c_str());
    }
    return completed == o.cases;
}

}  // namespace dragdiff::bench
