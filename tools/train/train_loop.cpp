#include "train/train_loop.h"

#include <ATen/Context.h>
#include <ATen/Parallel.h>

#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdio>

namespace dragdiff::train {

namespace {
std::atomic<bool> gStop{false};
extern "C" void onStopSignal(int) { gStop.store(true); }
constexpr double kPi = 3.14159265358979323846;
}  // namespace

double learningRate(const TrainOptions& o, int64_t step) {
    if (o.warmup > 0 && step < o.warmup) return o.lr * static_cast<double>(step + 1) / o.warmup;
    const double span = std::max<double>(1.0, static_cast<double>(o.steps - o.warmup));
    const double progress = std::min(1.0, static_cast<double>(step - o.warmup) / span);
    const double floor = o.lr * o.minLrFraction;
    return floor + (o.lr - floor) * 0.5 * (1.0 + std::cos(kPi * progress));
}

void configureTorch(const TrainOptions& o) {
    at::set_num_threads(o.threads);
    at::globalContext().setUserEnabledMkldnn(o.mkldnn);
    // Denormal floats (tiny Adam moments, tiny activations) slow x86 arithmetic by orders of
    // magnitude; flushing them to zero changes nothing measurable in training.
    at::globalContext().setFlushDenormal(true);
}

void installStopHandlers() {
    std::signal(SIGINT, onStopSignal);
    std::signal(SIGTERM, onStopSignal);
}
bool stopRequested() { return gStop.load(); }
void requestStop() { gStop.store(true); }

std::string formatDuration(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0) return "?";
    const long s = std::lround(seconds);
    char buf[32];
    if (s >= 3600)
        std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, (s / 60) % 60);
    else
        std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
    return buf;
}

ProgressLine::ProgressLine(std::string what, int64_t firstStep, int64_t lastStep)
    : what_(std::move(what)), firstStep_(firstStep), lastStep_(lastStep), start_(std::chrono::steady_clock::now()) {}

void ProgressLine::add(double loss) {
    last_ = loss;
    sum_ += loss;
    ++count_;
    ++stepsSeen_;
}

void ProgressLine::maybePrint(int64_t step, int every, double lr, double gradNorm, const std::string& extra, bool force) {
    if (!force && (every <= 0 || step % every != 0)) return;
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const double rate = elapsed > 0 ? static_cast<double>(stepsSeen_) / elapsed : 0.0;
    const double eta = rate > 0 ? static_cast<double>(lastStep_ - step) / rate : -1;
    std::printf("%s step %lld/%lld  loss %.5f (avg %.5f)  lr %.2e  |g| %.3f  %.2f steps/s  elapsed %s  ETA %s%s%s\n",
                what_.c_str(), static_cast<long long>(step), static_cast<long long>(lastStep_), last_, averageLoss(),
                lr, gradNorm, rate, formatDuration(elapsed).c_str(), formatDuration(eta).c_str(),
                extra.empty() ? "" : "  ", extra.c_str());
    std::fflush(stdout);
    sum_ = 0;
    count_ = 0;
}

bool Every::due() {
    const auto now = std::chrono::steady_clock::now();
    if (std::chrono::duration<double>(now - last_).count() < minutes_ * 60.0) return false;
    last_ = now;
    return true;
}

double Every::minutesSinceStart() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count() / 60.0;
}

bool openCheckpointFolder(const TrainOptions& o, const char* kind, std::optional<Checkpoint>& resumed) {
    if (o.resume) {
        resumed = loadCheckpoint(o.checkpointDir);
        if (!resumed) std::printf("%s: no checkpoint in %s, starting fresh\n", kind, o.checkpointDir.c_str());
        return true;
    }
    if (loadCheckpoint(o.checkpointDir)) {
        std::fprintf(stderr, "%s: %s already holds a checkpoint; pass --resume or choose another --ckpt\n", kind,
                     o.checkpointDir.c_str());
        return false;
    }
    return true;
}

bool initFromCheckpoint(const TrainOptions& o, const char* kind, const nlohmann::json& config,
                        const std::function<nlohmann::json(const nlohmann::json&)>& normalize,
                        const std::string& prefix, const NamedTensors& params, Ema& ema) {
    const std::optional<Checkpoint> init = loadCheckpoint(o.initFrom);
    if (!init || init->sidecar.value("kind", "") != kind) {
        std::fprintf(stderr, "%s: --init-from %s holds no %s checkpoint\n", kind, o.initFrom.c_str(), kind);
        return false;
    }
    if (normalize(init->sidecar.at("config")) != config) {
        std::fprintf(stderr, "%s: --init-from %s has another %s configuration than this run\n", kind, o.initFrom.c_str(),
                     kind);
        return false;
    }
    copyInto(params, withPrefix(init->tensors, prefix), "--init-from checkpoint");
    ema = Ema(params, o.emaDecay);
    std::printf("%s: initialised from the %sweights of %s (step %lld)\n", kind, prefix == "ema." ? "EMA " : "",
                o.initFrom.c_str(), static_cast<long long>(init->sidecar.at("step").get<int64_t>()));
    return true;
}

}  // namespace dragdiff::train
