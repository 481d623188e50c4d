// Architecture of an SDXL single file (sgm layout) from its tensor shapes; see sdxl_single_file.h.
#include "models/single_file/sdxl_single_file.h"

#include "models/single_file/shape_index.h"

namespace dragdiff::models {
namespace {

// OpenCLIP bigG's text tower as transformers' CLIPTextModelWithProjection: every resblock (SDXL
// reads hidden_states[-2] itself), gelu, projection width from text_projection [D, P].
CLIPTextConfig inferBigG(const ldm::ShapeIndex& s) {
    const std::string p = kSgmOpenClipPrefix;
    const std::string what = "SDXL text encoder 2 (OpenCLIP) architecture";
    CLIPTextConfig c = CLIPTextConfig::sdxlBigG();
    const auto& tokens = s.shape(p + "token_embedding.weight", 2, what);
    c.vocabSize = static_cast<int>(tokens[0]);
    c.hiddenSize = static_cast<int>(tokens[1]);
    c.maxPositionEmbeddings = s.dim(p + "positional_embedding", 2, 0, what);
    c.numHiddenLayers = s.count(p + "transformer.resblocks.", what);
    c.intermediateSize = s.dim(p + "transformer.resblocks.0.mlp.c_fc.weight", 2, 0, what);
    const auto& projection = s.shape(p + "text_projection", 2, what);
    if (projection[0] != c.hiddenSize)
        s.fail("cannot infer the " + what + ": '" + p + "text_projection' has shape " + ldm::shapeText(projection) +
               ", expected [" + std::to_string(c.hiddenSize) + ", P]");
    c.projectionDim = static_cast<int>(projection[1]);
    c.numAttentionHeads = ldm::conventionalHeads(c.hiddenSize, /*headDim64=*/true);
    return c;
}

}  // namespace

SDXLArchitecture inferSDXLArchitecture(const io::SafetensorsFile& file) {
    const ldm::ShapeIndex s(file);
    SDXLArchitecture a;
    a.unet = ldm::inferUNet(s);
    a.text = ldm::inferClipText(s, kSgmClipPrefix);
    a.text2 = inferBigG(s);

    // label_emb.0.0 = add_embedding.linear_1 [time_embed_dim, P + 6·addition_time_embed_dim].
    const std::string what = "SDXL UNet's added conditioning";
    const auto& label = s.shape(std::string(kLdmUNetPrefix) + "label_emb.0.0.weight", 2, what);
    const int inputs = static_cast<int>(label[1]);
    const int timeInputs = inputs - a.text2.projectionDim;
    if (timeInputs <= 0 || timeInputs % 6 != 0)
        s.fail("cannot infer the " + what + ": 'label_emb.0.0.weight' takes " + std::to_string(inputs) +
               " inputs, which is not the pooled text width " + std::to_string(a.text2.projectionDim) +
               " plus 6 size/crop embeddings");
    a.unet.additionEmbedType = "text_time";
    a.unet.projectionClassEmbeddingsInputDim = inputs;
    a.unet.additionTimeEmbedDim = timeInputs / 6;
    a.unet.numAttentionHeads.clear();
    for (size_t b = 0; b < a.unet.blockOutChannels.size(); ++b) {
        a.unet.numAttentionHeads.push_back(ldm::conventionalHeads(a.unet.blockOutChannels[b], /*headDim64=*/true));
        // Blocks without attention have no depth to read; SDXL's configs write 1 there.
        if (a.unet.downBlockTypes[b] == "DownBlock2D") a.unet.transformerLayersPerBlock[b] = 1;
    }
    a.unet.upcastAttention = false;
    a.unet.sampleSize = UNetConfig::sdxl().sampleSize;

    a.vae = ldm::inferVae(s);
    a.vae.scalingFactor = VAEConfig::sdxl().scalingFactor;
    a.vae.sampleSize = VAEConfig::sdxl().sampleSize;
    a.scheduler = DDIMConfig::stableDiffusion();
    return a;
}

}  // namespace dragdiff::models
