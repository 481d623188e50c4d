// dragdiff-bench: benchmarks of the drag engine on generated scenes with ground truth.
//   dragdiff-bench drag [--model embedded|PATH] --cases N --seed S [--kind KINDS|all] [--mask none|box|both] [--size PX]
//                       [--set key=value ...] [--json OUT.json] [--sheet OUT.png]
//                       [--baselines identity,reconstruction,warp|none] [--ablation NAME ...]
//   dragdiff-bench perf --arch embedded|sd15|sd21|sdxl [--size PX] [--json OUT.json] [--runs N] [--full]
//                       [--edit-steps N] [--checkpoint-up-blocks] [--threads N] [--channels-last] [--full-graph] [--unet-only]
// Exit codes: 0 done, 1 error (model, parameters, files), 2 usage, 130 interrupted (Ctrl-C: the
// finished cases are still reported; a second Ctrl-C quits at once).
#include "bench/bench_drag.h"
#include "bench/perf_bench.h"
#include "dragdiff/error.h"
#include "scenes/drag_case.h"

#include <c10/util/Exception.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

using namespace dragdiff;

namespace {

std::atomic<bool> gCancel{false};

void onInterrupt(int) {
    gCancel = true;
    std::signal(SIGINT, SIG_DFL);
}

void printUsage(FILE* out) {
    std::fprintf(out,
                 "usage: dragdiff-bench drag [--model embedded|PATH] --cases N --seed S [--kind KINDS|all]\n"
                 "                           [--mask none|box|both] [--size PX] [--set key=value ...] [--json OUT.json]\n"
                 "                           [--sheet OUT.png] [--baselines identity,reconstruction,warp|none] [--ablation NAME ...]\n"
                 "\n"
                 "Drags N generated cases of each kind (cases from the seed) and measures each result against the\n"
                 "case's ideal picture, rendered by the scene generator. Strict success: landmark error <= 0.25 of the\n"
                 "drag (centroid, peak top, dragged edge, limb tip, each pair), anchor drift <= 0.25 (opposite edge,\n"
                 "body, skyline), IoU >= 0.7, ghost <= 0.1, colour shift dE <= 10, background PSNR >= 28 dB. Move\n"
                 "cases also get today's definition: MD ratio (centroid error / drag distance) <= 0.25, area ratio in\n"
                 "[0.7, 1.3], background PSNR >= 25 dB. Reported beside strict success, not part of it: the smudge\n"
                 "rate (where the subject left, mean dE against the ideal > 12; includes what the subject hid).\n"
                 "  --model      embedded (default), a diffusers folder or a single-file checkpoint\n"
                 "  --kind       comma-separated: move (default), peak, stretch, bend, multi; or all\n"
                 "  --size       scene size in pixels (default: the model's native size)\n"
                 "  --mask       none (default); box: edit only the subject's grown source+target box;\n"
                 "               both: box, plus the method without a mask as ablation 'no-mask'\n"
                 "  --set        a parameter of the method (and of every baseline and ablation), repeatable\n"
                 "  --baselines  identity (input unchanged), reconstruction (latent_move=false, guidance_weight=0),\n"
                 "               warp (the warp preview scored as the result: the fields alone, no model pass)\n"
                 "  --ablation   repeatable or comma-separated: no-move, no-appearance, raw-cosine, softmax, block1,\n"
                 "               no-guidance, guidance (w 320), before-passes (50 steps, guided),\n"
                 "               share-attention, no-reshape, no-carry,\n"
                 "               before-reshape (both: the engine before reshaping), or all\n"
                 "  --json       the summary, baselines, ablations and per-case numbers\n"
                 "  --sheet      PNG contact sheets: input + drags | first handle's heatmap | result | ideal |\n"
                 "               warp preview (the fields the edit starts from; the captions name each pair's\n"
                 "               resolved mode); one per kind (OUT_<kind>.png) when several kinds run\n"
                 "The Markdown table goes to stdout, progress to stderr. DRAGDIFF_THREADS limits the threads.\n"
                 "\n"
                 "usage: dragdiff-bench perf --arch embedded|sd15|sd21|sdxl [--size PX] [--json OUT.json] [--runs N] [--full]\n"
                 "                           [--edit-steps N] [--checkpoint-up-blocks] [--threads N] [--channels-last] [--full-graph]\n"
                 "\n"
                 "Measures every cost of a drag edit in one process, medians after a warm-up run: UNet forward,\n"
                 "guided step (and its ratio to the forward), heatmap from cached features, VAE encode/decode,\n"
                 "inversion step, whole default edits cold (a new picture) and warm (the same picture again, its\n"
                 "inversion cached) with their UNet/VAE passes per phase and forward-equivalents, and the peak RSS\n"
                 "of the guided step and of the edits.\n"
                 "sd15/sd21/sdxl are built from their configs with random weights (no files needed).\n"
                 "  --size       image side (default: native for embedded and sdxl, 512 for sd15 and sd21)\n"
                 "  --runs       timed runs per measurement (default 5)\n"
                 "  --full       SD: also time whole default edits (minutes each)\n"
                 "  --edit-steps the edits' DDIM steps (default: the parameters' default, 15)\n"
                 "  --checkpoint-up-blocks  guided step with activation checkpointing in the up-blocks\n"
                 "  --threads    intra-op threads (default: DRAGDIFF_THREADS, else all cores)\n"
                 "  --channels-last  UNet in channels-last (NHWC) instead of NCHW, the default (--nchw: NCHW)\n"
                 "  --full-graph guided step records autograd after the feature block too (for comparison)\n"
                 "  --unet-only  skip the VAE and the edit (quick comparisons; their keys are null; previews are still timed)\n"
                 "  --json       unet_forward_s, guided_step_s, guided_ratio, heatmap_ms, vae_decode_s, vae_encode_s,\n"
                 "               inversion_step_s, edit_s (cold), edit_warm_s, peak_rss_mb {guided_step, edit,\n"
                 "               edit_warm}, pass_cost_ratios, edit_steps, and {cold, warm} x phase counts:\n"
                 "               edit_unet_forwards, edit_unet_partial_forwards, edit_unet_backwards,\n"
                 "               edit_vae_encodes, edit_vae_decodes, edit_forward_equivalents\n");
}

[[noreturn]] void usage(const std::string& why) {
    std::fprintf(stderr, "dragdiff-bench: %s\n", why.c_str());
    printUsage(stderr);
    std::exit(2);
}

std::vector<std::string> splitList(const std::string& s) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start <= s.size()) {
        const size_t comma = s.find(',', start);
        const std::string part = s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (!part.empty()) out.push_back(part);
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return out;
}

