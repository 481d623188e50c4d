// Architecture of a single-file SD 1.x/2.x checkpoint from its tensor shapes. Ports the config
// derivation of diffusers v0.27.2 `loaders/single_file_utils.py` (create_unet_diffusers_config,
// create_vae_diffusers_config, infer_model_type, the text encoder configs of
// create_text_encoders_and_tokenizers_from_ldm) with the yaml numbers read off the tensors; see
// architecture_inference.h for the conventions used where shapes say nothing.
#include "models/single_file/architecture_inference.h"

#include "dragdiff/error.h"
#include "io/safetensors.h"
#include "models/single_file/ldm_mapping_detail.h"
#include "models/single_file/shape_index.h"

namespace dragdiff::models {
namespace ldm {

int conventionalHeads(int channels, bool headDim64) {
    if (headDim64 && channels % 64 == 0) return channels / 64;
    return channels % 8 == 0 ? 8 : 1;
}

UNetConfig inferUNet(const ShapeIndex& s) {
    const std::string u = kLdmUNetPrefix;
    const std::string what = "UNet architecture";
    UNetConfig c = UNetConfig::sd15();

    const auto& convIn = s.shape(u + "input_blocks.0.0.weight", 4, what);
    c.inChannels = static_cast<int>(convIn[1]);
    c.convInKernel = static_cast<int>(convIn[2]);
    const auto& convOut = s.shape(u + "out.2.weight", 4, what);
    c.outChannels = static_cast<int>(convOut[0]);
    c.convOutKernel = static_cast<int>(convOut[2]);

    // input_blocks: conv_in, then per down block L resnet(+attention) layers and, except after the
    // last block, a downsampler (`.0.op`). The first downsampler sits at index L + 1.
    const int inputs = s.count(u + "input_blocks.", what);
    std::vector<int> ops;
    for (int i = 1; i < inputs; ++i)
        if (s.has(u + "input_blocks." + std::to_string(i) + ".0.op.weight")) ops.push_back(i);
    const int layers = ops.empty() ? inputs - 1 : ops.front() - 1;
    const int blocks = static_cast<int>(ops.size()) + 1;
    bool regular = layers >= 1 && inputs == 1 + blocks * layers + (blocks - 1);
    for (int b = 0; regular && b + 1 < blocks; ++b) regular = ops[static_cast<size_t>(b)] == (b + 1) * (layers + 1);
    if (!regular)
        s.fail("cannot infer the " + what + ": " + std::to_string(inputs) +
               " input_blocks with downsamplers at an irregular spacing; not a Stable Diffusion 1.x/2.x UNet");
    const int outputs = s.count(u + "output_blocks.", what);
    if (outputs != blocks * (layers + 1))
        s.fail("cannot infer the " + what + ": " + std::to_string(outputs) + " output_blocks, expected " +
               std::to_string(blocks * (layers + 1)) + " for " + std::to_string(blocks) + " blocks of " +
               std::to_string(layers) + " layers seen in input_blocks");

    // The mid block's SpatialTransformer: linear or 1x1-conv projections, the context width, depth.
    const std::string mid = u + "middle_block.1.";
    if (!s.has(mid + "proj_in.weight"))  // checked here, so shapeAnyRank below finds it
        s.fail("cannot infer the " + what + ": the mid block has no attention ('" + mid +
               "proj_in.weight'); DragDiff supports the Stable Diffusion 1.x/2.x UNet (UNetMidBlock2DCrossAttn)");
    const auto& projIn = s.shapeAnyRank(mid + "proj_in.weight");
    if (projIn.size() != 2 && projIn.size() != 4)
        s.fail("cannot infer the " + what + ": '" + mid + "proj_in.weight' has shape " + ldm::shapeText(projIn) +
               ", expected a linear or a 1x1 conv");
    c.useLinearProjection = projIn.size() == 2;
    c.crossAttentionDim = s.dim(mid + "transformer_blocks.0.attn2.to_k.weight", 2, 1, what);
    const int midDepth = s.count(mid + "transformer_blocks.", what);

    c.layersPerBlock = layers;
    c.blockOutChannels.clear();
    c.downBlockTypes.clear();
    c.upBlockTypes.clear();
    c.transformerLayersPerBlock.clear();
    for (int b = 0; b < blocks; ++b) {
        const std::string first = u + "input_blocks." + std::to_string(1 + b * (layers + 1));
        c.blockOutChannels.push_back(s.dim(first + ".0.out_layers.3.weight", 4, 0, what));
        const bool attention = s.anyWithPrefix(first + ".1.");
        c.downBlockTypes.push_back(attention ? "CrossAttnDownBlock2D" : "DownBlock2D");
        // diffusers' mid block takes the last entry; blocks without attention have nothing to count.
        c.transformerLayersPerBlock.push_back(attention ? s.count(first + ".1.transformer_blocks.", what) : midDepth);
    }
    for (int b = 0; b < blocks; ++b) {
        const std::string first = u + "output_blocks." + std::to_string(b * (layers + 1));
        const bool attention = s.anyWithPrefix(first + ".1.transformer_blocks.");
        c.upBlockTypes.push_back(attention ? "CrossAttnUpBlock2D" : "UpBlock2D");
    }

    return c;
}

VAEConfig inferVae(const ShapeIndex& s) {
    const std::string v = kLdmVaePrefix;
    const std::string what = "VAE architecture";
    VAEConfig c = VAEConfig::sd();
    if (!s.anyWithPrefix(v)) return c;
    c.inChannels = s.dim(v + "encoder.conv_in.weight", 4, 1, what);
    c.outChannels = s.dim(v + "decoder.conv_out.weight", 4, 0, what);
    c.latentChannels = s.dim(v + "decoder.conv_in.weight", 4, 1, what);
    const int blocks = s.count(v + "encoder.down.", what);
    c.layersPerBlock = s.count(v + "encoder.down.0.block.", what);
    c.blockOutChannels.clear();
    for (int i = 0; i < blocks; ++i) {
        const std::string conv1 = v + "encoder.down." + std::to_string(i) + ".block.0.conv1.weight";
        c.blockOutChannels.push_back(s.dim(conv1, 4, 0, what));
    }
    c.downBlockTypes.assign(static_cast<size_t>(blocks), "DownEncoderBlock2D");
    c.upBlockTypes.assign(static_cast<size_t>(blocks), "UpDecoderBlock2D");
    c.midBlockAddAttention = s.anyWithPrefix(v + "encoder.mid.attn_1.");
    return c;
}

// SD 1.x: transformers' CLIPTextModel (OpenAI CLIP ViT-L/14), quick_gelu.
CLIPTextConfig inferClipText(const ShapeIndex& s, const std::string& prefix) {
    std::string p = prefix;
    if (s.anyWithPrefix(p + "text_model.")) p += "text_model.";
    const std::string what = "CLIP text encoder architecture";
    CLIPTextConfig c = CLIPTextConfig::sd15();
    const auto& tokens = s.shape(p + "embeddings.token_embedding.weight", 2, what);
    c.vocabSize = static_cast<int>(tokens[0]);
    c.hiddenSize = static_cast<int>(tokens[1]);
    c.projectionDim = c.hiddenSize;
    c.maxPositionEmbeddings = s.dim(p + "embeddings.position_embedding.weight", 2, 0, what);
    c.numHiddenLayers = s.count(p + "encoder.layers.", what);
    c.intermediateSize = s.dim(p + "encoder.layers.0.mlp.fc1.weight", 2, 0, what);
    c.numAttentionHeads = conventionalHeads(c.hiddenSize, /*headDim64=*/true);
    c.hiddenAct = "quick_gelu";
    return c;
}

}  // namespace ldm

namespace {

using ldm::ShapeIndex;
using ldm::conventionalHeads;

// SD 2.x: OpenCLIP ViT-H/14's text tower, gelu, conditioned on its penultimate layer.
CLIPTextConfig inferOpenClipText(const ShapeIndex& s, const io::SafetensorsFile& file) {
    const std::string p = kLdmOpenClipPrefix;
    const std::string what = "OpenCLIP text encoder architecture";
    CLIPTextConfig c = CLIPTextConfig::sd21();
    const auto& tokens = s.shape(p + "token_embedding.weight", 2, what);
    c.vocabSize = static_cast<int>(tokens[0]);
    c.hiddenSize = static_cast<int>(tokens[1]);
    c.maxPositionEmbeddings = s.dim(p + "positional_embedding", 2, 0, what);
    const int resblocks = s.count(p + "transformer.resblocks.", what);
    c.intermediateSize = s.dim(p + "transformer.resblocks.0.mlp.c_fc.weight", 2, 0, what);
    // The whole tower (ldm keeps `text_projection`): drop the last resblock, SD 2.x never uses it.
    // Without it the file was written from an already cut text encoder.
    const bool wholeTower = file.contains(p + "text_projection");  // a key the mapping skips
    c.numHiddenLayers = wholeTower ? resblocks - 1 : resblocks;
    if (c.numHiddenLayers < 1)
        s.fail("cannot infer the " + what + ": " + std::to_string(resblocks) + " resblock(s) leave no layer below "
               "the last one");
    c.numAttentionHeads = conventionalHeads(c.hiddenSize, /*headDim64=*/true);
    c.hiddenAct = "gelu";
    return c;
}

}  // namespace

InferredArchitecture inferArchitecture(const io::SafetensorsFile& file) {
    ldm::requireStableDiffusion(file);
    const ShapeIndex s(file);
    InferredArchitecture a;
    a.unet = ldm::inferUNet(s);
    a.vae = ldm::inferVae(s);
    const bool clip = s.anyWithPrefix(kLdmClipPrefix);
    const bool openClip = s.anyWithPrefix(kLdmOpenClipPrefix);
    if (clip && openClip)
        s.fail("holds two text encoders, CLIP ('" + std::string(kLdmClipPrefix) + "*') and OpenCLIP ('" +
               kLdmOpenClipPrefix + "*'); a Stable Diffusion 1.x/2.x checkpoint has one");
    // Without a text encoder, SD 2.x shows in its linear projections and 1024-wide context.
    const bool sd2 = openClip || (!clip && (a.unet.useLinearProjection || a.unet.crossAttentionDim == 1024));
    a.family = sd2 ? "sd2" : "sd1";
    a.text = openClip ? inferOpenClipText(s, file) : clip ? ldm::inferClipText(s, kLdmClipPrefix) : sd2 ? CLIPTextConfig::sd21()
                                                                              : CLIPTextConfig::sd15();
    a.unet.numAttentionHeads.clear();
    for (int ch : a.unet.blockOutChannels) a.unet.numAttentionHeads.push_back(sd2 ? conventionalHeads(ch, true) : 8);
    // diffusers converts SD 2.x with upcast_attention (fp16 attention overflows otherwise).
    a.unet.upcastAttention = sd2;
    if (sd2) a.unet.sampleSize = UNetConfig::sd21().sampleSize;
    a.scheduler = DDIMConfig::stableDiffusion();
    return a;
}

}  // namespace dragdiff::models
