#include "train/train_configs.h"

#include "io/config_json.h"

namespace dragdiff::train {

models::VAEConfig embeddedVAEConfig() {
    models::VAEConfig c;
    c.blockOutChannels = {32, 64, 128};  // 3 levels: 2 downsamplings, factor 4
    c.downBlockTypes = {"DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D"};
    c.upBlockTypes = {"UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D"};
    c.layersPerBlock = 1;  // 2.7M parameters; a second layer triples the step time on 2 cores
    c.normNumGroups = 16;
    c.latentChannels = 4;
    c.sampleSize = kImageSize;
    c.scalingFactor = 1.0;  // replaced by 1/std of the trained VAE's latents before the UNet run
    return c;
}

models::UNetConfig embeddedUNetConfig() {
    models::UNetConfig c;
    // The prototype's width, 6.5M parameters: 1.37 steps/s at batch 32 on the idle 2 cores here.
    // Half the width (1.7M, 2.3 steps/s) converged to samples of which only half read as scenes.
    c.blockOutChannels = {64, 128, 128};
    c.downBlockTypes = {"DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"};
    c.upBlockTypes = {"CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"};
    c.layersPerBlock = 1;
    c.normNumGroups = 32;
    c.crossAttentionDim = 32;
    c.numAttentionHeads = {2, 2, 2};  // diffusers' `attention_head_dim` = heads per block (dim 64 at 128)
    c.transformerLayersPerBlock = {1, 1, 1};
    c.sampleSize = kImageSize / 4;
    return c;
}

models::DDIMConfig embeddedSchedulerConfig() { return models::DDIMConfig::stableDiffusion(); }

nlohmann::json vaeConfigJson(const models::VAEConfig& c) {
    return {{"_class_name", "AutoencoderKL"},
            {"_diffusers_version", "0.27.2"},
            {"act_fn", c.actFn},
            {"block_out_channels", c.blockOutChannels},
            {"down_block_types", c.downBlockTypes},
            {"force_upcast", false},
            {"in_channels", c.inChannels},
            {"latent_channels", c.latentChannels},
            {"layers_per_block", c.layersPerBlock},
            {"mid_block_add_attention", c.midBlockAddAttention},
            {"norm_num_groups", c.normNumGroups},
            {"out_channels", c.outChannels},
            {"sample_size", c.sampleSize},
            {"scaling_factor", c.scalingFactor},
            {"up_block_types", c.upBlockTypes}};
}

nlohmann::json unetConfigJson(const models::UNetConfig& c) {
    return {{"_class_name", "UNet2DConditionModel"},
            {"_diffusers_version", "0.27.2"},
            {"act_fn", c.actFn},
            {"attention_head_dim", c.numAttentionHeads},
            {"block_out_channels", c.blockOutChannels},
            {"center_input_sample", c.centerInputSample},
            {"cross_attention_dim", c.crossAttentionDim},
            {"down_block_types", c.downBlockTypes},
            {"downsample_padding", c.downsamplePadding},
            {"flip_sin_to_cos", c.flipSinToCos},
            {"freq_shift", c.freqShift},
            {"in_channels", c.inChannels},
            {"layers_per_block", c.layersPerBlock},
            {"mid_block_scale_factor", c.midBlockScaleFactor},
            {"mid_block_type", c.midBlockType},
            {"norm_eps", c.normEps},
            {"norm_num_groups", c.normNumGroups},
            {"only_cross_attention", c.onlyCrossAttention},
            {"out_channels", c.outChannels},
            {"resnet_time_scale_shift", c.resnetTimeScaleShift},
            {"sample_size", c.sampleSize},
            {"transformer_layers_per_block", c.transformerLayersPerBlock},
            {"up_block_types", c.upBlockTypes},
            {"upcast_attention", c.upcastAttention},
            {"use_linear_projection", c.useLinearProjection}};
}

nlohmann::json schedulerConfigJson(const models::DDIMConfig& c) {
    return {{"_class_name", "DDIMScheduler"},
            {"_diffusers_version", "0.27.2"},
            {"beta_end", c.betaEnd},
            {"beta_schedule", c.betaSchedule},
            {"beta_start", c.betaStart},
            {"clip_sample", c.clipSample},
            {"clip_sample_range", c.clipSampleRange},
            {"num_train_timesteps", c.numTrainTimesteps},
            {"prediction_type", c.predictionType},
            {"rescale_betas_zero_snr", c.rescaleBetasZeroSnr},
            {"set_alpha_to_one", c.setAlphaToOne},
            {"steps_offset", c.stepsOffset},
            {"thresholding", c.thresholding},
            {"timestep_spacing", c.timestepSpacing},
            {"trained_betas", nullptr}};
}

models::VAEConfig vaeConfigFromJson(const nlohmann::json& j) {
    return models::VAEConfig::read(io::ConfigReader(j, "checkpoint vae config"));
}

models::UNetConfig unetConfigFromJson(const nlohmann::json& j) {
    return models::UNetConfig::read(io::ConfigReader(j, "checkpoint unet config"));
}

}  // namespace dragdiff::train
