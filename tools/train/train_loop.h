#pragma once
// What the VAE and UNet loops share: the learning-rate schedule, the progress line, the
// checkpoint clock and a clean stop on SIGINT/SIGTERM (checkpoint first, then exit).
#include "train/adamw.h"
#include "train/checkpoint.h"
#include "train/train_options.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace dragdiff::train {

// Linear warm-up to `lr`, then cosine decay to lr·minLrFraction at `steps` (constant after).
double learningRate(const TrainOptions& o, int64_t step);

// Threads and convolution backend for a run.
void configureTorch(const TrainOptions& o);

// With --resume, loads the folder's checkpoint into `resumed` (none: start fresh, said on stdout).
// Without it, refuses a folder that already holds one (returns false, says why on stderr), so a
// run is never overwritten by accident.
bool openCheckpointFolder(const TrainOptions& o, const char* kind, std::optional<Checkpoint>& resumed);

// --init-from: copies the `prefix` weights ("model." or "ema.") of o.initFrom's checkpoint, which
// must be a `kind` checkpoint whose config (through `normalize`) equals `config`, into `params`, and
// restarts `ema` from them. False when the folder does not fit (says why on stderr).
bool initFromCheckpoint(const TrainOptions& o, const char* kind, const nlohmann::json& config,
                        const std::function<nlohmann::json(const nlohmann::json&)>& normalize,
                        const std::string& prefix, const NamedTensors& params, Ema& ema);

// Installs SIGINT/SIGTERM handlers that only raise a flag the loop polls.
void installStopHandlers();
bool stopRequested();
void requestStop();  // for tests

// "unet step 1200/8000  loss 0.0712 (avg 0.0735)  lr 1.8e-04  |g| 0.41  1.52 steps/s  ETA 1h14m"
class ProgressLine {
public:
    ProgressLine(std::string what, int64_t firstStep, int64_t lastStep);
    void add(double loss);  // one step's loss
    // Prints when `step` is a multiple of `every` (or `force`); `extra` is appended.
    void maybePrint(int64_t step, int every, double lr, double gradNorm, const std::string& extra = "", bool force = false);
    double averageLoss() const { return count_ ? sum_ / count_ : 0.0; }

private:
    std::string what_;
    int64_t firstStep_;
    int64_t lastStep_;
    std::chrono::steady_clock::time_point start_;
    double sum_ = 0;
    int64_t count_ = 0;
    double last_ = 0;
    int64_t stepsSeen_ = 0;
};

// True every `minutes` of wall time since construction or the last true.
class Every {
public:
    explicit Every(double minutes) : minutes_(minutes), last_(std::chrono::steady_clock::now()) {}
    bool due();
    double minutesSinceStart() const;

private:
    double minutes_;
    std::chrono::steady_clock::time_point last_;
    std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

std::string formatDuration(double seconds);

}  // namespace dragdiff::train