long long number(const std::string& option, const std::string& value) {
    char* end = nullptr;
    const long long x = std::strtoll(value.c_str(), &end, 10);
    if (value.empty() || *end != '\0' || x < 0) usage(option + " '" + value + "' must be a non-negative whole number");
    return x;
}

std::string commandLine(int argc, char** argv) {
    std::string out;
    for (int i = 0; i < argc; ++i) out += (i ? " " : "") + std::string(argv[i]);
    return out;
}

using ValueReader = std::function<std::string()>;

// Walks argv[2..] as options, "--name value" or "--name=value"; `handle` returns false for an
// option it does not know.
void parseOptions(int argc, char** argv, const std::function<bool(const std::string&, const ValueReader&)>& handle) {
    for (int i = 2; i < argc; ++i) {
        std::string a = argv[i], inlineValue;
        bool hasInline = false;
        if (const size_t eq = a.find('='); a.rfind("--", 0) == 0 && eq != std::string::npos) {
            inlineValue = a.substr(eq + 1);
            a = a.substr(0, eq);
            hasInline = true;
        }
        const ValueReader value = [&]() -> std::string {
            if (hasInline) return inlineValue;
            if (i + 1 >= argc) usage("missing value after " + a);
            return argv[++i];
        };
        if (a == "--help" || a == "-h") {
            printUsage(stdout);
            std::exit(0);
        }
        if (!handle(a, value)) usage("unknown option " + a);
    }
}

