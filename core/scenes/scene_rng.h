#pragma once
// The scene generator's own random numbers. A seed must give the same scene with every
// standard library and compiler, and the std:: distributions are not specified bit for bit
// (libstdc++ and libc++ differ), so everything here is integer arithmetic on SplitMix64.
#include <cstdint>

namespace dragdiff::scenes {

// One SplitMix64 step (Steele, Lea, Flood 2014): a bijective, well-mixed hash of 64 bits.
constexpr uint64_t splitMix64(uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

// An independent stream per (seed, purpose): changing how objects are drawn must not change the
// sky of the same seed, so every part of a scene draws from its own stream.
constexpr uint64_t mixSeed(uint64_t seed, uint64_t stream) {
    return splitMix64(seed ^ splitMix64(stream * 0xd1b54a32d192ed03ULL + 0x632be59bd9b4e019ULL));
}

class Rng {
public:
    explicit Rng(uint64_t seed) : state_(seed) {}

    uint64_t next() {
        state_ += 0x9e3779b97f4a7c15ULL;
        uint64_t z = state_;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    // [0, 1) with 53 random bits.
    double uniform() { return double(next() >> 11) * 0x1.0p-53; }
    double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
    // [lo, hi] inclusive. Multiply-shift: the bias (< 2^-32) is irrelevant for scenes.
    int uniformInt(int lo, int hi) {
        const uint64_t span = uint64_t(int64_t(hi) - int64_t(lo) + 1);
        return int(int64_t(lo) + int64_t(((next() >> 32) * span) >> 32));
    }
    bool chance(double p) { return uniform() < p; }

private:
    uint64_t state_;
};

}  // namespace dragdiff::scenes
