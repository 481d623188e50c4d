#pragma once
// Small configurations of the real architectures for unit tests (random weights, no files).
#include "models/model_configs.h"

namespace dragdiff::test {

// Two levels like the golden tiny models; `levels` = 3 adds a third so odd sizes take two
// forced-size upsamplings.
inline models::UNetConfig tinyUNetConfig(int levels = 2, bool sd2Style = false) {
    models::UNetConfig c;
    c.blockOutChannels = levels == 3 ? std::vector<int>{16, 32, 32} : std::vector<int>{16, 32};
    c.downBlockTypes = levels == 3
                           ? std::vector<std::string>{"CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"}
                           : std::vector<std::string>{"CrossAttnDownBlock2D", "DownBlock2D"};
    c.upBlockTypes = levels == 3 ? std::vector<std::string>{"UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"}
                                 : std::vector<std::string>{"UpBlock2D", "CrossAttnUpBlock2D"};
    c.layersPerBlock = 1;
    c.normNumGroups = 8;
    c.crossAttentionDim = 24;
    c.numAttentionHeads = std::vector<int>(c.blockOutChannels.size(), 2);
    c.transformerLayersPerBlock = std::vector<int>(c.blockOutChannels.size(), 1);
    if (sd2Style) {
        c.useLinearProjection = true;
        c.upcastAttention = true;
        c.numAttentionHeads.back() = 4;
    }
    return c;
}

inline models::VAEConfig tinyVAEConfig() {
    models::VAEConfig c;
    c.blockOutChannels = {16, 32};
    c.downBlockTypes = {"DownEncoderBlock2D", "DownEncoderBlock2D"};
    c.upBlockTypes = {"UpDecoderBlock2D", "UpDecoderBlock2D"};
    c.layersPerBlock = 1;
    c.normNumGroups = 8;
    return c;
}

}  // namespace dragdiff::test
