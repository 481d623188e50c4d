// ldm UNetModel keys -> diffusers UNet2DConditionModel module paths.
// Ports diffusers v0.27.2 `loaders/single_file_utils.py` convert_ldm_unet_checkpoint and
// update_unet_resnet_ldm_to_diffusers. ldm numbers its blocks flat:
//   input_blocks.0.0                 conv_in
//   input_blocks.{1 + b(L+1) + l}    down block b, layer l < L: .0 ResBlock, .1 SpatialTransformer
//   input_blocks.{1 + b(L+1) + L}.0.op   down block b's Downsample (not after the last block)
//   middle_block.{0,1,2}             ResBlock, SpatialTransformer, ResBlock
//   output_blocks.{b(L+1) + l}       up block b, layer l <= L: .0 ResBlock, .1 SpatialTransformer
//                                    (if any), then .1 or .2 Upsample (.conv) on the last layer
//   time_embed.{0,2}, out.{0,2}      time embedding MLP, final GroupNorm and conv
// with L = layers_per_block.
#include "models/single_file/ldm_mapping_detail.h"

namespace dragdiff::models::ldm {
namespace {

const char* kUNetLayout = "the UNet (model.diffusion_model)";

struct UNetMapper {
    const SourceKey& src;
    const UNetConfig& config;

    int blocks() const { return static_cast<int>(config.blockOutChannels.size()); }

    int transformerLayers(int downBlock) const {
        const auto& t = config.transformerLayersPerBlock;
        return t.empty() ? 1 : t[static_cast<size_t>(downBlock)];
    }

    [[noreturn]] void mismatch(const std::string& what) const {
        src.fail(what + "; the UNet config (block_out_channels " + std::to_string(blocks()) +
                 " entries, layers_per_block " + std::to_string(config.layersPerBlock) +
                 ") does not match this checkpoint");
    }

    [[noreturn]] void unknown(const std::string& where) const {
        src.fail("is not part of the ldm layout of " + std::string(kUNetLayout) + " (at " + where + ")");
    }

    std::vector<Mapped> one(const std::string& name) const { return {Mapped{name, src.view()}}; }

    // A module with only weight/bias under `target`.
    std::vector<Mapped> plain(KeyPath& path, const std::string& target) const {
        return one(target + "." + paramName(path, src, kUNetLayout));
    }

    // ldm ResBlock -> diffusers ResnetBlock2D.
    std::vector<Mapped> resnet(KeyPath& path, const std::string& target) const {
        struct Rename {
            const char* a;
            const char* b;
            const char* to;
        };
        static const Rename kRenames[] = {
            {"in_layers", "0", "norm1"},          {"in_layers", "2", "conv1"},  {"emb_layers", "1", "time_emb_proj"},
            {"out_layers", "0", "norm2"},         {"out_layers", "3", "conv2"},
            {"skip_connection", nullptr, "conv_shortcut"}};
        for (const auto& r : kRenames) {
            KeyPath probe = path;
            if (probe.eat(r.a) && (!r.b || probe.eat(r.b))) {
                path = probe;
                return plain(path, target + "." + r.to);
            }
        }
        unknown("a ResBlock: '" + path.rest() + "'");
    }

    // ldm SpatialTransformer -> diffusers Transformer2DModel; the names inside already match.
    std::vector<Mapped> attention(KeyPath& path, const std::string& target, int transformerLayers) const {
        if (path.eat("norm")) return plain(path, target + ".norm");
        for (const char* proj : {"proj_in", "proj_out"}) {
            if (!path.eat(proj)) continue;
            const std::string param = paramName(path, src, kUNetLayout);
            const std::string name = target + "." + proj + "." + param;
            return {Mapped{name, param == "weight" ? projection(src.view()) : src.view()}};
        }
        if (!path.eat("transformer_blocks")) unknown("a SpatialTransformer: '" + path.rest() + "'");
        const auto k = path.index();
        if (!k) unknown("a SpatialTransformer: '" + path.rest() + "'");
        if (*k >= transformerLayers)
            mismatch("is transformer block " + std::to_string(*k) + " but the config has " +
                     std::to_string(transformerLayers) + " per attention here (transformer_layers_per_block)");
        const std::string block = target + ".transformer_blocks." + std::to_string(*k);
        for (const char* norm : {"norm1", "norm2", "norm3"})
            if (path.eat(norm)) return plain(path, block + "." + norm);
        for (const char* attn : {"attn1", "attn2"}) {
            if (!path.eat(attn)) continue;
            for (const char* proj : {"to_q", "to_k", "to_v"})
                if (path.eat(proj)) return plain(path, block + "." + attn + "." + proj);
            if (path.eat("to_out") && path.eat("0")) return plain(path, block + "." + attn + ".to_out.0");
            unknown("an attention: '" + path.rest() + "'");
        }
        if (path.eat("ff") && path.eat("net")) {
            if (path.eat("0") && path.eat("proj")) return plain(path, block + ".ff.net.0.proj");
            if (path.eat("2")) return plain(path, block + ".ff.net.2");
        }
        unknown("a transformer block: '" + path.rest() + "'");
    }

    // proj_in/proj_out weight: a 1x1 conv [C, C, 1, 1] in SD 1.x files, a linear [C, C] in SD 2.x
    // files (use_linear_in_transformer). Reshaped to what the config's use_linear_projection builds.
    at::Tensor projection(const at::Tensor& w) const {
        const bool is1x1 = w.dim() == 4 && w.size(2) == 1 && w.size(3) == 1;
        if (w.dim() != 2 && !is1x1)
            src.fail("has shape " + shapeText(w.sizes()) +
                     "; expected a linear [out, in] or a 1x1 conv [out, in, 1, 1] projection");
        if (config.useLinearProjection) return w.dim() == 2 ? w : w.reshape({w.size(0), w.size(1)});
        return w.dim() == 4 ? w : w.reshape({w.size(0), w.size(1), 1, 1});
    }

