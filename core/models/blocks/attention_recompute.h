#pragma once
// Activation checkpointing for attention: while an AttentionRecomputeScope is alive on this
// thread, attention under autograd (scaledDotProductAttention) keeps only q, k and v and recomputes
// its weights in the backward pass. The [B·h, Lq, Lk] weights are the largest activations of SD's
// 64×64 blocks: 537 MB per self-attention in fp32.

namespace dragdiff::models {

class AttentionRecomputeScope {
public:
    explicit AttentionRecomputeScope(bool on);
    ~AttentionRecomputeScope();
    AttentionRecomputeScope(const AttentionRecomputeScope&) = delete;
    AttentionRecomputeScope& operator=(const AttentionRecomputeScope&) = delete;

private:
    bool previous_;
};

}  // namespace dragdiff::models
