// Fuzzes the LoRA reader and merger (models/lora/): the input lists the tensors of a LoRA file as
// a tensor list (fuzz_tensor_list.h: `<key> <dims or -> [dtype] [fill]` per line), with the shorthands
// U: lora_unet_, T: lora_te_ at the start of a key and :d .lora_down.weight, :u .lora_up.weight,
// :a .alpha at its end. The harness writes that safetensors file in memory, reads it with
// readLoraFile and merges it as the app does (pipeline_addons: the UNet with its ldm layout, the
// text encoder without) into a tiny SD 1.5- or SD 2.x-style UNet and a tiny CLIP text model, at
// a strength chosen by the input's length. Bad files must be LoadErrors naming the file and key,
// never a crash; a merge that succeeds changes at most the number of weights it reports.
#include "../models/tiny_configs.h"
#include "dragdiff/error.h"
#include "fuzz_support.h"
#include "fuzz_tensor_list.h"
#include "models/clip/clip_text_model.h"
#include "models/lora/lora_file.h"
#include "models/lora/lora_ldm_layout.h"
#include "models/lora/lora_merge.h"
#include "models/unet/unet_2d_condition.h"

#include <torch/csrc/autograd/grad_mode.h>

#include <algorithm>
#include <limits>
#include <map>
#include <optional>

using namespace dragdiff;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

constexpr uint64_t kMaxDataBytes = 64ull << 20;   // the reader loads every matrix as float32
constexpr uint64_t kMaxFilledBytes = 1ull << 20;  // written out (the rest is a sparse tail)

const fuzz::Shorthands kShorthands{{{"U:", "lora_unet_"}, {"T:", "lora_te_"}},
                                   {{":d", ".lora_down.weight"}, {":u", ".lora_up.weight"}, {":a", ".alpha"}}};

models::CLIPTextConfig tinyTextConfig() {
    models::CLIPTextConfig c;
    c.vocabSize = 50;
    c.hiddenSize = 16;
    c.intermediateSize = 24;
    c.numHiddenLayers = 2;
    c.numAttentionHeads = 4;
    c.maxPositionEmbeddings = 10;
    c.eosTokenId = 2;
    return c;
}

// A model and a copy of its weights, to undo each merge.
struct Model {
    std::shared_ptr<torch::nn::Module> module;
    std::map<std::string, at::Tensor> original;

    explicit Model(std::shared_ptr<torch::nn::Module> m) : module(std::move(m)) {
        for (const auto& p : module->named_parameters()) original[p.key()] = p.value().detach().clone();
    }
    // The number of weights that differ from the originals; restores them.
    int restore() {
        torch::NoGradGuard noGrad;
        int changed = 0;
        for (auto& p : module->named_parameters()) {
            const at::Tensor& o = original.at(p.key());
            if (at::equal(p.value(), o)) continue;
            ++changed;
            p.value().copy_(o);
        }
        return changed;
    }
};

struct Models {
    models::UNet2DConditionModel unet;
    Model unetWeights;
};

Models& unetModel(bool sd2Style) {
    static Models sd15 = [] {
        at::manual_seed(1);
        models::UNet2DConditionModel u(test::tinyUNetConfig(2, false));
        return Models{u, Model(u.ptr())};
    }();
    static Models sd2 = [] {
        at::manual_seed(2);
        models::UNet2DConditionModel u(test::tinyUNetConfig(2, true));
        return Models{u, Model(u.ptr())};
    }();
    return sd2Style ? sd2 : sd15;
}

Model& textModel() {
    static Model text = [] {
        at::manual_seed(3);
        return Model(models::CLIPTextModel(tinyTextConfig()).ptr());
    }();
    return text;
}

