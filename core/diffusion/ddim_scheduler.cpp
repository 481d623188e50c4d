// Ports diffusers DDIMScheduler and DDIMInverseScheduler.step (v0.27.2); see ddim_scheduler.h.
#include "diffusion/ddim_scheduler.h"

#include "dragdiff/error.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>

namespace dragdiff::diffusion {
namespace {

// Tolerance for strength·N landing a hair above an integer (0.7·50 = 35.000000000000004).
constexpr double kStrengthSlack = 1e-9;

PredictionType parsePredictionType(const std::string& s) {
    if (s == "epsilon") return PredictionType::Epsilon;
    if (s == "v_prediction") return PredictionType::VPrediction;
    if (s == "sample") return PredictionType::Sample;
    throw InvalidRequest("DDIM scheduler: prediction_type '" + s +
                         "' is not supported (use epsilon, v_prediction or sample)");
}

// np.round then astype(int64): round half to even (nearbyint under the default rounding mode).
int64_t roundHalfEven(double v) { return static_cast<int64_t>(std::nearbyint(v)); }

// diffusers' rescale_zero_terminal_snr, in float32 with the reference's operation order.
at::Tensor rescaleZeroTerminalSnr(const at::Tensor& betas) {
    at::Tensor alphas = at::rsub(betas, 1.0);
    at::Tensor alphasBarSqrt = at::cumprod(alphas, 0).sqrt();
    at::Tensor first = alphasBarSqrt[0].clone();
    at::Tensor last = alphasBarSqrt[-1].clone();
    alphasBarSqrt = alphasBarSqrt - last;
    alphasBarSqrt = alphasBarSqrt * (first / (first - last));
    at::Tensor alphasBar = at::pow(alphasBarSqrt, 2);
    at::Tensor ratios = alphasBar.slice(0, 1) / alphasBar.slice(0, 0, -1);
    return at::rsub(at::cat({alphasBar.slice(0, 0, 1), ratios}), 1);
}

}  // namespace

std::vector<int64_t> ddimTimesteps(const std::string& spacing, int numTrainTimesteps, int numInferenceSteps,
                                   int stepsOffset) {
    const int64_t T = numTrainTimesteps;
    const int64_t N = numInferenceSteps;
    if (N < 1 || N > T)
        throw InvalidRequest("DDIM scheduler: the number of inference steps must be between 1 and " +
                             std::to_string(T) + " (num_train_timesteps), got " + std::to_string(N));
    std::vector<int64_t> out;
    if (spacing == "leading") {
        // (np.arange(0, N) * (T // N)).round()[::-1] + steps_offset
        const int64_t ratio = T / N;
        for (int64_t i = N - 1; i >= 0; --i) out.push_back(i * ratio + stepsOffset);
    } else if (spacing == "trailing") {
        // np.round(np.arange(T, 0, -T / N)) - 1. numpy's float arange has ceil((stop - start) / step)
        // elements: start, start + step, then start + i·d with d = (start + step) - start.
        const double step = -(static_cast<double>(T) / static_cast<double>(N));
        const double start = static_cast<double>(T);
        const auto length = static_cast<int64_t>(std::ceil((0.0 - start) / step));
        const double second = start + step;
        const double delta = second - start;
        for (int64_t i = 0; i < length; ++i) {
            const double v = i == 0 ? start : i == 1 ? second : start + static_cast<double>(i) * delta;
            out.push_back(roundHalfEven(v) - 1);
        }
    } else if (spacing == "linspace") {
        // np.linspace(0, T - 1, N).round()[::-1]: i·((T-1)/(N-1)), the last value exactly T-1.
        if (N == 1) return {0};
        const double step = static_cast<double>(T - 1) / static_cast<double>(N - 1);
        for (int64_t i = N - 1; i >= 0; --i)
            out.push_back(i == N - 1 ? T - 1 : roundHalfEven(static_cast<double>(i) * step + 0.0));
    } else {
        throw InvalidRequest("DDIM scheduler: timestep_spacing '" + spacing +
                             "' is not supported (use leading, trailing or linspace)");
    }
    return out;
}

DDIMScheduler::DDIMScheduler(const models::DDIMConfig& config) : config_(config) {
    const int T = config_.numTrainTimesteps;
    if (T < 2) throw InvalidRequest("DDIM scheduler: num_train_timesteps must be at least 2, got " + std::to_string(T));
    if (config_.stepsOffset < 0)
        throw InvalidRequest("DDIM scheduler: steps_offset must not be negative, got " +
                             std::to_string(config_.stepsOffset));
    if (config_.thresholding)
        throw InvalidRequest("DDIM scheduler: thresholding is not supported (set \"thresholding\": false)");
    if (config_.clipSample && !(config_.clipSampleRange > 0))
        throw InvalidRequest("DDIM scheduler: clip_sample_range must be positive");
    predictionType_ = parsePredictionType(config_.predictionType);
    ddimTimesteps(config_.timestepSpacing, T, 1, 0);  // validates the spacing name

    if (!config_.trainedBetas.empty()) {
        if (static_cast<int>(config_.trainedBetas.size()) != T)
            throw InvalidRequest("DDIM scheduler: trained_betas has " + std::to_string(config_.trainedBetas.size()) +
                                 " entries, num_train_timesteps is " + std::to_string(T));
        betas_ = at::tensor(config_.trainedBetas, at::kDouble).to(at::kFloat);
    } else if (config_.betaSchedule == "linear") {
        betas_ = at::linspace(config_.betaStart, config_.betaEnd, T, at::kFloat);
    } else if (config_.betaSchedule == "scaled_linear") {
        // torch.linspace(beta_start**0.5, beta_end**0.5, T, dtype=float32) ** 2
        betas_ = at::pow(at::linspace(std::pow(config_.betaStart, 0.5), std::pow(config_.betaEnd, 0.5), T, at::kFloat),
                         2);
    } else {
        throw InvalidRequest("DDIM scheduler: beta_schedule '" + config_.betaSchedule +
                             "' is not supported (use linear or scaled_linear)");
    }
    if (config_.rescaleBetasZeroSnr) betas_ = rescaleZeroTerminalSnr(betas_);

    alphasCumprod_ = at::cumprod(at::rsub(betas_, 1.0), 0);  // [T] float32
    finalAlphaCumprod_ = config_.setAlphaToOne ? at::scalar_tensor(1.0, at::kFloat) : alphasCumprod_[0].clone();
    // Before setTimesteps the reference holds every training timestep, descending.
    timesteps_ = at::arange(T - 1, -1, -1, at::kLong);
}

void DDIMScheduler::setTimesteps(int numInferenceSteps) {
    std::vector<int64_t> ts =
        ddimTimesteps(config_.timestepSpacing, config_.numTrainTimesteps, numInferenceSteps, config_.stepsOffset);
    timesteps_ = at::tensor(ts, at::kLong);
    numInferenceSteps_ = numInferenceSteps;
}

const at::Tensor& DDIMScheduler::timesteps() const { return timesteps_; }

std::vector<int64_t> DDIMScheduler::timestepList() const {
    at::Tensor c = timesteps_.contiguous();
    return std::vector<int64_t>(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
}

at::Tensor DDIMScheduler::inverseTimesteps() const {
    requireTimesteps("inverseTimesteps");
    return timesteps_.flip({0});
}

int64_t DDIMScheduler::stepRatio() const {
    requireTimesteps("stepRatio");
    return config_.numTrainTimesteps / numInferenceSteps_;
}

int DDIMScheduler::startIndex(double strength) const {
    requireTimesteps("startIndex");
    if (!(strength > 0.0 && strength <= 1.0))
        throw InvalidRequest("inversion strength must be in (0, 1], got " + std::to_string(strength));
    const int n = numInferenceSteps_;
    int kept = static_cast<int>(std::ceil(strength * n - kStrengthSlack));
    kept = std::clamp(kept, 1, n);
    return n - kept;
}

void DDIMScheduler::requireTimesteps(const char* what) const {
    if (numInferenceSteps_ <= 0)
        throw InvalidRequest(std::string("DDIM scheduler: call setTimesteps before ") + what);
}

void DDIMScheduler::checkTimestep(int64_t t, const char* what) const {
    if (t < 0 || t >= config_.numTrainTimesteps)
        throw InvalidRequest(std::string("DDIM scheduler: ") + what + " timestep " + std::to_string(t) +
                             " is outside [0, " + std::to_string(config_.numTrainTimesteps) + ")");
}

at::Tensor DDIMScheduler::alphaProductTensor(int64_t t) const {
    if (t < 0) return finalAlphaCumprod_;
    checkTimestep(t, "alphaProduct");
    return alphasCumprod_[t];
}

double DDIMScheduler::alphaProduct(int64_t t) const { return alphaProductTensor(t).item<double>(); }

std::pair<at::Tensor, at::Tensor> DDIMScheduler::convert(const at::Tensor& modelOutput, const at::Tensor& sample,
                                                         const at::Tensor& alphaProdT) const {
    // Same expressions, same order as DDIMScheduler.step, step 3.
    const at::Tensor betaProdT = at::rsub(alphaProdT, 1);
    switch (predictionType_) {
        case PredictionType::Epsilon: {
            at::Tensor x0 = (sample - at::pow(betaProdT, 0.5) * modelOutput) / at::pow(alphaProdT, 0.5);
            return {x0, modelOutput};
        }
        case PredictionType::Sample: {
            at::Tensor eps = (sample - at::pow(alphaProdT, 0.5) * modelOutput) / at::pow(betaProdT, 0.5);
            return {modelOutput, eps};
        }
        case PredictionType::VPrediction: {
            at::Tensor x0 = at::pow(alphaProdT, 0.5) * sample - at::pow(betaProdT, 0.5) * modelOutput;
            at::Tensor eps = at::pow(alphaProdT, 0.5) * modelOutput + at::pow(betaProdT, 0.5) * sample;
            return {x0, eps};
        }
    }
    throw InvalidRequest("DDIM scheduler: unknown prediction type");
}

at::Tensor DDIMScheduler::clip(const at::Tensor& predOriginal) const {
    if (!config_.clipSample) return predOriginal;
    return predOriginal.clamp(-config_.clipSampleRange, config_.clipSampleRange);
}

at::Tensor DDIMScheduler::predictOriginal(const at::Tensor& modelOutput, const at::Tensor& sample, int64_t t) const {
    checkTimestep(t, "predictOriginal");
    return convert(modelOutput, sample, alphasCumprod_[t]).first;
}

at::Tensor DDIMScheduler::predictEpsilon(const at::Tensor& modelOutput, const at::Tensor& sample, int64_t t) const {
    checkTimestep(t, "predictEpsilon");
    return convert(modelOutput, sample, alphasCumprod_[t]).second;
}

DDIMStepOutput DDIMScheduler::step(const at::Tensor& modelOutput, int64_t timestep, const at::Tensor& sample) const {
    requireTimesteps("step");
    checkTimestep(timestep, "step");
    const int64_t prev = prevTimestep(timestep);
    const at::Tensor alphaProdT = alphasCumprod_[timestep];
    const at::Tensor alphaProdPrev = prev >= 0 ? alphasCumprod_[prev] : finalAlphaCumprod_;

    auto [predOriginal, predEpsilon] = convert(modelOutput, sample, alphaProdT);
    predOriginal = clip(predOriginal);
    // eta = 0: σ_t = 0, so the direction term is sqrt(1 - ᾱ_prev)·ε (reference: use_clipped_model_output=False).
    at::Tensor direction = at::pow(at::rsub(alphaProdPrev, 1), 0.5) * predEpsilon;
    at::Tensor prevSample = at::pow(alphaProdPrev, 0.5) * predOriginal + direction;
    return {prevSample, predOriginal};
}

DDIMStepOutput DDIMScheduler::inverseStep(const at::Tensor& modelOutput, int64_t timestep,
                                          const at::Tensor& sample) const {
    requireTimesteps("inverseStep");
    checkTimestep(timestep, "inverseStep");
    const int64_t current = std::min<int64_t>(timestep - stepRatio(), config_.numTrainTimesteps - 1);
    const at::Tensor alphaProdT = current >= 0 ? alphasCumprod_[current] : finalAlphaCumprod_;
    const at::Tensor alphaProdNext = alphasCumprod_[timestep];

    auto [predOriginal, predEpsilon] = convert(modelOutput, sample, alphaProdT);
    predOriginal = clip(predOriginal);
    at::Tensor direction = at::pow(at::rsub(alphaProdNext, 1), 0.5) * predEpsilon;
    at::Tensor nextSample = at::pow(alphaProdNext, 0.5) * predOriginal + direction;
    return {nextSample, predOriginal};
}

std::pair<at::Tensor, at::Tensor> DDIMScheduler::noiseScales(const at::Tensor& like,
                                                             const at::Tensor& timesteps) const {
    if (!at::isIntegralType(timesteps.scalar_type(), /*includeBool=*/false))
        throw InvalidRequest("DDIM scheduler: addNoise timesteps must be integers");
    at::Tensor ts = timesteps.to(at::kCPU, at::kLong).reshape({-1});
    if (ts.numel() == 0) throw InvalidRequest("DDIM scheduler: addNoise got no timestep");
    const int64_t lo = ts.min().item<int64_t>();
    const int64_t hi = ts.max().item<int64_t>();
    checkTimestep(lo, "addNoise");
    checkTimestep(hi, "addNoise");
    // As the reference: ᾱ cast to the sample's dtype first, then gathered and square-rooted.
    at::Tensor alphas = alphasCumprod_.to(like.scalar_type()).index_select(0, ts);  // [B]
    at::Tensor sqrtAlpha = at::pow(alphas, 0.5);
    at::Tensor sqrtOneMinusAlpha = at::pow(at::rsub(alphas, 1), 0.5);
    while (sqrtAlpha.dim() < like.dim()) {
        sqrtAlpha = sqrtAlpha.unsqueeze(-1);  // [B, 1, 1, 1]
        sqrtOneMinusAlpha = sqrtOneMinusAlpha.unsqueeze(-1);
    }
    return {sqrtAlpha.to(like.device()), sqrtOneMinusAlpha.to(like.device())};
}

at::Tensor DDIMScheduler::addNoise(const at::Tensor& original, const at::Tensor& noise,
                                   const at::Tensor& timesteps) const {
    auto [sqrtAlpha, sqrtOneMinusAlpha] = noiseScales(original, timesteps);
    return sqrtAlpha * original + sqrtOneMinusAlpha * noise;
}

at::Tensor DDIMScheduler::addNoise(const at::Tensor& original, const at::Tensor& noise, int64_t t) const {
    return addNoise(original, noise, at::scalar_tensor(t, at::kLong));
}

at::Tensor DDIMScheduler::getVelocity(const at::Tensor& sample, const at::Tensor& noise,
                                      const at::Tensor& timesteps) const {
    auto [sqrtAlpha, sqrtOneMinusAlpha] = noiseScales(sample, timesteps);
    return sqrtAlpha * noise - sqrtOneMinusAlpha * sample;
}

}  // namespace dragdiff::diffusion
