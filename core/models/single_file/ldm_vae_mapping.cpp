// ldm AutoencoderKL keys -> diffusers AutoencoderKL module paths.
// Ports diffusers v0.27.2 `loaders/single_file_utils.py` convert_ldm_vae_checkpoint,
// update_vae_resnet_ldm_to_diffusers, update_vae_attentions_ldm_to_diffusers and
// conv_attn_to_linear. ldm's layout (taming-transformers Encoder/Decoder):
//   {encoder,decoder}.conv_in / conv_out / norm_out       -> conv_in / conv_out / conv_norm_out
//   encoder.down.{i}.block.{j}, encoder.down.{i}.downsample.conv
//   decoder.up.{i}.block.{j},   decoder.up.{i}.upsample.conv  (ldm numbers up blocks from the
//                                                               lowest resolution: up.{n-1-i})
//   {encoder,decoder}.mid.block_{1,2}, mid.attn_1.{norm,q,k,v,proj_out} (1x1 convs)
//   quant_conv, post_quant_conv
#include "models/single_file/ldm_mapping_detail.h"

namespace dragdiff::models::ldm {
namespace {

const char* kVaeLayout = "the VAE (first_stage_model)";

struct VaeMapper {
    const SourceKey& src;
    const VAEConfig& config;

    int blocks() const { return static_cast<int>(config.blockOutChannels.size()); }

    [[noreturn]] void mismatch(const std::string& what) const {
        src.fail(what + "; the VAE config (block_out_channels " + std::to_string(blocks()) +
                 " entries, layers_per_block " + std::to_string(config.layersPerBlock) +
                 ") does not match this checkpoint");
    }

    [[noreturn]] void unknown(const std::string& where) const {
        src.fail("is not part of the ldm layout of " + std::string(kVaeLayout) + " (at " + where + ")");
    }

    std::vector<Mapped> plain(KeyPath& path, const std::string& target) const {
        return {Mapped{target + "." + paramName(path, src, kVaeLayout), src.view()}};
    }

    // ldm ResnetBlock -> diffusers ResnetBlock2D (no time embedding in the VAE).
    std::vector<Mapped> resnet(KeyPath& path, const std::string& target) const {
        for (const char* same : {"norm1", "conv1", "norm2", "conv2"})
            if (path.eat(same)) return plain(path, target + "." + same);
        if (path.eat("nin_shortcut")) return plain(path, target + ".conv_shortcut");
        unknown("a ResnetBlock: '" + path.rest() + "'");
    }

    // ldm AttnBlock (1x1 convs q, k, v, proj_out) -> diffusers Attention (linear to_q, ...).
    std::vector<Mapped> attention(KeyPath& path, const std::string& target) const {
        if (!config.midBlockAddAttention)
            mismatch("is a mid-block attention, which the config leaves out (mid_block_add_attention false)");
        if (path.eat("norm")) return plain(path, target + ".group_norm");
        struct Rename {
            const char* from;
            const char* to;
        };
        static const Rename kRenames[] = {{"q", "to_q"}, {"k", "to_k"}, {"v", "to_v"}, {"proj_out", "to_out.0"}};
        for (const auto& r : kRenames) {
            if (!path.eat(r.from)) continue;
            const std::string param = paramName(path, src, kVaeLayout);
            at::Tensor v = src.view();
            if (param == "weight") {
                // [C, C, 1, 1] (or [C, C, 1] in some conversions) -> [C, C]
                bool unitKernel = v.dim() >= 2 && v.dim() <= 4;
                for (int64_t d = 2; unitKernel && d < v.dim(); ++d) unitKernel = v.size(d) == 1;
                if (!unitKernel)
                    src.fail("has shape " + shapeText(v.sizes()) +
                             "; expected a 1x1 conv [C, C, 1, 1] or a linear [C, C] attention projection");
                if (v.dim() > 2) v = v.reshape({v.size(0), v.size(1)});
            }
            return {Mapped{target + "." + r.to + "." + param, v}};
        }
        unknown("the mid-block attention: '" + path.rest() + "'");
    }

    std::vector<Mapped> mid(KeyPath& path, const std::string& side) const {
        if (path.eat("block_1")) return resnet(path, side + ".mid_block.resnets.0");
        if (path.eat("block_2")) return resnet(path, side + ".mid_block.resnets.1");
        if (path.eat("attn_1")) return attention(path, side + ".mid_block.attentions.0");
        unknown(side + ".mid: '" + path.rest() + "'");
    }

