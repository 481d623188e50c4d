#include "models/blocks/autocast.h"

#include <ATen/autocast_mode.h>
#include <torch/version.h>

namespace dragdiff::models {

// LibTorch 2.4 made autocast's switch per device type and deprecated the CUDA-only
// is_enabled()/set_enabled() that 1.13 (Debian 12) has; both mean CUDA autocast here.
bool cudaAutocastEnabled() {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
    return at::autocast::is_autocast_enabled(at::kCUDA);
#else
    return at::autocast::is_enabled();
#endif
}

void setCudaAutocastEnabled(bool enabled) {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
    at::autocast::set_autocast_enabled(at::kCUDA, enabled);
#else
    at::autocast::set_enabled(enabled);
#endif
}

FullPrecisionScope::FullPrecisionScope() : wasEnabled_(cudaAutocastEnabled()) {
    if (wasEnabled_) setCudaAutocastEnabled(false);
}

FullPrecisionScope::~FullPrecisionScope() {
    if (wasEnabled_) setCudaAutocastEnabled(true);
}

}  // namespace dragdiff::models
