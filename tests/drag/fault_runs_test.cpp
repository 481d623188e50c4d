// Fault tests for runs (issue 8) on the embedded model: cancel at random moments, many edits in
// one process without growing memory, NaN/Inf in a latent, out of memory, odd image sizes.
#include "support/catch.h"

#include "drag/drag_editor.h"
#include "dragdiff/engine.h"
#include "io/safetensors.h"
#include "support/test_support.h"

#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>
#include <vector>

using namespace dragdiff;
namespace fs = std::filesystem;

namespace {

RgbaImage sceneImage(int w, int h) {
    RgbaImage img;
    img.width = w;
    img.height = h;
    img.pixels.resize(size_t(w) * h * 4);
    const double cx = w / 3.0, cy = h / 2.0, r = std::min(w, h) / 6.0;
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            uint8_t* p = &img.pixels[(size_t(y) * w + x) * 4];
            const bool disc = (x - cx) * (x - cx) + (y - cy) * (y - cy) < r * r;
            const bool ground = y > h * 2 / 3;
            p[0] = disc ? 220 : ground ? 70 : 120;
            p[1] = disc ? 30 : ground ? 140 : 170;
            p[2] = disc ? 30 : ground ? 60 : 230;
            p[3] = 255;
        }
    return img;
}

// The embedded model, loaded once for the whole binary.
Engine& embeddedEngine() {
    static Engine engine;
    if (!engine.hasModel()) engine.loadModel(ModelSpec{});
    return engine;
}

EditRequest quickRequest(int w = 96, int h = 64, int steps = 4) {
    EditRequest r;
    r.image = sceneImage(w, h);
    r.drags = {{{w / 3.0, h / 2.0}, {w / 3.0 + w / 8.0, h / 2.0}}};
    r.parameters.steps = steps;
    r.parameters.strength = 0.5;
    r.parameters.previewEvery = 1;
    return r;
}

// Resident set size from /proc/self/statm, bytes.
size_t residentBytes() {
    std::ifstream in("/proc/self/statm");
    size_t total = 0, resident = 0;
    in >> total >> resident;
    return resident * size_t(::sysconf(_SC_PAGESIZE));
}

size_t virtualBytes() {
    std::ifstream in("/proc/self/statm");
    size_t total = 0;
    in >> total;
    return total * size_t(::sysconf(_SC_PAGESIZE));
}

constexpr size_t kDrainBlock = 64u << 10, kMaxDrainBlocks = (8ull << 30) / kDrainBlock;

// Blocks taken from the allocator into `blocks` (reserved for kMaxDrainBlocks beforehand, so the
// drain never grows it) until it fails, under an address-space limit: what earlier runs freed
// stays mapped in its free lists (one per thread's arena, each tried when another fails), and an
// edit served from there fits under any limit. Then `headroom` bytes are given back, for the small
// allocations before the large ones. The blocks are never written, so they cost no memory; free
// them with releaseBlocks.
void drainFreeLists(std::vector<void*>& blocks, size_t headroom) {
    while (blocks.size() < blocks.capacity()) {
        void* p = std::malloc(kDrainBlock);
        if (!p) break;
        blocks.push_back(p);
    }
    for (size_t given = 0; given < headroom && !blocks.empty(); given += kDrainBlock) {
        std::free(blocks.back());
        blocks.pop_back();
    }
}

void releaseBlocks(std::vector<void*>& blocks) {
    for (void* p : blocks) std::free(p);
    blocks.clear();
}

}  // namespace