    // The parts encoder and decoder share: conv_in, conv_out, norm_out, mid.
    std::optional<std::vector<Mapped>> common(KeyPath& path, const std::string& side) const {
        if (path.eat("conv_in")) return plain(path, side + ".conv_in");
        if (path.eat("conv_out")) return plain(path, side + ".conv_out");
        if (path.eat("norm_out")) return plain(path, side + ".conv_norm_out");
        if (path.eat("mid")) return mid(path, side);
        return std::nullopt;
    }

    std::vector<Mapped> encoder(KeyPath& path) const {
        if (auto m = common(path, "encoder")) return *m;
        if (!path.eat("down")) unknown("encoder: '" + path.rest() + "'");
        const auto i = path.index();
        if (!i) unknown("encoder.down: '" + path.rest() + "'");
        const std::string where = "encoder.down." + std::to_string(*i);
        if (*i >= blocks()) mismatch("belongs to encoder down block " + std::to_string(*i) + " (" + where + ")");
        const std::string target = "encoder.down_blocks." + std::to_string(*i);
        if (path.eat("block")) {
            const auto j = path.index();
            if (!j) unknown(where + ".block: '" + path.rest() + "'");
            if (*j >= config.layersPerBlock)
                mismatch("is resnet " + std::to_string(*j) + " of " + where + " (layers_per_block " +
                         std::to_string(config.layersPerBlock) + ")");
            return resnet(path, target + ".resnets." + std::to_string(*j));
        }
        if (path.eat("downsample") && path.eat("conv")) {
            if (*i == blocks() - 1) mismatch("is a downsampler after the last encoder block (" + where + ")");
            return plain(path, target + ".downsamplers.0.conv");
        }
        unknown(where + ": '" + path.rest() + "'");
    }

    std::vector<Mapped> decoder(KeyPath& path) const {
        if (auto m = common(path, "decoder")) return *m;
        if (!path.eat("up")) unknown("decoder: '" + path.rest() + "'");
        const auto i = path.index();
        if (!i) unknown("decoder.up: '" + path.rest() + "'");
        const std::string where = "decoder.up." + std::to_string(*i);
        if (*i >= blocks()) mismatch("belongs to decoder up block " + std::to_string(*i) + " (" + where + ")");
        // ldm's up.{i} runs at the resolution of down.{i}; diffusers orders its up blocks by use.
        const int upBlock = blocks() - 1 - *i;
        const std::string target = "decoder.up_blocks." + std::to_string(upBlock);
        if (path.eat("block")) {
            const auto j = path.index();
            if (!j) unknown(where + ".block: '" + path.rest() + "'");
            if (*j > config.layersPerBlock)
                mismatch("is resnet " + std::to_string(*j) + " of " + where +
                         " (the decoder has layers_per_block + 1 = " + std::to_string(config.layersPerBlock + 1) +
                         " per block)");
            return resnet(path, target + ".resnets." + std::to_string(*j));
        }
        if (path.eat("upsample") && path.eat("conv")) {
            if (*i == 0) mismatch("is an upsampler after the last decoder block (" + where + ")");
            return plain(path, target + ".upsamplers.0.conv");
        }
        unknown(where + ": '" + path.rest() + "'");
    }

    std::vector<Mapped> map(const std::string& relative) const {
        KeyPath path(relative);
        if (path.eat("encoder")) return encoder(path);
        if (path.eat("decoder")) return decoder(path);
        if (path.eat("quant_conv")) return plain(path, "quant_conv");
        if (path.eat("post_quant_conv")) return plain(path, "post_quant_conv");
        unknown("'" + relative + "'; expected encoder, decoder, quant_conv or post_quant_conv");
    }
};

}  // namespace

std::vector<Mapped> mapVaeTensor(const SourceKey& src, const std::string& relative, const VAEConfig& config) {
    if (config.blockOutChannels.empty() || config.layersPerBlock <= 0)
        src.fail("cannot be mapped: the VAE config has no blocks or no layers per block");
    return VaeMapper{src, config}.map(relative);
}

}  // namespace dragdiff::models::ldm
