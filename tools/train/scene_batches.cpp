#include "train/scene_batches.h"

#include "scenes/scene_generator.h"
#include "scenes/scene_rng.h"

#include <cstring>

namespace dragdiff::train {

uint64_t stepSeed(uint64_t runSeed, int64_t step, uint64_t purpose) {
    return scenes::mixSeed(scenes::mixSeed(runSeed, static_cast<uint64_t>(step)), purpose);
}

namespace {

// Copies one RGB8 scene into a [3, size, size] float slice, scaled to [-1, 1].
void copyScene(const cv::Mat& rgb, at::Tensor out, bool flip) {
    at::Tensor hwc = at::from_blob(rgb.data, {rgb.rows, rgb.cols, 3}, at::kByte);
    at::Tensor chw = hwc.permute({2, 0, 1}).to(at::kFloat).div_(127.5).sub_(1.0);
    if (flip) chw = chw.flip({2});
    out.copy_(chw);
}

}  // namespace

at::Tensor sceneTensor(uint64_t firstSeed, int count, int size) {
    at::Tensor out = at::empty({count, 3, size, size}, at::kFloat);
    for (int i = 0; i < count; ++i) copyScene(scenes::generateScene(firstSeed + i, size).rgb, out[i], false);
    return out;
}

at::Tensor trainingBatch(uint64_t runSeed, int64_t step, int batch, int size) {
    at::Tensor out = at::empty({batch, 3, size, size}, at::kFloat);
    scenes::Rng rng(stepSeed(runSeed, step, /*purpose=*/1));
    for (int i = 0; i < batch; ++i) {
        const uint64_t seed = rng.next() % kTrainSeedLimit;
        const bool flip = (rng.next() >> 63) != 0;
        copyScene(scenes::generateScene(seed, size).rgb, out[i], flip);
    }
    return out;
}

BatchPrefetcher::~BatchPrefetcher() {
    if (pending_.valid()) pending_.wait();
}

void BatchPrefetcher::start(int64_t step) {
    pendingStep_ = step;
    pending_ = std::async(std::launch::async, [=] { return trainingBatch(runSeed_, step, batch_, size_); });
}

at::Tensor BatchPrefetcher::get(int64_t step) {
    if (pendingStep_ != step) {
        if (pending_.valid()) pending_.wait();
        start(step);
    }
    at::Tensor batch = pending_.get();
    start(step + 1);
    return batch;
}

}  // namespace dragdiff::train
