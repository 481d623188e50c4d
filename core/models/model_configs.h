#pragma once
// Plain config structs for each component, with the reference implementation's defaults
// (diffusers 0.27 / transformers 4.38 constructor defaults), read from the component's own
// config.json. Presets exist for tests and benchmarks only.
#include "io/config_json.h"

#include <string>
#include <vector>

namespace dragdiff::models {

// diffusers UNet2DConditionModel.__init__ defaults.
struct UNetConfig {
    int inChannels = 4;
    int outChannels = 4;
    bool centerInputSample = false;
    bool flipSinToCos = true;
    int freqShift = 0;
    std::vector<std::string> downBlockTypes{"CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D",
                                            "DownBlock2D"};
    std::string midBlockType = "UNetMidBlock2DCrossAttn";
    std::vector<std::string> upBlockTypes{"UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D",
                                          "CrossAttnUpBlock2D"};
    std::vector<int> blockOutChannels{320, 640, 1280, 1280};
    int layersPerBlock = 2;
    int downsamplePadding = 1;
    double midBlockScaleFactor = 1.0;
    std::string actFn = "silu";
    int normNumGroups = 32;
    double normEps = 1e-5;
    int crossAttentionDim = 1280;
    std::vector<int> transformerLayersPerBlock;  // per down block
    // Heads per down block. diffusers names this `attention_head_dim` for historical reasons:
    // `num_attention_heads = num_attention_heads or attention_head_dim`.
    std::vector<int> numAttentionHeads;
    bool useLinearProjection = false;
    bool upcastAttention = false;
    bool onlyCrossAttention = false;
    std::string resnetTimeScaleShift = "default";
    int convInKernel = 3;
    int convOutKernel = 3;
    int sampleSize = 64;
    double resnetOutScaleFactor = 1.0;
    // SDXL's added conditioning (diffusers `addition_embed_type`): "" (null) or "text_time", which
    // adds add_embedding(cat(text_embeds, add_time_proj(time_ids))) to the time embedding.
    std::string additionEmbedType;
    int additionTimeEmbedDim = 0;               // addition_time_embed_dim (channels per time id)
    int projectionClassEmbeddingsInputDim = 0;  // add_embedding's input width: P + ids·that

    bool hasTextTimeEmbedding() const { return additionEmbedType == "text_time"; }

    static UNetConfig read(const io::ConfigReader& r);  // validates what we support
    static UNetConfig sd15();
    static UNetConfig sd21();
    static UNetConfig sdxl();  // stabilityai/stable-diffusion-xl-base-1.0's unet/config.json
};

// diffusers AutoencoderKL.__init__ defaults.
struct VAEConfig {
    int inChannels = 3;
    int outChannels = 3;
    std::vector<std::string> downBlockTypes{"DownEncoderBlock2D"};
    std::vector<std::string> upBlockTypes{"UpDecoderBlock2D"};
    std::vector<int> blockOutChannels{64};
    int layersPerBlock = 1;
    std::string actFn = "silu";
    int latentChannels = 4;
    int normNumGroups = 32;
    int sampleSize = 32;
    double scalingFactor = 0.18215;
    bool midBlockAddAttention = true;

    static VAEConfig read(const io::ConfigReader& r);
    static VAEConfig sd();  // SD 1.x / 2.x
    static VAEConfig sdxl();  // SD 1.x's architecture, scaling_factor 0.13025
};

// What the transformer layers shared by CLIP's text and vision towers read (CLIPEncoder,
// CLIPEncoderLayer, CLIPAttention, CLIPMLP).
struct CLIPEncoderConfig {
    int hiddenSize = 512;
    int intermediateSize = 2048;
    int numHiddenLayers = 12;
    int numAttentionHeads = 8;
    std::string hiddenAct = "quick_gelu";
    double layerNormEps = 1e-5;
};

// transformers CLIPTextConfig defaults.
struct CLIPTextConfig {
    int vocabSize = 49408;
    int hiddenSize = 512;
    int intermediateSize = 2048;
    int projectionDim = 512;
    int numHiddenLayers = 12;
    int numAttentionHeads = 8;
    int maxPositionEmbeddings = 77;
    std::string hiddenAct = "quick_gelu";
    double layerNormEps = 1e-5;
    int padTokenId = 1;
    int bosTokenId = 49406;
    int eosTokenId = 49407;

    CLIPEncoderConfig encoder() const {
        return {hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads, hiddenAct, layerNormEps};
    }

    static CLIPTextConfig read(const io::ConfigReader& r);
    static CLIPTextConfig sd15();
    static CLIPTextConfig sd21();
    static CLIPTextConfig sdxlClipL();  // SDXL text_encoder (CLIP ViT-L, quick_gelu)
    static CLIPTextConfig sdxlBigG();   // SDXL text_encoder_2 (OpenCLIP bigG, gelu, projection 1280)
};

// transformers CLIPVisionConfig defaults. read() also takes a full CLIPConfig (model_type "clip"),
// whose `vision_config` it reads, as transformers does.
struct CLIPVisionConfig {
    int hiddenSize = 768;
    int intermediateSize = 3072;
    int projectionDim = 512;
    int numHiddenLayers = 12;
    int numAttentionHeads = 12;
    int numChannels = 3;
    int imageSize = 224;
    int patchSize = 32;
    std::string hiddenAct = "quick_gelu";
    double layerNormEps = 1e-5;

    int numPatches() const { return (imageSize / patchSize) * (imageSize / patchSize); }
    CLIPEncoderConfig encoder() const {
        return {hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads, hiddenAct, layerNormEps};
    }

    static CLIPVisionConfig read(const io::ConfigReader& r);
    // ViT-L/14 at 224 px with a 768-d projection: lambdalabs/sd-image-variations-diffusers' image_encoder.
    static CLIPVisionConfig vitL14();
};

// diffusers DDIMScheduler.__init__ defaults.
struct DDIMConfig {
    int numTrainTimesteps = 1000;
    double betaStart = 0.0001;
    double betaEnd = 0.02;
    std::string betaSchedule = "linear";
    std::vector<double> trainedBetas;
    bool clipSample = true;
    double clipSampleRange = 1.0;
    bool setAlphaToOne = true;
    int stepsOffset = 0;
    std::string predictionType = "epsilon";
    std::string timestepSpacing = "leading";
    bool rescaleBetasZeroSnr = false;
    bool thresholding = false;

    static DDIMConfig read(const io::ConfigReader& r);
    static DDIMConfig stableDiffusion();  // the standard SD 1.x/2.x scheduler config (SDXL's betas too)
};

}  // namespace dragdiff::models
