#include "models/model_configs.h"

#include "dragdiff/error.h"

#include <algorithm>

namespace dragdiff::models {
namespace {

[[noreturn]] void unsupported(const io::ConfigReader& r, const std::string& key, const std::string& value,
                              const std::string& supported) {
    throw LoadError("'" + r.file() + "': " + key + " = " + value + " is not supported (DragDiff supports " +
                    supported + ")");
}

void requireOneOf(const io::ConfigReader& r, const std::string& key, const std::string& value,
                  std::initializer_list<const char*> allowed) {
    std::string list;
    for (const char* a : allowed) {
        if (value == a) return;
        list += (list.empty() ? "" : ", ") + std::string(a);
    }
    unsupported(r, key, value, list);
}

void requireNull(const io::ConfigReader& r, const std::string& key) {
    if (r.has(key)) unsupported(r, key, r.root().at(key).dump(), "null, as in Stable Diffusion 1.x/2.x");
}

void requirePositive(const io::ConfigReader& r, const std::string& key, const std::vector<int>& values) {
    for (int v : values)
        if (v <= 0 || v > 65536)
            throw LoadError("'" + r.file() + "': " + key + " must hold positive sizes, found " + std::to_string(v));
}

}  // namespace

UNetConfig UNetConfig::read(const io::ConfigReader& r) {
    UNetConfig c;
    c.inChannels = r.getInt("in_channels", c.inChannels);
    c.outChannels = r.getInt("out_channels", c.outChannels);
    c.centerInputSample = r.getBool("center_input_sample", c.centerInputSample);
    c.flipSinToCos = r.getBool("flip_sin_to_cos", c.flipSinToCos);
    c.freqShift = r.getInt("freq_shift", c.freqShift);
    c.downBlockTypes = r.getStringList("down_block_types", c.downBlockTypes);
    c.midBlockType = r.getString("mid_block_type", c.midBlockType);
    c.upBlockTypes = r.getStringList("up_block_types", c.upBlockTypes);
    c.blockOutChannels = r.getIntList("block_out_channels", c.blockOutChannels);
    c.layersPerBlock = r.getInt("layers_per_block", c.layersPerBlock);
    c.downsamplePadding = r.getInt("downsample_padding", c.downsamplePadding);
    c.midBlockScaleFactor = r.getDouble("mid_block_scale_factor", c.midBlockScaleFactor);
    c.actFn = r.getString("act_fn", c.actFn);
    c.normNumGroups = r.getInt("norm_num_groups", c.normNumGroups);
    c.normEps = r.getDouble("norm_eps", c.normEps);
    c.crossAttentionDim = r.getInt("cross_attention_dim", c.crossAttentionDim);
    c.useLinearProjection = r.getBool("use_linear_projection", c.useLinearProjection);
    c.upcastAttention = r.getBool("upcast_attention", c.upcastAttention);
    c.resnetTimeScaleShift = r.getString("resnet_time_scale_shift", c.resnetTimeScaleShift);
    c.convInKernel = r.getInt("conv_in_kernel", c.convInKernel);
    c.convOutKernel = r.getInt("conv_out_kernel", c.convOutKernel);
    c.sampleSize = r.getInt("sample_size", c.sampleSize);
    c.resnetOutScaleFactor = r.getDouble("resnet_out_scale_factor", c.resnetOutScaleFactor);

    const size_t n = c.downBlockTypes.size();
    if (n == 0) throw LoadError("'" + r.file() + "': down_block_types is empty");
    if (c.blockOutChannels.size() != n || c.upBlockTypes.size() != n)
        throw LoadError("'" + r.file() + "': block_out_channels, down_block_types and up_block_types must have the "
                        "same length (found " + std::to_string(c.blockOutChannels.size()) + ", " +
                        std::to_string(n) + ", " + std::to_string(c.upBlockTypes.size()) + ")");
    requirePositive(r, "block_out_channels", c.blockOutChannels);
    if (r.has("only_cross_attention")) {
        const auto& v = r.root().at("only_cross_attention");
        bool any = v.is_boolean() ? v.get<bool>() : false;
        if (v.is_array())
            for (const auto& e : v) any = any || (e.is_boolean() && e.get<bool>());
        if (any) unsupported(r, "only_cross_attention", v.dump(), "false");
    }
    auto heads = r.getIntOrList("attention_head_dim", 8, n);
    if (r.has("num_attention_heads")) heads = r.getIntOrList("num_attention_heads", 8, n);
    c.numAttentionHeads = heads;
    requirePositive(r, "attention_head_dim", heads);
    c.transformerLayersPerBlock = r.getIntOrList("transformer_layers_per_block", 1, n);
    requirePositive(r, "transformer_layers_per_block", c.transformerLayersPerBlock);
    if (c.layersPerBlock <= 0 || c.layersPerBlock > 64)
        throw LoadError("'" + r.file() + "': layers_per_block must be positive");
    if (c.normNumGroups <= 0) throw LoadError("'" + r.file() + "': norm_num_groups must be positive");
    for (int ch : c.blockOutChannels)
        if (ch % c.normNumGroups != 0)
            throw LoadError("'" + r.file() + "': block_out_channels entry " + std::to_string(ch) +
                            " is not divisible by norm_num_groups " + std::to_string(c.normNumGroups));
    for (const auto& t : c.downBlockTypes) requireOneOf(r, "down_block_types entry", t, {"CrossAttnDownBlock2D", "DownBlock2D"});
    for (const auto& t : c.upBlockTypes) requireOneOf(r, "up_block_types entry", t, {"CrossAttnUpBlock2D", "UpBlock2D"});
    requireOneOf(r, "mid_block_type", c.midBlockType, {"UNetMidBlock2DCrossAttn"});
    requireOneOf(r, "act_fn", c.actFn, {"silu"});
    requireOneOf(r, "resnet_time_scale_shift", c.resnetTimeScaleShift, {"default"});
    requireOneOf(r, "time_embedding_type", r.getString("time_embedding_type", "positional"), {"positional"});
    c.additionEmbedType = r.has("addition_embed_type") ? r.getString("addition_embed_type", "") : "";
    if (!c.additionEmbedType.empty()) {
        requireOneOf(r, "addition_embed_type", c.additionEmbedType, {"text_time"});
        c.additionTimeEmbedDim = r.getInt("addition_time_embed_dim", 0);
        c.projectionClassEmbeddingsInputDim = r.getInt("projection_class_embeddings_input_dim", 0);
        if (c.additionTimeEmbedDim <= 0 || c.projectionClassEmbeddingsInputDim <= 0)
            throw LoadError("'" + r.file() + "': addition_embed_type \"text_time\" needs positive "
                            "addition_time_embed_dim and projection_class_embeddings_input_dim (found " +
                            std::to_string(c.additionTimeEmbedDim) + " and " +
                            std::to_string(c.projectionClassEmbeddingsInputDim) + ")");
    }
    for (const char* key : {"class_embed_type", "encoder_hid_dim", "encoder_hid_dim_type",
                            "time_cond_proj_dim", "num_class_embeds", "timestep_post_act", "time_embedding_act_fn",
                            "time_embedding_dim"})
        requireNull(r, key);
    if (r.getBool("dual_cross_attention", false)) unsupported(r, "dual_cross_attention", "true", "false");
    if (c.convInKernel % 2 == 0 || c.convOutKernel % 2 == 0 || c.convInKernel <= 0 || c.convOutKernel <= 0)
        throw LoadError("'" + r.file() + "': conv_in_kernel and conv_out_kernel must be odd");
    return c;
}

UNetConfig UNetConfig::sd15() {
    UNetConfig c;
    c.crossAttentionDim = 768;
    c.numAttentionHeads = {8, 8, 8, 8};
    c.transformerLayersPerBlock = {1, 1, 1, 1};
    c.sampleSize = 64;
    return c;
}

UNetConfig UNetConfig::sd21() {
    UNetConfig c = sd15();
    c.crossAttentionDim = 1024;
    c.numAttentionHeads = {5, 10, 20, 20};
    c.useLinearProjection = true;
    c.upcastAttention = true;
    c.sampleSize = 96;
    return c;
}

UNetConfig UNetConfig::sdxl() {
    UNetConfig c;
    c.downBlockTypes = {"DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"};
    c.upBlockTypes = {"CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"};
    c.blockOutChannels = {320, 640, 1280};
    c.crossAttentionDim = 2048;
    c.numAttentionHeads = {5, 10, 20};
    c.transformerLayersPerBlock = {1, 2, 10};
    c.useLinearProjection = true;
    c.sampleSize = 128;
    c.additionEmbedType = "text_time";
    c.additionTimeEmbedDim = 256;
    c.projectionClassEmbeddingsInputDim = 2816;
    return c;
}

VAEConfig VAEConfig::read(const io::ConfigReader& r) {
    VAEConfig c;
    c.inChannels = r.getInt("in_channels", c.inChannels);
    c.outChannels = r.getInt("out_channels", c.outChannels);
    c.downBlockTypes = r.getStringList("down_block_types", c.downBlockTypes);
    c.upBlockTypes = r.getStringList("up_block_types", c.upBlockTypes);
    c.blockOutChannels = r.getIntList("block_out_channels", c.blockOutChannels);
    c.layersPerBlock = r.getInt("layers_per_block", c.layersPerBlock);
    c.actFn = r.getString("act_fn", c.actFn);
    c.latentChannels = r.getInt("latent_channels", c.latentChannels);
    c.normNumGroups = r.getInt("norm_num_groups", c.normNumGroups);
    c.sampleSize = r.getInt("sample_size", c.sampleSize);
    c.scalingFactor = r.getDouble("scaling_factor", c.scalingFactor);
    c.midBlockAddAttention = r.getBool("mid_block_add_attention", c.midBlockAddAttention);
    const size_t n = c.blockOutChannels.size();
    if (n == 0 || c.downBlockTypes.size() != n || c.upBlockTypes.size() != n)
        throw LoadError("'" + r.file() + "': block_out_channels, down_block_types and up_block_types must be "
                        "non-empty and of the same length");
    requirePositive(r, "block_out_channels", c.blockOutChannels);
    for (const auto& t : c.downBlockTypes) requireOneOf(r, "down_block_types entry", t, {"DownEncoderBlock2D"});
    for (const auto& t : c.upBlockTypes) requireOneOf(r, "up_block_types entry", t, {"UpDecoderBlock2D"});
    requireOneOf(r, "act_fn", c.actFn, {"silu"});
    if (c.normNumGroups <= 0 || c.layersPerBlock <= 0 || c.latentChannels <= 0)
        throw LoadError("'" + r.file() + "': norm_num_groups, layers_per_block and latent_channels must be positive");
    for (int ch : c.blockOutChannels)
        if (ch % c.normNumGroups != 0)
            throw LoadError("'" + r.file() + "': block_out_channels entry " + std::to_string(ch) +
                            " is not divisible by norm_num_groups " + std::to_string(c.normNumGroups));
    for (const char* key : {"latents_mean", "latents_std"}) requireNull(r, key);
    return c;
}

VAEConfig VAEConfig::sd() {
    VAEConfig c;
    c.downBlockTypes = std::vector<std::string>(4, "DownEncoderBlock2D");
    c.upBlockTypes = std::vector<std::string>(4, "UpDecoderBlock2D");
    c.blockOutChannels = {128, 256, 512, 512};
    c.layersPerBlock = 2;
    c.sampleSize = 512;
    return c;
}

VAEConfig VAEConfig::sdxl() {
    VAEConfig c = sd();
    c.sampleSize = 1024;
    c.scalingFactor = 0.13025;
    return c;
}

CLIPTextConfig CLIPTextConfig::read(const io::ConfigReader& r) {
    CLIPTextConfig c;
    c.vocabSize = r.getInt("vocab_size", c.vocabSize);
    c.hiddenSize = r.getInt("hidden_size", c.hiddenSize);
    c.intermediateSize = r.getInt("intermediate_size", c.intermediateSize);
    c.projectionDim = r.getInt("projection_dim", c.projectionDim);
    c.numHiddenLayers = r.getInt("num_hidden_layers", c.numHiddenLayers);
    c.numAttentionHeads = r.getInt("num_attention_heads", c.numAttentionHeads);
    c.maxPositionEmbeddings = r.getInt("max_position_embeddings", c.maxPositionEmbeddings);
    c.hiddenAct = r.getString("hidden_act", c.hiddenAct);
    c.layerNormEps = r.getDouble("layer_norm_eps", c.layerNormEps);
    c.padTokenId = r.getInt("pad_token_id", c.padTokenId);
    c.bosTokenId = r.getInt("bos_token_id", c.bosTokenId);
    c.eosTokenId = r.getInt("eos_token_id", c.eosTokenId);
    requireOneOf(r, "hidden_act", c.hiddenAct, {"quick_gelu", "gelu"});
    for (int v : {c.vocabSize, c.hiddenSize, c.intermediateSize, c.numHiddenLayers, c.numAttentionHeads,
                  c.maxPositionEmbeddings})
        if (v <= 0) throw LoadError("'" + r.file() + "': sizes must be positive");
    if (c.hiddenSize % c.numAttentionHeads != 0)
        throw LoadError("'" + r.file() + "': hidden_size " + std::to_string(c.hiddenSize) +
                        " is not divisible by num_attention_heads " + std::to_string(c.numAttentionHeads));
    return c;
}

CLIPTextConfig CLIPTextConfig::sd15() {
    CLIPTextConfig c;
    c.hiddenSize = 768;
    c.intermediateSize = 3072;
    c.projectionDim = 768;
    c.numAttentionHeads = 12;
    c.bosTokenId = 0;
    c.eosTokenId = 2;
    return c;
}

CLIPTextConfig CLIPTextConfig::sd21() {
    CLIPTextConfig c;
    c.hiddenSize = 1024;
    c.intermediateSize = 4096;
    c.projectionDim = 512;
    c.numHiddenLayers = 23;
    c.numAttentionHeads = 16;
    c.hiddenAct = "gelu";
    c.bosTokenId = 0;
    c.eosTokenId = 2;
    return c;
}

CLIPTextConfig CLIPTextConfig::sdxlClipL() {
    CLIPTextConfig c = sd15();
    c.projectionDim = 768;
    return c;
}

CLIPTextConfig CLIPTextConfig::sdxlBigG() {
    CLIPTextConfig c;
    c.hiddenSize = 1280;
    c.intermediateSize = 5120;
    c.projectionDim = 1280;
    c.numHiddenLayers = 32;
    c.numAttentionHeads = 20;
    c.hiddenAct = "gelu";
    c.bosTokenId = 0;
    c.eosTokenId = 2;
    return c;
}

CLIPVisionConfig CLIPVisionConfig::read(const io::ConfigReader& outer) {
    // A full CLIPConfig holds the vision tower's settings under vision_config.
    const bool nested = outer.getString("model_type", "") == "clip" && outer.root().contains("vision_config") &&
                        outer.root().at("vision_config").is_object();
    const io::ConfigReader r = nested ? io::ConfigReader(outer.root().at("vision_config"), outer.file() + " (vision_config)")
                                      : outer;
    CLIPVisionConfig c;
    c.hiddenSize = r.getInt("hidden_size", c.hiddenSize);
    c.intermediateSize = r.getInt("intermediate_size", c.intermediateSize);
    c.projectionDim = r.getInt("projection_dim", c.projectionDim);
    c.numHiddenLayers = r.getInt("num_hidden_layers", c.numHiddenLayers);
    c.numAttentionHeads = r.getInt("num_attention_heads", c.numAttentionHeads);
    c.numChannels = r.getInt("num_channels", c.numChannels);
    c.imageSize = r.getInt("image_size", c.imageSize);
    c.patchSize = r.getInt("patch_size", c.patchSize);
    c.hiddenAct = r.getString("hidden_act", c.hiddenAct);
    c.layerNormEps = r.getDouble("layer_norm_eps", c.layerNormEps);
    requireOneOf(r, "hidden_act", c.hiddenAct, {"quick_gelu", "gelu"});
    for (int v : {c.hiddenSize, c.intermediateSize, c.projectionDim, c.numHiddenLayers, c.numAttentionHeads,
                  c.numChannels, c.imageSize, c.patchSize})
        if (v <= 0) throw LoadError("'" + r.file() + "': sizes must be positive");
    if (c.hiddenSize % c.numAttentionHeads != 0)
        throw LoadError("'" + r.file() + "': hidden_size " + std::to_string(c.hiddenSize) +
                        " is not divisible by num_attention_heads " + std::to_string(c.numAttentionHeads));
    if (c.imageSize % c.patchSize != 0)
        throw LoadError("'" + r.file() + "': image_size " + std::to_string(c.imageSize) +
                        " is not a multiple of patch_size " + std::to_string(c.patchSize));
    return c;
}

CLIPVisionConfig CLIPVisionConfig::vitL14() {
    CLIPVisionConfig c;
    c.hiddenSize = 1024;
    c.intermediateSize = 4096;
    c.projectionDim = 768;
    c.numHiddenLayers = 24;
    c.numAttentionHeads = 16;
    c.patchSize = 14;
    return c;
}

DDIMConfig DDIMConfig::read(const io::ConfigReader& r) {
    DDIMConfig c;
    c.numTrainTimesteps = r.getInt("num_train_timesteps", c.numTrainTimesteps);
    c.betaStart = r.getDouble("beta_start", c.betaStart);
    c.betaEnd = r.getDouble("beta_end", c.betaEnd);
    c.betaSchedule = r.getString("beta_schedule", c.betaSchedule);
    c.trainedBetas = r.getDoubleList("trained_betas", c.trainedBetas);
    c.clipSample = r.getBool("clip_sample", c.clipSample);
    c.clipSampleRange = r.getDouble("clip_sample_range", c.clipSampleRange);
    c.setAlphaToOne = r.getBool("set_alpha_to_one", c.setAlphaToOne);
    c.stepsOffset = r.getInt("steps_offset", c.stepsOffset);
    c.predictionType = r.getString("prediction_type", c.predictionType);
    c.timestepSpacing = r.getString("timestep_spacing", c.timestepSpacing);
    c.rescaleBetasZeroSnr = r.getBool("rescale_betas_zero_snr", c.rescaleBetasZeroSnr);
    c.thresholding = r.getBool("thresholding", c.thresholding);
    if (c.numTrainTimesteps <= 1 || c.numTrainTimesteps > 100000)
        throw LoadError("'" + r.file() + "': num_train_timesteps must be between 2 and 100000");
    if (c.stepsOffset < 0 || c.stepsOffset >= c.numTrainTimesteps)
        throw LoadError("'" + r.file() + "': steps_offset must be in [0, num_train_timesteps)");
    if (c.trainedBetas.empty())
        requireOneOf(r, "beta_schedule", c.betaSchedule, {"linear", "scaled_linear"});
    else if (static_cast<int>(c.trainedBetas.size()) != c.numTrainTimesteps)
        throw LoadError("'" + r.file() + "': trained_betas must have num_train_timesteps entries");
    requireOneOf(r, "prediction_type", c.predictionType, {"epsilon", "v_prediction", "sample"});
    requireOneOf(r, "timestep_spacing", c.timestepSpacing, {"leading", "trailing", "linspace"});
    if (c.thresholding) unsupported(r, "thresholding", "true", "false");
    return c;
}

DDIMConfig DDIMConfig::stableDiffusion() {
    DDIMConfig c;
    c.betaStart = 0.00085;
    c.betaEnd = 0.012;
    c.betaSchedule = "scaled_linear";
    c.clipSample = false;
    c.setAlphaToOne = false;
    c.stepsOffset = 1;
    return c;
}

}  // namespace dragdiff::models
