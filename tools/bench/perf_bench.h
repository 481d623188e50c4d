#pragma once
// `dragdiff-bench perf`: every cost of a drag edit measured side by side in one process: UNet
// forward, guided step (forward with features + heatmap + centroid + energies + backward to the
// latent), heatmap from cached features, VAE encode/decode, inversion step, a whole edit, and the
// peak RSS of the guided step and of the edit.
#include <string>

namespace dragdiff::bench {

struct PerfOptions {
    std::string arch = "embedded";  // "embedded" (weights/embedded), "sd15", "sd21" or "sdxl" (random weights)
    int size = 0;                   // image side in pixels; 0 = the model's native size
    std::string jsonPath;
    bool full = false;              // SD: also time a whole default edit (slow)
    int runs = 5;                   // timed runs per measurement (after one warm-up run)
    bool checkpointUpBlocks = false;  // guided step with activation checkpointing in the up-blocks
    bool channelsLast = false;        // UNet in channels-last layout (--channels-last); NCHW is the app's default
    bool gradCut = true;              // guided step: no autograd after the feature block (--full-graph: off)
    int threads = 0;                  // 0 = DRAGDIFF_THREADS or all cores
    bool unetOnly = false;            // skip the VAE timings and the edit (quick comparisons)
    int editSteps = 0;                // the edits' steps; 0 = the default parameters' (50)
    std::string command;              // the command line, for the report
};

// The names of the JSON's keys, in order (the list; guided_step_error: null, or why the
// guided step could not be measured, e.g. out of memory). Edits: edit_s is the cold edit (a new
// picture), edit_warm_s the same picture again; the edit_* pass counts are objects
// {"cold": {phase: n, ..., "total": n}, "warm": {...}} (see edit_cost.h).
const char* const kPerfKeys[] = {"unet_forward_s",     "guided_step_s",     "guided_ratio",     "guided_step_error",
                                 "heatmap_ms",         "vae_decode_s",      "vae_encode_s",
                                 "inversion_step_s",   "edit_s",            "edit_warm_s",
                                 "peak_rss_mb",        "pass_cost_ratios",  "edit_steps",
                                 "edit_unet_forwards", "edit_unet_partial_forwards", "edit_unet_backwards",
                                 "edit_vae_encodes",   "edit_vae_decodes",  "edit_forward_equivalents"};

// Runs the measurements: progress on stderr, the table on stdout, the JSON when asked. Throws
// dragdiff::Error (the embedded model missing, bad options).
void runPerfBenchmark(const PerfOptions& options);

}  // namespace dragdiff::bench