bench::DragBenchOptions parseDrag(int argc, char** argv) {
    bench::DragBenchOptions o;
    o.command = commandLine(argc, argv);
    bool haveCases = false, haveSeed = false;
    parseOptions(argc, argv, [&](const std::string& a, const ValueReader& value) {
        if (a == "--model") {
            o.model = value();
        } else if (a == "--cases") {
            o.cases = int(number(a, value()));
            haveCases = true;
        } else if (a == "--seed") {
            o.seed = uint64_t(number(a, value()));
            haveSeed = true;
        } else if (a == "--kind" || a == "--kinds") {
            o.kinds = value();
            try {
                scenes::parseDragKinds(o.kinds);
            } catch (const Error& e) {
                usage(e.what());
            }
        } else if (a == "--mask") {
            o.mask = value();
            if (o.mask != "none" && o.mask != "box" && o.mask != "both") usage("--mask must be none, box or both");
        } else if (a == "--size") {
            o.size = int(number(a, value()));
        } else if (a == "--set") {
            const std::string kv = value();
            const size_t eq = kv.find('=');
            if (eq == std::string::npos || eq == 0) usage("--set '" + kv + "' must be key=value");
            o.set.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
        } else if (a == "--json") {
            o.jsonPath = value();
        } else if (a == "--sheet") {
            o.sheetPath = value();
        } else if (a == "--baselines") {
            const std::string v = value();
            o.baselines = v == "none" ? std::vector<std::string>{} : splitList(v);
        } else if (a == "--ablation" || a == "--ablations") {
            for (const auto& name : splitList(value())) o.ablations.push_back(name);
        } else {
            return false;
        }
        return true;
    });
    if (!haveCases) usage("--cases is required");
    if (!haveSeed) usage("--seed is required");
    if (o.cases < 1) usage("--cases must be at least 1");
    return o;
}

bench::PerfOptions parsePerf(int argc, char** argv) {
    bench::PerfOptions o;
    o.command = commandLine(argc, argv);
    bool haveArch = false;
    parseOptions(argc, argv, [&](const std::string& a, const ValueReader& value) {
        if (a == "--arch") {
            o.arch = value();
            if (o.arch != "embedded" && o.arch != "sd15" && o.arch != "sd21" && o.arch != "sdxl")
                usage("--arch must be embedded, sd15, sd21 or sdxl");
            haveArch = true;
        } else if (a == "--size") {
            o.size = int(number(a, value()));
        } else if (a == "--json") {
            o.jsonPath = value();
        } else if (a == "--runs") {
            o.runs = int(number(a, value()));
            if (o.runs < 1) usage("--runs must be at least 1");
        } else if (a == "--threads") {
            o.threads = int(number(a, value()));
        } else if (a == "--edit-steps") {
            o.editSteps = int(number(a, value()));
            if (o.editSteps < 1) usage("--edit-steps must be at least 1");
        } else if (a == "--full") {
            o.full = true;
        } else if (a == "--checkpoint-up-blocks") {
            o.checkpointUpBlocks = true;
        } else if (a == "--nchw") {
            o.channelsLast = false;
        } else if (a == "--channels-last") {
            o.channelsLast = true;
        } else if (a == "--unet-only") {
            o.unetOnly = true;
        } else if (a == "--full-graph") {
            o.gradCut = false;
        } else {
            return false;
        }
        return true;
    });
    if (!haveArch) usage("--arch is required");
    return o;
}

// Runs a benchmark and turns what it throws into the exit codes above, with the message on stderr.
int runReportingErrors(const std::function<int()>& run) {
    try {
        return run();
    } catch (const Cancelled&) {
        std::fprintf(stderr, "dragdiff-bench: interrupted before the first case finished\n");
        return 130;
    } catch (const Error& e) {
        std::fprintf(stderr, "dragdiff-bench: %s\n", e.what());
    } catch (const c10::Error& e) {
        // LibTorch's own (out of memory above all): its message without the C++ backtrace.
        std::fprintf(stderr, "dragdiff-bench: LibTorch: %s\n", e.what_without_backtrace());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "dragdiff-bench: unexpected error: %s\n", e.what());
    }
    return 1;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) usage("a benchmark is required (drag or perf)");
    const std::string command = argv[1];
    if (command == "--help" || command == "-h" || command == "help") {
        printUsage(stdout);
        return 0;
    }
    if (command == "perf") {
        const bench::PerfOptions options = parsePerf(argc, argv);
        return runReportingErrors([&] {
            bench::runPerfBenchmark(options);
            return 0;
        });
    }
    if (command != "drag") usage("unknown benchmark '" + command + "' (expected drag or perf)");
    const bench::DragBenchOptions options = parseDrag(argc, argv);
    std::signal(SIGINT, onInterrupt);
    return runReportingErrors([&] { return bench::runDragBenchmark(options, &gCancel) ? 0 : 130; });
}