    std::vector<Mapped> inputBlock(KeyPath& path) const {
        const auto i = path.index();
        const auto j = path.index();
        if (!i || !j) unknown("input_blocks: '" + path.rest() + "'");
        const std::string where = "input_blocks." + std::to_string(*i) + "." + std::to_string(*j);
        if (*i == 0) {
            if (*j != 0) unknown(where);
            return plain(path, "conv_in");
        }
        const int per = config.layersPerBlock + 1;
        const int b = (*i - 1) / per, l = (*i - 1) % per;
        if (b >= blocks()) mismatch("belongs to down block " + std::to_string(b) + " (" + where + ")");
        const std::string down = "down_blocks." + std::to_string(b);
        if (l == config.layersPerBlock) {
            if (b == blocks() - 1) mismatch("is a downsampler after the last down block (" + where + ")");
            if (*j != 0 || !path.eat("op")) unknown(where + " (expected the downsampler '.0.op')");
            return plain(path, down + ".downsamplers.0.conv");
        }
        if (*j == 0) return resnet(path, down + ".resnets." + std::to_string(l));
        if (*j == 1) {
            if (config.downBlockTypes[static_cast<size_t>(b)] != "CrossAttnDownBlock2D")
                mismatch("is an attention in down block " + std::to_string(b) + ", which the config makes a " +
                         config.downBlockTypes[static_cast<size_t>(b)] + " (" + where + ")");
            return attention(path, down + ".attentions." + std::to_string(l), transformerLayers(b));
        }
        unknown(where);
    }

    std::vector<Mapped> middleBlock(KeyPath& path) const {
        const auto j = path.index();
        const int last = blocks() - 1;
        if (j == 0) return resnet(path, "mid_block.resnets.0");
        if (j == 1) return attention(path, "mid_block.attentions.0", transformerLayers(last));
        if (j == 2) return resnet(path, "mid_block.resnets.1");
        unknown("middle_block: '" + path.rest() + "'");
    }

    std::vector<Mapped> outputBlock(KeyPath& path) const {
        const auto i = path.index();
        const auto j = path.index();
        if (!i || !j) unknown("output_blocks: '" + path.rest() + "'");
        const std::string where = "output_blocks." + std::to_string(*i) + "." + std::to_string(*j);
        const int per = config.layersPerBlock + 1;
        const int b = *i / per, l = *i % per;
        if (b >= blocks()) mismatch("belongs to up block " + std::to_string(b) + " (" + where + ")");
        const std::string up = "up_blocks." + std::to_string(b);
        const bool crossAttn = config.upBlockTypes[static_cast<size_t>(b)] == "CrossAttnUpBlock2D";
        if (*j == 0) return resnet(path, up + ".resnets." + std::to_string(l));
        if (*j == 1 && crossAttn) {
            if (KeyPath probe = path; probe.eat("conv"))
                mismatch("is an upsampler where the config puts an attention (up block " + std::to_string(b) +
                         " is a CrossAttnUpBlock2D) (" + where + ")");
            // diffusers reverses transformer_layers_per_block for the up blocks.
            return attention(path, up + ".attentions." + std::to_string(l), transformerLayers(blocks() - 1 - b));
        }
        if (*j == (crossAttn ? 2 : 1)) {
            if (!path.eat("conv")) {
                if (!crossAttn)
                    mismatch("is an attention in up block " + std::to_string(b) + ", which the config makes a " +
                             config.upBlockTypes[static_cast<size_t>(b)] + " (" + where + ")");
                unknown(where + " (expected the upsampler '.conv')");
            }
            if (l != config.layersPerBlock || b == blocks() - 1)
                mismatch("is an upsampler at layer " + std::to_string(l) + " of up block " + std::to_string(b) +
                         " (" + where + "), where the config has none");
            return plain(path, up + ".upsamplers.0.conv");
        }
        unknown(where);
    }

    std::vector<Mapped> map(const std::string& relative) const {
        KeyPath path(relative);
        if (path.eat("input_blocks")) return inputBlock(path);
        if (path.eat("middle_block")) return middleBlock(path);
        if (path.eat("output_blocks")) return outputBlock(path);
        if (path.eat("time_embed")) {
            if (path.eat("0")) return plain(path, "time_embedding.linear_1");
            if (path.eat("2")) return plain(path, "time_embedding.linear_2");
        }
        if (path.eat("out")) {
            if (path.eat("0")) return plain(path, "conv_norm_out");
            if (path.eat("2")) return plain(path, "conv_out");
        }
        unknown("'" + relative + "'; expected input_blocks, middle_block, output_blocks, time_embed or out");
    }
};

}  // namespace

std::vector<Mapped> mapUNetTensor(const SourceKey& src, const std::string& relative, const UNetConfig& config) {
    if (config.blockOutChannels.empty() || config.downBlockTypes.size() != config.blockOutChannels.size() ||
        config.upBlockTypes.size() != config.blockOutChannels.size() ||
        (!config.transformerLayersPerBlock.empty() &&
         config.transformerLayersPerBlock.size() != config.blockOutChannels.size()) ||
        config.layersPerBlock <= 0)
        src.fail("cannot be mapped: the UNet config is inconsistent (block_out_channels, down_block_types, "
                 "up_block_types and transformer_layers_per_block must have one entry per block)");
    return UNetMapper{src, config}.map(relative);
}

}  // namespace dragdiff::models::ldm
