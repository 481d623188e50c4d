#pragma once
// Training and held-out images: procedural scenes (core/scenes) as float tensors in [-1, 1].
// A batch is a pure function of (run seed, step), so a resumed run sees exactly the images the
// uninterrupted run would have seen, and nothing about the data needs checkpointing.
#include <ATen/ATen.h>

#include <cstdint>
#include <future>

namespace dragdiff::train {

// Training scenes use seeds below this; [kHeldOutSeedBase, 1e9) stays unseen for evaluation.
constexpr uint64_t kTrainSeedLimit = 500'000'000ULL;
constexpr uint64_t kHeldOutSeedBase = 500'000'000ULL;

// A per-(run, step, purpose) 64-bit seed for scene choice, flips, noise and timesteps.
uint64_t stepSeed(uint64_t runSeed, int64_t step, uint64_t purpose);

// [count, 3, size, size] float in [-1, 1] of scenes firstSeed, firstSeed+1, ... (no flips).
at::Tensor sceneTensor(uint64_t firstSeed, int count, int size);

// The training batch of `step`: random training seeds, random horizontal flips.
at::Tensor trainingBatch(uint64_t runSeed, int64_t step, int batch, int size);

// Builds the next step's batch on a second thread while the current step trains.
class BatchPrefetcher {
public:
    BatchPrefetcher(uint64_t runSeed, int batch, int size) : runSeed_(runSeed), batch_(batch), size_(size) {}
    ~BatchPrefetcher();
    at::Tensor get(int64_t step);  // the batch of `step`, then starts step + 1

private:
    void start(int64_t step);
    uint64_t runSeed_;
    int batch_;
    int size_;
    int64_t pendingStep_ = -1;
    std::future<at::Tensor> pending_;
};

}  // namespace dragdiff::train