TEST_CASE("fault: cancel at 50 random moments, the engine stays usable and deterministic", "[fault][runs]") {
    Engine& engine = embeddedEngine();
    const EditRequest r = quickRequest();
    // Reference: an uncancelled run, and how long a warm run takes (the shorter of two, so that
    // a slow first run does not push most cancels past the end).
    const EditResult reference = engine.edit(r);
    double runMs = 1e30;
    for (int i = 0; i < 2; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        engine.edit(r);
        runMs = std::min(runMs, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    std::mt19937 rng(12345);
    std::uniform_real_distribution<double> when(0.0, runMs * 1.1);
    int cancelled = 0, finished = 0;
    for (int i = 0; i < 50; ++i) {
        std::atomic<bool> cancel{false};
        const auto delay = std::chrono::microseconds(int64_t(when(rng) * 1000));
        std::thread canceller([&] {
            std::this_thread::sleep_for(delay);
            cancel = true;
        });
        bool wasCancelled = false;
        int progressAfterCancel = 0;
        bool sawCancel = false;
        try {
            engine.edit(r, [&](const EditProgress&) {
                // At most one report may race with the flag (the one already being emitted).
                if (sawCancel) ++progressAfterCancel;
                if (cancel) sawCancel = true;
            }, &cancel);
        } catch (const Cancelled&) {
            wasCancelled = true;
        }
        canceller.join();
        CHECK(progressAfterCancel <= 1);
        (wasCancelled ? cancelled : finished)++;
    }
    INFO("cancelled " << cancelled << ", finished before the cancel " << finished << "; one run " << runMs << " ms");
    CHECK(cancelled >= 25);
    // Still usable, and nothing of the cancelled runs leaked into the next one.
    EditResult after = engine.edit(r);
    CHECK(after.image.pixels == reference.image.pixels);
}

TEST_CASE("fault: 100 edits in one process grow resident memory by less than 5%", "[fault][runs][slow]") {
    Engine& engine = embeddedEngine();
    EditRequest r = quickRequest(64, 48, 2);
    r.parameters.strength = 0.5;
    r.parameters.previewEvery = 1;
    // Warm-up: allocator pools, OpenMP threads, lazily built tables.
    for (int i = 0; i < 5; ++i) engine.edit(r);
    const size_t base = residentBytes();
    size_t peak = base;
    for (int i = 0; i < 100; ++i) {
        r.parameters.seed = uint64_t(i);  // different noise each time
        engine.edit(r, [](const EditProgress&) {});
        peak = std::max(peak, residentBytes());
    }
    const size_t end = residentBytes();
    INFO("resident after warm-up " << base / 1024 << " KiB, after 100 edits " << end / 1024 << " KiB, peak "
                                   << peak / 1024 << " KiB");
    CHECK(double(end) < double(base) * 1.05);
}

TEST_CASE("fault: damaged weights that produce NaN stop the run with a message", "[fault][runs]") {
    // A copy of the embedded model with Inf in the UNet's output convolution: every noise
    // prediction is non-finite, as with a checkpoint damaged on disk.
    test::TempDir dir;
    const fs::path model = fs::path(dir.path()) / "model";
    fs::copy(fs::path(test::sourceDir()) / "weights" / "embedded", model, fs::copy_options::recursive);
    const std::string unet = (model / "unet" / "diffusion_pytorch_model.safetensors").string();
    std::map<std::string, at::Tensor> tensors;
    {
        io::SafetensorsFile f(unet);
        for (const auto& e : f.entries()) tensors[e.name] = f.load(e.name);
    }
    REQUIRE(tensors.count("conv_out.bias"));
    tensors["conv_out.bias"] = tensors["conv_out.bias"].clone().fill_(std::numeric_limits<float>::infinity());
    io::writeSafetensors(unet, tensors);
    Engine engine;
    ModelSpec spec;
    spec.path = model.string();
    engine.loadModel(spec);
    std::string message;
    try {
        engine.edit(quickRequest());
        FAIL("an edit with non-finite noise predictions must not finish");
    } catch (const Cancelled&) {
        FAIL("not a cancel");
    } catch (const Error& e) {
        message = e.what();
    }
    INFO(message);
    CHECK_THAT(message, Catch::Contains("NaN") && Catch::Contains("infinite"));
    CHECK_THAT(message, Catch::Contains("weights") || Catch::Contains("model"));
    // The good model in the same engine runs.
    engine.loadModel(ModelSpec{});
    CHECK_NOTHROW(engine.edit(quickRequest()));
}

TEST_CASE("fault: an absurd guidance weight either finishes finite or stops with a message", "[fault][runs]") {
    Engine& engine = embeddedEngine();
    EditRequest r = quickRequest(96, 64, 6);
    r.parameters.guidanceWeight = 100000;  // the table's maximum
    r.parameters.guidanceWindow = 1.0;
    r.parameters.guidanceAfterMove = false;
    r.parameters.gradientIterations = 3;
    try {
        EditResult res = engine.edit(r);
        CHECK(res.image.width == r.image.width);  // finite: clamped into 8-bit pixels
    } catch (const Cancelled&) {
        FAIL("not a cancel");
    } catch (const Error& e) {
        CHECK_THAT(std::string(e.what()), Catch::Contains("NaN or infinite"));
    }
    CHECK_NOTHROW(engine.edit(quickRequest()));
}

TEST_CASE("fault: a divergence's advice follows whether guidance was on", "[fault][runs]") {
    // Found by the GUI monkey (seed 9): with guidance off (the default) the message still said to
    // lower the guidance weight, which changes nothing.
    const std::string guided = drag::divergenceError(3, true).what();
    CHECK_THAT(guided, Catch::Contains("step 3") && Catch::Contains("lower the guidance weight"));
    const std::string plain = drag::divergenceError(4, false).what();
    CHECK_THAT(plain, Catch::Contains("step 4") && Catch::Contains("without guidance") && Catch::Contains("defaults"));
    CHECK_THAT(plain, !Catch::Contains("guidance weight") && !Catch::Contains("guidance cap"));
}

TEST_CASE("fault: running out of memory is reported as such and the engine stays usable", "[fault][runs]") {
    Engine& engine = embeddedEngine();
    EditRequest small = quickRequest();
    const EditResult reference = engine.edit(small);
    // A 10000 x 7000 picture needs far more than 64 MiB beyond what is mapped now; limit the
    // address space so that the edit's first large allocation fails, as on a full machine.
    EditRequest big = quickRequest(10000, 7000, 2);
    rlimit old{};
    REQUIRE(::getrlimit(RLIMIT_AS, &old) == 0);
    rlimit tight = old;
    tight.rlim_cur = rlim_t(virtualBytes() + (64u << 20));
    REQUIRE(::setrlimit(RLIMIT_AS, &tight) == 0);
    std::string message;
    bool threw = false;
    try {
        engine.edit(big);
    } catch (const Error& e) {
        threw = true;
        message = e.what();
    } catch (const std::exception& e) {
        message = std::string("not a dragdiff::Error: ") + e.what();
    }
    ::setrlimit(RLIMIT_AS, &old);
    INFO(message);
    CHECK(threw);
    CHECK_THAT(message, Catch::Contains("out of memory"));
    CHECK_THAT(message, Catch::Contains("smaller"));
    big = EditRequest();  // give the memory back before the next run
    EditResult after = engine.edit(small);
    CHECK(after.image.pixels == reference.image.pixels);
}

TEST_CASE("fault: a 1x1 image and a 10000x7000 image", "[fault][runs][images]") {
    Engine& engine = embeddedEngine();
    SECTION("1x1: a drag inside one pixel is refused with a message") {
        EditRequest r;
        r.image = sceneImage(1, 1);
        r.drags = {{{0.2, 0.2}, {0.8, 0.8}}};
        r.parameters.steps = 4;
        try {
            EditResult res = engine.edit(r);
            CHECK(res.image.width == 1);
            CHECK(res.image.height == 1);
        } catch (const InvalidRequest& e) {
            CHECK(std::string(e.what()).size() > 10);
        }
        CHECK_NOTHROW(engine.prepareImage(r.image));
    }
    SECTION("10000x7000: edited at the model's size, composited back at full size") {
        EditRequest r = quickRequest(10000, 7000, 3);
        const auto t0 = std::chrono::steady_clock::now();
        EditResult res = engine.edit(r);
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        INFO("10000x7000 edit took " << s << " s");
        REQUIRE(res.image.width == 10000);
        REQUIRE(res.image.height == 7000);
        // Far from the drag the pixels are the input's, bit for bit; near it they changed.
        auto at = [](const RgbaImage& img, int x, int y, int c) { return img.pixels[(size_t(y) * img.width + x) * 4 + c]; };
        for (int c = 0; c < 4; ++c) CHECK(at(res.image, 9900, 100, c) == at(r.image, 9900, 100, c));
        size_t changed = 0;
        for (int y = 2500; y < 4500; y += 10)
            for (int x = 2500; x < 5000; x += 10)
                changed += at(res.image, x, y, 0) != at(r.image, x, y, 0) || at(res.image, x, y, 1) != at(r.image, x, y, 1);
        CHECK(changed > 0);
        CHECK(s < 120);
    }
}

TEST_CASE("fault: LibTorch running out of memory mid-run is reported and the engine stays usable", "[fault][runs]") {
    // A small picture, so the image code allocates little; the UNet's activations and the
    // inversion's latents then hit the limit inside LibTorch (c10::Error from its allocator).
    Engine& engine = embeddedEngine();
    EditRequest r = quickRequest(256, 256, 20);
    r.parameters.strength = 1.0;
    r.parameters.previewEvery = 0;
    const EditResult reference = engine.edit(r);
    // Another picture: the engine's inversion cache holds the reference's trajectory, and an edit
    // that finds it cached allocates so little that it sometimes fitted in the headroom (a flaky
    // pass of the edit, seen under a parallel ctest). Another strength no longer misses the cache:
    // a lower one is served by the longer trajectory.
    EditRequest limited = r;
    limited.image.pixels[0] ^= 0xff;
    std::vector<void*> drained;
    drained.reserve(kMaxDrainBlocks);
    rlimit old{};
    REQUIRE(::getrlimit(RLIMIT_AS, &old) == 0);
    rlimit tight = old;
    tight.rlim_cur = rlim_t(virtualBytes() + (2u << 20));
    REQUIRE(::setrlimit(RLIMIT_AS, &tight) == 0);
    // The reference's run (and the tests before) left memory mapped in the allocator's free lists,
    // where the limited edit fitted about one run in two, alone and after the other out-of-memory test.
    drainFreeLists(drained, 2u << 20);
    std::string message;
    try {
        engine.edit(limited);
    } catch (const Error& e) {
        message = e.what();
    } catch (const std::exception& e) {
        message = std::string("not a dragdiff::Error: ") + e.what();
    }
    ::setrlimit(RLIMIT_AS, &old);
    releaseBlocks(drained);
    INFO(message);
    CHECK_THAT(message, Catch::Contains("ran out of memory"));
    CHECK_THAT(message, Catch::Contains("guided steps"));  // LibTorch's allocator failed, not the image code
    CHECK(engine.edit(r).image.pixels == reference.image.pixels);
}
