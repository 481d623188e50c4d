#include "drag/shared_attention.h"

#include <torch/csrc/autograd/grad_mode.h>

namespace dragdiff::drag {

SharedAttention::SharedAttention(const EditContext& c, const at::Tensor& original, int64_t t)
    : kv_(std::make_shared<std::map<Site, std::pair<at::Tensor, at::Tensor>>>()) {
    at::NoGradGuard noGrad;
    models::UNetForwardOptions capture;
    capture.stopAfterUpBlock = static_cast<int>(c.p.unet->numUpBlocks()) - 1;
    auto kv = kv_;
    capture.selfAttentionHook = [kv](const models::AttentionSite& s, const at::Tensor& k, const at::Tensor& v) {
        if (s.upBlock >= 1) (*kv)[{s.upBlock, s.attention, s.transformerBlock}] = {k, v};
        return std::make_pair(k, v);
    };
    c.passes.partialForward(phase::kSharedAttention);
    c.p.unet->forward(original, c.timestep(t), c.context, capture);
}

models::SelfAttentionKVHook SharedAttention::hook() const {
    auto kv = kv_;
    return [kv](const models::AttentionSite& s, const at::Tensor& k, const at::Tensor& v) {
        auto it = kv->find({s.upBlock, s.attention, s.transformerBlock});
        return it != kv->end() ? it->second : std::make_pair(k, v);
    };
}

}  // namespace dragdiff::drag
