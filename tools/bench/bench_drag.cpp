#include "bench/bench_drag.h"

#include "bench/bench_metrics.h"
#include "bench/bench_sheet.h"
#include "bench/bench_strict.h"
#include "bench/bench_strict_report.h"
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
    bool warpOnly = false;  // the warp preview as the result: the fields alone, no model pass
};

struct CaseResult {
    scenes::DragKind kind = scenes::DragKind::Move;
    DragMetrics metrics;    // today's measurements; move cases only
    StrictMetrics strict;   // against the ideal; every kind
    double seconds = 0;
    std::string error;      // the edit failed: counts as not found
    std::vector<DragMode> modes;  // what the engine resolved each pair to
};

// `path` with "_<suffix>" before its extension.
std::string withSuffix(const std::string& path, const std::string& suffix) {
    const size_t slash = path.find_last_of('/'), dot = path.find_last_of('.');
    if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return path + "_" + suffix;
    return path.substr(0, dot) + "_" + suffix + path.substr(dot);
}

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
        } else if (b == "warp") {
            configs.push_back({"warp", "baseline", false, mask, method, true});
        } else {
            throw InvalidRequest("baseline '" + b + "' does not exist; expected identity, reconstruction or warp");
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

json modesJson(const std::vector<DragMode>& modes) {
    json out = json::array();
    for (DragMode m : modes) out.push_back(dragModeName(m));
    return out;
}

json resultJson(const CaseResult& r, bool mask) {
    if (r.kind != scenes::DragKind::Move) {
        // Today's metrics (centroid + drag, area) mean nothing for a reshape: only the strict ones.
        json j = {{"strict", strictResultJson(r.strict)}, {"seconds", r.seconds}, {"mask", mask}, {"modes", modesJson(r.modes)}};
        if (!r.error.empty()) j["error"] = r.error;
        return j;
    }
    const DragMetrics& m = r.metrics;
    json j = {{"strict", strictResultJson(r.strict)},{"found", m.found},
              {"md", m.md},
              {"md_ratio", m.mdRatio},
              {"area_ratio", m.areaRatio},
              {"bg_psnr", m.backgroundPsnr},
              {"success", m.success},
              {"seconds", r.seconds},
              {"modes", modesJson(r.modes)},
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
        {"no-reshape", {{"auto_reshape", "false"}}},
        {"no-carry", {{"carry_pixels", "false"}}},
        // The engine as issue 14 found it: every part cut out and pasted whole, the decoded latent everywhere.
        {"before-reshape", {{"auto_reshape", "false"}, {"carry_pixels", "false"}}},
        {"no-appearance", {{"appearance_weight", "0"}}},
        {"raw-cosine", {{"centered_cosine", "false"}}},
        {"softmax", {{"heatmap_mode", "softmax"}}},
        {"block1", {{"feature_block", "1"}}},
        {"no-guidance", {{"guidance_weight", "0"}}},
        // The reference method's energies guiding the denoising, off by default since issue 17.
        {"guidance", {{"guidance_weight", "320"}}},
        // The defaults before issue 17 cut the passes: 50 steps, guided.
        {"before-passes", {{"steps", "50"}, {"guidance_weight", "320"}}},
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
    const std::vector<scenes::DragKind> kinds = scenes::parseDragKinds(o.kinds);

    Engine engine;
    ModelSpec spec;
    spec.path = o.model;
    const ModelInfo model = engine.loadModel(spec);
    const int size = o.size > 0 ? o.size : model.imageSize;
    if (size < scenes::kMinSceneSize || size > scenes::kMaxSceneSize)
        throw InvalidRequest("--size " + std::to_string(size) + " is outside " + std::to_string(scenes::kMinSceneSize) + ".." +
                             std::to_string(scenes::kMaxSceneSize) + " px (the scene generator's range)");
    const int dilation = std::max(2, int(std::lround(scenes::kMaskBoxMarginFraction * size)));
    std::fprintf(stderr, "dragdiff-bench: %d cases per kind (%s), seed %llu, %d px, mask %s, model %s (%s), %zu configurations\n", o.cases, o.kinds.c_str(),
                 (unsigned long long)o.seed, size, o.mask.c_str(), model.path.c_str(), model.family.c_str(), configs.size());

    // Every selected kind gets o.cases cases; each kind's cases depend only on the seed.
    std::vector<std::pair<scenes::DragKind, int>> tasks;
    for (scenes::DragKind kind : kinds)
        for (int i = 0; i < o.cases; ++i) tasks.emplace_back(kind, i);
    const int total = int(tasks.size());

    std::vector<std::vector<CaseResult>> results(configs.size());
    std::vector<std::vector<SheetRow>> sheets(kinds.size());
    json perCase = json::array();
    const auto start = Clock::now();
    int completed = 0;
    for (int t = 0; t < total; ++t) {
        const auto [kind, i] = tasks[size_t(t)];
        const size_t kindIndex = size_t(std::find(kinds.begin(), kinds.end(), kind) - kinds.begin());
        try {
            const scenes::DragCase c = scenes::makeKindCase(kind, o.seed, uint64_t(i), size);
            const bool legacy = kind == scenes::DragKind::Move;
            DragTruth truth;
            if (legacy) {
                truth.input = c.source.rgb;
                truth.subjectMask = c.subjectMask;
                truth.expectedMask = c.idealMask;
                truth.othersMask = c.othersMask;
                truth.handle = cv::Point2d(c.handle);
                truth.target = cv::Point2d(c.target);
                truth.dilation = dilation;
            }

            const RgbaImage input = toRgba(c.source.rgb);
            cv::Mat methodResult;
            json caseResults = json::object();
            for (size_t k = 0; k < configs.size(); ++k) {
                const Configuration& cfg = configs[k];
                CaseResult r;
                r.kind = kind;
                cv::Mat out;
                if (cfg.identity) {
                    out = c.source.rgb;
                } else {
                    EditRequest request;
                    request.image = input;
                    // Every pair, mode Auto: the engine is never told the case's kind.
                    for (const scenes::CasePair& p : c.pairs)
                        request.drags.push_back(DragPair{{p.handle.x, p.handle.y}, {p.target.x, p.target.y}, DragMode::Auto});
                    if (cfg.mask) request.mask = boxMask(c.maskBox, size, size);
                    request.parameters = cfg.parameters;
                    request.parameters.previewEvery = 0;
                    auto t0 = Clock::now();
                    try {
                        // Every configuration is timed with the picture's inversion prepared: the
                        // first one to run would otherwise pay for it and the others find it cached.
                        if (cfg.warpOnly) {
                            engine.prepareImage(request.image, request.parameters, cancel);
                            t0 = Clock::now();
                            const WarpPreview warp = engine.warpPreview(request.drags, request.mask, request.parameters);
                            out = toRgb(warp.image);
                            if (out.size() != c.source.rgb.size()) cv::resize(out, out, c.source.rgb.size(), 0, 0, cv::INTER_AREA);
                            r.modes = warp.modes;
                        } else {
                            engine.prepareInversion(request.image, request.parameters, cancel);
                            t0 = Clock::now();
                            EditResult edited = engine.edit(request, nullptr, cancel);
                            out = toRgb(edited.image);
                            r.modes = edited.modes;
                        }
                    } catch (const Cancelled&) {
                        throw;
                    } catch (const Error& e) {
                        r.error = e.what();
                    }
                    r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
                }
                if (r.error.empty()) {
                    if (legacy) r.metrics = measureDrag(out, truth);
                    r.strict = measureStrict(out, c, dilation);
                } else {
                    std::fprintf(stderr, "dragdiff-bench: %s case %d, %s: edit failed: %s\n", scenes::dragKindName(kind), i,
                                 cfg.name.c_str(), r.error.c_str());
                    r.metrics.md = std::hypot(c.target.x - c.handle.x, c.target.y - c.handle.y);
                    r.metrics.mdRatio = 1;
                }
                if (k == 0) methodResult = out;
                caseResults[cfg.name] = resultJson(r, cfg.mask);
                results[k].push_back(r);
            }

            const double drag = std::hypot(c.target.x - c.handle.x, c.target.y - c.handle.y);
            const std::string objectKind = c.subject >= 0 ? scenes::objectKindName(c.source.objects[size_t(c.subject)].kind) : "ridge";
            json pairs = json::array();
            for (const scenes::CasePair& p : c.pairs) pairs.push_back({{"handle", {p.handle.x, p.handle.y}}, {"target", {p.target.x, p.target.y}}});
            perCase.push_back({{"index", i},
                               {"drag_kind", scenes::dragKindName(kind)},
                               {"variant", c.variant},
                               {"case_seed", c.caseSeed},
                               {"scene_seed", c.sceneSeed},
                               {"size", size},
                               {"subject", c.subject},
                               {"kind", objectKind},
                               {"handle", {c.handle.x, c.handle.y}},
                               {"target", {c.target.x, c.target.y}},
                               {"pairs", pairs},
                               {"drag_distance", drag},
                               {"mask_box", {c.maskBox.x, c.maskBox.y, c.maskBox.width, c.maskBox.height}},
                               {"results", caseResults}});

            const StrictMetrics& sm = results[0].back().strict;
            if (!o.sheetPath.empty()) {
                SheetRow row;
                row.input = c.source.rgb;
                row.result = methodResult;
                row.expected = c.expected.rgb;
                row.handle = cv::Point2d(c.handle);
                row.target = cv::Point2d(c.target);
                for (const scenes::CasePair& p : c.pairs) row.pairs.emplace_back(cv::Point2d(p.handle), cv::Point2d(p.target));
                if (configs[0].mask) row.maskBox = c.maskBox;
                row.landmarks = true;
                row.idealLandmarks = sm.idealLandmarks;
                row.foundLandmarks = sm.foundLandmarks;
                row.foundMask = sm.foundMask;
                std::string modes;
                try {
                    engine.prepareImage(input, method, cancel);  // its prompt and working size
                    const HeatMap heat = engine.heatmap(PointF{c.handle.x, c.handle.y}, method);
                    row.heatmap = toRgb(colorizeHeatmap(heat, &input, 0.6));
                    // What the edit starts from: the picture pulled through the engine's fields.
                    std::vector<DragPair> drags;
                    for (const scenes::CasePair& p : c.pairs)
                        drags.push_back(DragPair{{p.handle.x, p.handle.y}, {p.target.x, p.target.y}, DragMode::Auto});
                    const WarpPreview warp = engine.warpPreview(drags, configs[0].mask ? boxMask(c.maskBox, size, size) : Mask(), method);
                    row.extra = toRgb(warp.image);
                    if (row.extra.size() != c.source.rgb.size()) cv::resize(row.extra, row.extra, c.source.rgb.size(), 0, 0, cv::INTER_AREA);
                    row.extraHeader = "warp preview";
                    for (DragMode m : warp.modes) modes += std::string(modes.empty() ? " " : ",") + dragModeName(m);
                } catch (const Cancelled&) {
                    throw;
                } catch (const Error& e) {
                    std::fprintf(stderr, "dragdiff-bench: case %d: no heatmap: %s\n", i, e.what());
                }
                char caption[240];
                std::snprintf(caption, sizeof(caption), "%s %d (%s %s, %.0f px,%s): lm %.2f drift %.2f IoU %.2f ghost %.2f dE %.1f bg %.1f  %s",
                              scenes::dragKindName(kind), i, c.variant.c_str(), objectKind.c_str(), drag, modes.c_str(), sm.landmarkRatio,
                              sm.anchorDrift, sm.iou, sm.ghost, std::min(sm.colourShift, 99.0), sm.backgroundPsnr,
                              sm.success ? "SUCCESS" : (sm.found ? "fail" : "not found"));
                row.caption = caption;
                sheets[kindIndex].push_back(std::move(row));
            }

            completed = t + 1;
            int strictSuccesses = 0;
            for (const auto& r : results[0]) strictSuccesses += r.strict.success ? 1 : 0;
            const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
            const double eta = elapsed / (t + 1) * (total - t - 1);
            std::fprintf(stderr,
                         "dragdiff-bench: case %d/%d  %s %d: landmark %.2f, IoU %.2f, ghost %.2f, dE %.1f, bg %.1f dB, %s | strict "
                         "success so far %d/%d (%.0f%%) | %s/case, ETA %s\n",
                         t + 1, total, scenes::dragKindName(kind), i, sm.landmarkRatio, sm.iou, sm.ghost, sm.colourShift,
                         sm.backgroundPsnr, sm.success ? "success" : "fail", strictSuccesses, t + 1, 100.0 * strictSuccesses / (t + 1),
                         formatSeconds(elapsed / (t + 1)).c_str(), formatSeconds(eta).c_str());
        } catch (const Cancelled&) {
            // Interrupted: drop the unfinished case and report the finished ones.
            for (auto& r : results) r.resize(size_t(completed));
            if (perCase.size() > size_t(completed)) perCase.erase(perCase.begin() + completed, perCase.end());
            if (completed == 0) throw;
            std::fprintf(stderr, "dragdiff-bench: interrupted; reporting the %d finished case(s)\n", completed);
            break;
        }
    }

    // Today's summary over the move cases (the only ones its definition fits); the strict ones
    // per kind and over all cases.
    std::vector<Summary> summaries;
    std::vector<json> strictJson(configs.size());
    std::vector<StrictTableRow> strictRows;
    for (size_t k = 0; k < configs.size(); ++k) {
        std::vector<DragMetrics> metrics;
        std::vector<double> seconds, allSeconds;
        std::vector<StrictMetrics> all;
        json perKind = json::object();
        for (scenes::DragKind kind : kinds) {
            std::vector<StrictMetrics> strict;
            std::vector<double> kindSeconds;
            for (const auto& r : results[k]) {
                if (r.kind != kind) continue;
                strict.push_back(r.strict);
                if (!configs[k].identity) kindSeconds.push_back(r.seconds);
                if (kind == scenes::DragKind::Move) {
                    metrics.push_back(r.metrics);
                    if (!configs[k].identity) seconds.push_back(r.seconds);
                }
            }
            const StrictSummary summary = summarizeStrict(strict, kindSeconds);
            perKind[scenes::dragKindName(kind)] = strictSummaryJson(summary);
            strictRows.push_back({scenes::dragKindName(kind), configs[k].name, summary});
            all.insert(all.end(), strict.begin(), strict.end());
            allSeconds.insert(allSeconds.end(), kindSeconds.begin(), kindSeconds.end());
        }
        const StrictSummary overall = summarizeStrict(all, allSeconds);
        if (kinds.size() > 1) strictRows.push_back({"all", configs[k].name, overall});
        strictJson[k] = {{"kinds", perKind}, {"strict", strictSummaryJson(overall)}};
        summaries.push_back(summarize(metrics, seconds));
    }
    // Rows grouped by kind, configurations in order within each.
    std::stable_sort(strictRows.begin(), strictRows.end(), [&](const StrictTableRow& a, const StrictTableRow& b) {
        auto rank = [&](const std::string& name) {
            for (size_t n = 0; n < kinds.size(); ++n)
                if (name == scenes::dragKindName(kinds[n])) return n;
            return kinds.size();
        };
        return rank(a.kind) < rank(b.kind);
    });

    std::ostringstream table;
    std::vector<std::string> kindNames;
    for (scenes::DragKind kind : kinds) kindNames.push_back(scenes::dragKindName(kind));
    table << "Drag benchmark: " << completed << (completed < total ? " (interrupted) of " + std::to_string(total) : std::string())
          << " cases (" << join(kindNames, ", ") << "), seed " << o.seed << ", " << size << " px, mask " << o.mask
          << ", model " << model.path << "\n\n";
    table << "Today's definition (move cases only):\n\n";
    printTable(configs, summaries, table);
    table << "\nStrict, against the ideal picture (landmark <= " << kMaxStrictLandmark << ", anchor drift <= " << kMaxStrictAnchorDrift
          << ", IoU >= " << kMinStrictIou << ", ghost <= " << kMaxStrictGhost << ", dE <= " << kMaxStrictColourShift << ", bg >= "
          << kMinStrictBackgroundPsnr << " dB; the smudge rate, reported beside it: the old place's mean dE vs the ideal > "
          << kMaxFillError << "):\n\n";
    printStrictTable(strictRows, table);
    std::cout << table.str() << std::flush;

    if (!o.jsonPath.empty()) {
        json report = summaryJson(summaries[0]);
        report.update(strictJson[0]);
        json baselines = json::object(), ablations = json::object();
        for (size_t k = 1; k < configs.size(); ++k) {
            json summary = summaryJson(summaries[k]);
            summary.update(strictJson[k]);
            (configs[k].group == "baseline" ? baselines : ablations)[configs[k].name] = summary;
        }
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
        // One sheet per kind: the path as given for a single kind, <stem>_<kind>.<ext> for several.
        for (size_t n = 0; n < kinds.size(); ++n) {
            const std::string path = kinds.size() == 1 ? o.sheetPath : withSuffix(o.sheetPath, scenes::dragKindName(kinds[n]));
            io::saveImage(path, renderSheet(sheets[n]));
            std::fprintf(stderr, "dragdiff-bench: wrote %s\n", path.c_str());
        }
    }
    return completed == total;
}

}  // namespace dragdiff::bench
