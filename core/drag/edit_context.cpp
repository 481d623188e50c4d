#include "drag/edit_context.h"

#include <torch/csrc/autograd/grad_mode.h>

namespace dragdiff::drag {

at::Tensor EditContext::features(const at::Tensor& z, int64_t t, const char* phase) const {
    at::NoGradGuard noGrad;
    passes.partialForward(phase);
    models::UNetForwardOptions o;
    o.stopAfterUpBlock = featureBlock;
    auto out = p.unet->forward(z, timestep(t), context, o);
    return resizeFeatures(out.upBlockOutputs[featureBlock], h, w);
}

}  // namespace dragdiff::drag
