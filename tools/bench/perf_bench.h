#pragma once
// `dragdiff-bench perf`: every cost of a drag edit measured side by side in one process: UNet
// forward, guided step (forward with features + heatmap + centroid + energies + backward to the
// latent), heatmap from cached features, VAE encode/decode, inversion step, a whole edit, and the
// peak RSS of the guided step and of the edit.
#include <string>

namespace dragdiff::bench {

struct PerfOptions {
    std::string arch = "embedded";  // "embedded" (weights/embedded), "sd15" or "sd21" (random weights)
    int size = 0;                   // image side in pixels; 0 = the model's native size
    std::string jsonPath;
    bool full = false;              // SD: also time a whole default edit (slow)
    int runs = 5;                   // timed runs per measurement (after one warm-up run)
    bool checkpointUpBlocks = false;  // guided step with activation checkpointing in the up-blocks
    bool channelsLast = false;        // UNet in channels-last layout (--channels-last); NCHW is the app's default
    bool gradCut = true;              // guided step: no autograd after the feature block (--full-graph: off)
    int threads = 0;                  // 0 = DRAGDIFF_THREADS or all cores
    bool unetOnly = false;            // skip the VAE timings and the edit (quick comparisons)
    std::string command;              // the command line, for the report
};

// The names of the JSON's keys, in order (the list).
const char* const kPerfKeys[] = {"unet_forward_s", "guided_step_s", "guided_ratio", "heatmap_ms",   "vae_decode_s",
                                 "vae_encode_s",   "inversion_step_s", "edit_s",    "peak_rss_mb"};

// Runs the measurements: progress on stderr, the table on stdout, the JSON when asked. Throws
// dragdiff::Error (the embedded model missing, bad options).
void runPerfBenchmark(const PerfOptions& options);

}  // namespace dragdiff::bench
