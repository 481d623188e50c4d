#pragma once
// What the UNet is conditioned on besides the sample and the timestep: the cross-attention context
// and, for SDXL (addition_embed_type "text_time"), diffusers' `added_cond_kwargs`.
#include <ATen/ATen.h>

#include <utility>

namespace dragdiff::models {

struct UNetConditioning {
    at::Tensor encoderHiddenStates;  // [B, L, crossAttentionDim]
    at::Tensor textEmbeds;           // SDXL: [B or 1, P] the pooled, projected text embedding; else undefined
    at::Tensor timeIds;              // SDXL: [B or 1, 6] (orig h, w, crop top, left, target h, w); else undefined

    UNetConditioning() = default;
    // SD 1.x/2.x: the context alone (implicit, so a context tensor can be passed where a
    // conditioning is expected).
    UNetConditioning(at::Tensor context) : encoderHiddenStates(std::move(context)) {}  // NOLINT
    UNetConditioning(at::Tensor context, at::Tensor pooled, at::Tensor ids)
        : encoderHiddenStates(std::move(context)), textEmbeds(std::move(pooled)), timeIds(std::move(ids)) {}

    bool hasAddedConditioning() const { return textEmbeds.defined() || timeIds.defined(); }
};

}  // namespace dragdiff::models
