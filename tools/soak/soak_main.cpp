// dragdiff-soak (issue 19): many edits in one engine, interleaved with heatmap requests from another
// thread while pictures are prepared, as a long GUI session uses it. Samples the resident memory,
// the open file descriptors and the threads after every edit; after the warm-up the memory may grow
// by at most --max-growth and the descriptors and threads must come back to their counts.
//
//   dragdiff-soak [--model embedded] [--edits 200] [--heatmaps 1000] [--warmup 20] [--steps 4]
//                 [--size 128] [--pictures 4] [--seed 1] [--max-growth 0.05] [--json FILE]
//
// Uses the facade only (dragdiff/engine.h), like the GUI. Exit status 0 when the limits hold.
#include "dragdiff/dragdiff.h"
#include "dragdiff/engine.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <dirent.h>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace dragdiff;

namespace {

struct Options {
    std::string model = "embedded";
    int edits = 200;
    int heatmaps = 1000;
    int warmup = 20;
    int steps = 4;
    int size = 128;
    int pictures = 4;
    unsigned seed = 1;
    double maxGrowth = 0.05;
    std::string json;
};

struct Sample {
    int edit = 0;
    double seconds = 0;
    long rssKb = 0;
    int fds = 0;
    int threads = 0;
};

long statusField(const char* key) {
    std::ifstream in("/proc/self/status");
    std::string line;
    const std::string prefix = std::string(key) + ":";
    while (std::getline(in, line))
        if (line.compare(0, prefix.size(), prefix) == 0) return std::strtol(line.c_str() + prefix.size(), nullptr, 10);
    return -1;
}

int openFds() {
    int n = 0;
    if (DIR* d = ::opendir("/proc/self/fd")) {
        while (const dirent* e = ::readdir(d))
            if (e->d_name[0] != '.') ++n;
        ::closedir(d);
        --n;  // the directory stream itself
    }
    return n;
}

// A picture with a few coloured discs on a gradient: something for the handles to move.
RgbaImage picture(int size, unsigned seed) {
    std::mt19937 rng(seed);
    RgbaImage img;
    img.width = img.height = size;
    img.pixels.resize(size_t(size) * size * 4);
    std::uniform_int_distribution<int> pos(size / 6, size - size / 6), col(0, 255);
    struct Disc { int x, y, r, c[3]; };
    std::vector<Disc> discs;
    for (int i = 0; i < 3; ++i) discs.push_back({pos(rng), pos(rng), size / 8 + int(rng() % (size / 10 + 1)), {col(rng), col(rng), col(rng)}});
    for (int y = 0; y < size; ++y)
        for (int x = 0; x < size; ++x) {
            uint8_t* p = img.pixels.data() + (size_t(y) * size + x) * 4;
            p[0] = uint8_t(x * 255 / size);
            p[1] = uint8_t(y * 255 / size);
            p[2] = 140;
            p[3] = 255;
            for (const Disc& d : discs)
                if ((x - d.x) * (x - d.x) + (y - d.y) * (y - d.y) <= d.r * d.r)
                    for (int k = 0; k < 3; ++k) p[k] = uint8_t(d.c[k]);
        }
    return img;
}

bool parse(int argc, char** argv, Options& o) {
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (i + 1 >= argc) return false;
        const char* v = argv[++i];
        if (a == "--model") o.model = v;
        else if (a == "--edits") o.edits = std::atoi(v);
        else if (a == "--heatmaps") o.heatmaps = std::atoi(v);
        else if (a == "--warmup") o.warmup = std::atoi(v);
        else if (a == "--steps") o.steps = std::atoi(v);
        else if (a == "--size") o.size = std::atoi(v);
        else if (a == "--pictures") o.pictures = std::atoi(v);
        else if (a == "--seed") o.seed = unsigned(std::strtoul(v, nullptr, 10));
        else if (a == "--max-growth") o.maxGrowth = std::atof(v);
        else if (a == "--json") o.json = v;
        else return false;
    }
    return o.edits > 0 && o.warmup >= 0 && o.warmup < o.edits && o.pictures > 0 && o.size >= 32;
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    if (!parse(argc, argv, o)) {
        std::fprintf(stderr, "usage: dragdiff-soak [--model embedded] [--edits 200] [--heatmaps 1000] [--warmup 20] "
                             "[--steps 4] [--size 128] [--pictures 4] [--seed 1] [--max-growth 0.05] [--json FILE]\n");
        return 2;
    }
    const auto start = std::chrono::steady_clock::now();
    auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
    try {
        Engine engine;
        ModelSpec spec;
        spec.path = o.model;
        engine.loadModel(spec);
        std::vector<RgbaImage> pictures;
        for (int i = 0; i < o.pictures; ++i) pictures.push_back(picture(o.size, o.seed * 1000 + unsigned(i)));

        // The heatmap thread: requests paced to the edits (about heatmaps/edits per edit), from
        // whatever picture the engine has prepared; NotReady while one is being prepared.
        std::mutex m;
        std::condition_variable cv;
        int editsStarted = 0;
        bool done = false;
        std::atomic<int> heatOk{0}, heatNotReady{0}, heatOther{0};
        std::thread heat([&] {
            std::mt19937 rng(o.seed + 7);
            std::uniform_real_distribution<double> coord(0, o.size - 1);
            for (int i = 0; i < o.heatmaps; ++i) {
                {
                    std::unique_lock<std::mutex> lock(m);
                    cv.wait(lock, [&] { return done || i < (editsStarted + 1) * o.heatmaps / o.edits; });
                }
                try {
                    EditParameters p;
                    const HeatMap h = engine.heatmap({coord(rng), coord(rng)}, p);
                    if (h.width > 0) ++heatOk;
                } catch (const NotReady&) {
                    ++heatNotReady;
                } catch (const std::exception& e) {
                    ++heatOther;
                    std::fprintf(stderr, "dragdiff-soak: heatmap failed: %s\n", e.what());
                }
                // Spread over the edit (an edit of the embedded model at 128 px takes about half a
                // second), so that some land while the next picture is being prepared.
                std::this_thread::sleep_for(std::chrono::milliseconds(10 + rng() % 80));
            }
            // Stays until the end, so that the thread count compares like with like.
            std::unique_lock<std::mutex> lock(m);
            cv.wait(lock, [&] { return done; });
        });

        std::vector<Sample> samples;
        std::mt19937 rng(o.seed);
        std::uniform_real_distribution<double> coord(o.size * 0.2, o.size * 0.8);
        int editsOk = 0, editsFailed = 0;
        for (int i = 0; i < o.edits; ++i) {
            const RgbaImage& img = pictures[size_t(i) % pictures.size()];
            {
                std::lock_guard<std::mutex> lock(m);
                editsStarted = i;
            }
            cv.notify_all();
            engine.prepareImage(img);  // the heatmaps of this picture from now on
            EditRequest request;
            request.image = img;
            const PointF handle{coord(rng), coord(rng)};
            request.drags = {{handle, {std::clamp(handle.x + 12, 0.0, o.size - 1.0), handle.y}}};
            request.parameters.steps = o.steps;
            request.parameters.strength = 0.5;
            request.parameters.seed = uint64_t(i);
            try {
                const EditResult r = engine.edit(request);
                if (r.image.width == o.size) ++editsOk;
            } catch (const Error& e) {
                ++editsFailed;
                std::fprintf(stderr, "dragdiff-soak: edit %d failed: %s\n", i, e.what());
            }
            samples.push_back({i + 1, seconds(), statusField("VmRSS"), openFds(), int(statusField("Threads"))});
            if ((i + 1) % std::max(1, o.edits / 10) == 0)
                std::fprintf(stderr, "dragdiff-soak: %d/%d edits, %.0f s, RSS %ld MB, %d fds, %d threads, %d heatmaps\n",
                             i + 1, o.edits, seconds(), samples.back().rssKb / 1024, samples.back().fds,
                             samples.back().threads, heatOk.load() + heatNotReady.load());
        }
        // The heatmaps still due (when the edits ran faster than their pacing) come last, then the
        // final sample, with the heatmap thread still there.
        {
            std::lock_guard<std::mutex> lock(m);
            editsStarted = o.edits;
        }
        cv.notify_all();
        while (heatOk + heatNotReady + heatOther < o.heatmaps) std::this_thread::sleep_for(std::chrono::milliseconds(20));
        samples.push_back({o.edits, seconds(), statusField("VmRSS"), openFds(), int(statusField("Threads"))});
        {
            std::lock_guard<std::mutex> lock(m);
            done = true;
        }
        cv.notify_all();
        heat.join();

        const Sample& base = samples[size_t(o.warmup)];
        long maxRss = 0;
        int fdMin = 1 << 30, fdMax = 0, thMin = 1 << 30, thMax = 0;
        for (size_t i = size_t(o.warmup); i < samples.size(); ++i) {
            maxRss = std::max(maxRss, samples[i].rssKb);
            fdMin = std::min(fdMin, samples[i].fds);
            fdMax = std::max(fdMax, samples[i].fds);
            thMin = std::min(thMin, samples[i].threads);
            thMax = std::max(thMax, samples[i].threads);
        }
        const Sample& last = samples.back();
        const double growth = double(last.rssKb - base.rssKb) / double(base.rssKb);
        const double peakGrowth = double(maxRss - base.rssKb) / double(base.rssKb);
        const bool fdsStable = last.fds == base.fds;
        const bool threadsStable = last.threads == base.threads;
        const bool ok = growth <= o.maxGrowth && fdsStable && threadsStable && editsFailed == 0 && heatOther == 0 &&
                        heatOk > 0;
        std::printf("dragdiff-soak: %d edits (%d ok, %d failed) of %d px, %d steps, %d pictures; %d heatmaps (%d answered, "
                    "%d not ready, %d failed); %.0f s\n",
                    o.edits, editsOk, editsFailed, o.size, o.steps, o.pictures, o.heatmaps, heatOk.load(),
                    heatNotReady.load(), heatOther.load(), last.seconds);
        std::printf("  RSS after %d warm-up edits %ld MB, at the end %ld MB (%+.1f %%), peak %ld MB (%+.1f %%); limit %+.1f %%\n",
                    o.warmup, base.rssKb / 1024, last.rssKb / 1024, growth * 100, maxRss / 1024, peakGrowth * 100,
                    o.maxGrowth * 100);
        std::printf("  file descriptors %d -> %d (range %d..%d), threads %d -> %d (range %d..%d)\n", base.fds, last.fds,
                    fdMin, fdMax, base.threads, last.threads, thMin, thMax);
        std::printf("  %s\n", ok ? "OK" : "FAILED");
        if (!o.json.empty()) {
            std::ostringstream js;
            js << "{\n  \"edits\": " << o.edits << ", \"edits_failed\": " << editsFailed << ", \"heatmaps\": " << o.heatmaps
               << ", \"heatmaps_answered\": " << heatOk << ", \"heatmaps_not_ready\": " << heatNotReady
               << ", \"seconds\": " << last.seconds << ",\n  \"rss_growth\": " << growth << ", \"rss_peak_growth\": " << peakGrowth
               << ", \"ok\": " << (ok ? "true" : "false") << ",\n  \"samples\": [";
            for (size_t i = 0; i < samples.size(); ++i)
                js << (i ? ",\n    " : "\n    ") << "{\"edit\": " << samples[i].edit << ", \"s\": " << samples[i].seconds
                   << ", \"rss_kb\": " << samples[i].rssKb << ", \"fds\": " << samples[i].fds << ", \"threads\": "
                   << samples[i].threads << "}";
            js << "\n  ]\n}\n";
            writeTextFileAtomically(o.json, js.str());
        }
        return ok ? 0 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "dragdiff-soak: %s\n", e.what());
        return 1;
    }
}