void writeSeeds(const std::string& dir) {
    Models& m = unetModel(false);
    auto weight = [](const Model& model, const std::string& path) { return model.original.at(path + ".weight"); };
    // A module adapting `w` with rank r: down [r, in(, kh, kw)] and up [out, r(, 1, 1)], each filled
    // with one value, and an alpha (none when < 0).
    auto module = [](std::map<std::string, at::Tensor>& t, const std::string& name, const at::Tensor& w, int64_t r,
                     double alpha, double down = 0.5, double up = -0.25) {
        t[name + ".lora_down.weight"] = w.dim() == 4 ? at::full({r, w.size(1), w.size(2), w.size(3)}, down)
                                                     : at::full({r, w.size(1)}, down);
        t[name + ".lora_up.weight"] = w.dim() == 4 ? at::full({w.size(0), r, 1, 1}, up) : at::full({w.size(0), r}, up);
        if (alpha >= 0) t[name + ".alpha"] = at::scalar_tensor(alpha, at::kFloat);
    };
    auto write = [&](const std::string& name, const std::map<std::string, at::Tensor>& t) {
        fuzz::writeSeed(dir, name, fuzz::tensorListOf(t, kShorthands));
    };
    const std::string toQ = "down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q";
    {
        std::map<std::string, at::Tensor> t;
        module(t, "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q", weight(m.unetWeights, toQ), 2, 1.0);
        module(t, "lora_unet_down_blocks_0_resnets_0_conv1", weight(m.unetWeights, "down_blocks.0.resnets.0.conv1"), 2, -1);
        module(t, "lora_unet_down_blocks_0_attentions_0_proj_in", weight(m.unetWeights, "down_blocks.0.attentions.0.proj_in"), 4, 2.0);
        write("unet_diffusers", t);
    }
    {
        // ldm names (layers_per_block 1) and the diffusers paths they reach, for the shapes.
        const std::pair<const char*, const char*> ldm[] = {
            {"input_blocks_1_1_transformer_blocks_0_attn2_to_out_0", "down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_out.0"},
            {"input_blocks_1_0_in_layers_2", "down_blocks.0.resnets.0.conv1"},
            {"input_blocks_1_0_emb_layers_1", "down_blocks.0.resnets.0.time_emb_proj"},
            {"input_blocks_3_0_skip_connection", "down_blocks.1.resnets.0.conv_shortcut"},
            {"middle_block_1_transformer_blocks_0_ff_net_0_proj", "mid_block.attentions.0.transformer_blocks.0.ff.net.0.proj"},
            {"middle_block_2_out_layers_3", "mid_block.resnets.1.conv2"},
            {"output_blocks_3_1_proj_in", "up_blocks.1.attentions.1.proj_in"},
            {"time_embed_0", "time_embedding.linear_1"}};
        std::map<std::string, at::Tensor> t;
        for (const auto& [name, path] : ldm) module(t, std::string("lora_unet_") + name, weight(m.unetWeights, path), 1, 1.0);
        write("unet_ldm", t);
    }
    {
        std::map<std::string, at::Tensor> t;
        const Model& text = textModel();
        for (const auto& [key, w] : text.original) {
            const std::string suffix = ".weight";
            if (w.dim() != 2 || key.find("layers.0.") == std::string::npos) continue;
            std::string name = "lora_te_" + key.substr(0, key.size() - suffix.size());
            std::replace(name.begin(), name.end(), '.', '_');
            module(t, name, w, 2, 4.0);
        }
        write("text_encoder", t);
    }
    {
        std::map<std::string, at::Tensor> t;
        module(t, "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q", weight(m.unetWeights, toQ), 2,
               1.0, std::numeric_limits<double>::quiet_NaN());
        write("nan_matrix", t);
    }
    fuzz::writeSeed(dir, "sdxl_text_encoders", "lora_te1_text_model_encoder_layers_0_mlp_fc1:d 4,768\n"
                                               "lora_te1_text_model_encoder_layers_0_mlp_fc1:u 3072,4\n"
                                               "lora_te2_text_model_encoder_layers_0_mlp_fc1:a - F32 8\n");
    fuzz::writeSeed(dir, "other_formats", "U:down_blocks_0_resnets_0_conv1.hada_w1_a 16,2\n"
                                          "U:down_blocks_0_resnets_0_conv1.lokr_w1 2,2\n"
                                          "U:down_blocks_0_resnets_0_conv1.lora_A.weight 2,16\n");
    fuzz::writeSeed(dir, "incomplete", "U:mid_block_resnets_1_conv2:d 2,32,3,3\nU:mid_block_resnets_1_conv2:a - F32 2\n");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    if (auto dir = fuzz::seedFolder(); !dir.empty()) {
        writeSeeds(dir);
        std::exit(0);
    }
    // Warm-up (LibTorch's lazy initialisation, the models) before libFuzzer's per-input timeout applies.
    const std::string warm = fuzz::readWholeFile(std::string(DRAGDIFF_SOURCE_DIR) + "/tests/fuzz/corpus/lora/unet_ldm");
    for (size_t drop : {0, 1})  // both UNets (chosen by the length's parity)
        if (warm.size() > drop) LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(warm.data()), warm.size() - drop);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzz::TensorListBytes bytes;
    if (!fuzz::buildTensorList(std::string(reinterpret_cast<const char*>(data), size), kShorthands, kMaxDataBytes,
                               kMaxFilledBytes, bytes))
        return 0;
    fuzz::MemFile mem(bytes.bytes, bytes.sparseTail);
    std::optional<models::LoraFile> lora;
    try {
        lora.emplace(models::readLoraFile(mem.path()));
    } catch (const Error&) {
        return 0;
    }
    const bool sd2Style = size % 2;
    static const double kStrengths[] = {1.0, -0.5, 0.0};
    Models& unet = unetModel(sd2Style);
    Model& text = textModel();
    const std::vector<models::LoraTarget> targets{
        {"lora_unet_", "UNet", unet.unet.get(), models::ldmUNetLayout(unet.unet->config(), lora->file)},
        {"lora_te_", "text encoder", text.module.get(), nullptr}};
    int merged = 0;
    try {
        merged = models::mergeLora(*lora, kStrengths[(size / 2) % 3], targets);
    } catch (const Error&) {
    }
    const int changed = unet.unetWeights.restore() + text.restore();
    if (changed > merged) {
        std::fprintf(stderr, "the merge changed %d weights but reported %d\n", changed, merged);
        std::abort();
    }
    return 0;
}
