#pragma once
// Identity (MasaCtrl-style): the edited branch attends with the original branch's self-attention
// keys/values in up_blocks[1..], taken from a pass of the UNet on the original latent.
#include "drag/edit_context.h"
#include "models/unet/unet_2d_condition.h"

#include <map>
#include <memory>
#include <tuple>
#include <utility>

namespace dragdiff::drag {

class SharedAttention {
public:
    // One UNet pass on `original` at `t` records the keys and values.
    SharedAttention(const EditContext& c, const at::Tensor& original, int64_t t);
    // A hook that substitutes the recorded keys/values; valid while this object lives.
    models::SelfAttentionKVHook hook() const;

private:
    using Site = std::tuple<int, int, int>;  // up-block, attention, transformer block
    std::shared_ptr<std::map<Site, std::pair<at::Tensor, at::Tensor>>> kv_;
};

}  // namespace dragdiff::drag
