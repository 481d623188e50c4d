// CLIPTextModel without real weights: structure, parameter names and count, pooling, causality,
// and the loader's handling of checkpoint quirks (position_ids, F16) on files the test writes.
#include "support/catch.h"

#include "dragdiff/error.h"
#include "io/safetensors.h"
#include "models/clip/clip_text_model.h"
#include "support/test_support.h"

#include <c10/core/GradMode.h>
#include <nlohmann/json.hpp>

#include <map>

using namespace dragdiff;
using models::CLIPTextConfig;
using models::CLIPTextModel;

namespace {

CLIPTextConfig tinyConfig() {
    CLIPTextConfig c;
    c.vocabSize = 50;
    c.hiddenSize = 16;
    c.intermediateSize = 24;
    c.numHiddenLayers = 3;
    c.numAttentionHeads = 4;
    c.maxPositionEmbeddings = 10;
    c.eosTokenId = 2;
    return c;
}

void writeConfig(const std::string& path, const CLIPTextConfig& c) {
    const nlohmann::json j = {{"architectures", {"CLIPTextModel"}},
                              {"vocab_size", c.vocabSize},
                              {"hidden_size", c.hiddenSize},
                              {"intermediate_size", c.intermediateSize},
                              {"num_hidden_layers", c.numHiddenLayers},
                              {"num_attention_heads", c.numAttentionHeads},
                              {"max_position_embeddings", c.maxPositionEmbeddings},
                              {"hidden_act", c.hiddenAct},
                              {"layer_norm_eps", c.layerNormEps},
                              {"bos_token_id", c.bosTokenId},
                              {"eos_token_id", c.eosTokenId},
                              {"pad_token_id", c.padTokenId}};
    test::writeBytes(path, j.dump(2));
}

std::map<std::string, at::Tensor> stateOf(torch::nn::Module& m) {
    std::map<std::string, at::Tensor> out;
    for (const auto& p : m.named_parameters()) out[p.key()] = p.value().detach().clone();
    return out;
}

at::Tensor sampleIds() {  // two prompts of 10 tokens, EOS (the largest id) not at the same place
    return at::tensor({1, 7, 9, 49, 3, 3, 3, 3, 3, 3, 1, 49, 4, 5, 6, 8, 10, 11, 12, 13}, at::kLong).view({2, 10});
}

}  // namespace

TEST_CASE("CLIPTextModel: SD 1.5 size and parameter names", "[unit][clip]") {
    CLIPTextModel model(CLIPTextConfig::sd15());
    int64_t count = 0;
    for (const auto& p : model->parameters()) count += p.numel();
    CHECK(count == 123060480);
    const auto params = model->named_parameters();
    for (const char* key : {"text_model.embeddings.token_embedding.weight", "text_model.embeddings.position_embedding.weight",
                            "text_model.encoder.layers.0.self_attn.q_proj.weight",
                            "text_model.encoder.layers.0.self_attn.out_proj.bias",
                            "text_model.encoder.layers.0.layer_norm1.weight", "text_model.encoder.layers.0.mlp.fc1.weight",
                            "text_model.encoder.layers.11.mlp.fc2.bias", "text_model.final_layer_norm.weight"}) {
        INFO(key);
        CHECK(params.contains(key));
    }
    CHECK_FALSE(params.contains("text_model.encoder.layers.12.mlp.fc2.bias"));
    CHECK(model->named_buffers().size() == 0);  // no position_ids buffer
}

TEST_CASE("CLIPTextModel: outputs, causality and hidden states", "[unit][clip]") {
    c10::NoGradGuard noGrad;
    CLIPTextModel model(tinyConfig());
    model->eval();
    const at::Tensor ids = sampleIds();
    const auto out = model->forward(ids, /*outputHiddenStates=*/true);
    CHECK(out.lastHiddenState.sizes() == at::IntArrayRef({2, 10, 16}));
    CHECK(out.poolerOutput.sizes() == at::IntArrayRef({2, 16}));
    REQUIRE(out.hiddenStates.size() == 4);  // embeddings + 3 layers
    // last_hidden_state = final_layer_norm(hidden_states[-1]).
    CHECK(at::allclose(model->text_model->final_layer_norm(out.hiddenStates.back()), out.lastHiddenState));
    // Causal: changing the last token changes nothing before it.
    at::Tensor changed = ids.clone();
    changed[0][9] = 17;
    const auto other = model->forward(changed).lastHiddenState;
    CHECK(at::equal(other[0].narrow(0, 0, 9), out.lastHiddenState[0].narrow(0, 0, 9)));
    CHECK_FALSE(at::allclose(other[0][9], out.lastHiddenState[0][9]));
    // Without hidden states requested, none are kept.
    CHECK(model->forward(ids).hiddenStates.empty());
}

TEST_CASE("CLIPTextModel: pooling follows transformers 4.38's eos_token_id rule", "[unit][clip]") {
    c10::NoGradGuard noGrad;
    const at::Tensor ids = sampleIds();
    SECTION("eos_token_id == 2: the largest id") {
        CLIPTextModel model(tinyConfig());
        const auto out = model->forward(ids);
        CHECK(at::equal(out.poolerOutput[0], out.lastHiddenState[0][3]));  // 49 at position 3
        CHECK(at::equal(out.poolerOutput[1], out.lastHiddenState[1][1]));  // 49 at position 1
    }
    SECTION("another eos_token_id: its first occurrence") {
        CLIPTextConfig c = tinyConfig();
        c.eosTokenId = 3;
        CLIPTextModel model(c);
        const auto out = model->forward(ids);
        CHECK(at::equal(out.poolerOutput[0], out.lastHiddenState[0][4]));  // first 3
        CHECK(at::equal(out.poolerOutput[1], out.lastHiddenState[1][0]));  // no 3: argmax of zeros is 0
    }
}

TEST_CASE("CLIPTextModel: bad input ids are InvalidRequests", "[unit][clip]") {
    c10::NoGradGuard noGrad;
    CLIPTextModel model(tinyConfig());
    CHECK_THROWS_AS(model->forward(at::zeros({1, 11}, at::kLong)), InvalidRequest);  // > max_position_embeddings
    CHECK_THROWS_WITH(model->forward(at::full({1, 4}, 50, at::kLong)), Catch::Contains("50"));
    CHECK_THROWS_AS(model->forward(at::zeros({4}, at::kLong)), InvalidRequest);
    CHECK_THROWS_AS(model->forward(at::zeros({1, 4}, at::kFloat)), InvalidRequest);
}

TEST_CASE("loadCLIPTextModel: position_ids, F16 weights and bad checkpoints", "[unit][clip]") {
    c10::NoGradGuard noGrad;
    const CLIPTextConfig config = tinyConfig();
    CLIPTextModel reference(config);
    reference->eval();
    const auto state = stateOf(*reference);
    const at::Tensor ids = sampleIds();
    const at::Tensor expected = reference->forward(ids).lastHiddenState;

    test::TempDir dir;
    writeConfig(dir.file("config.json"), config);
    auto tensors = state;
    auto load = [&] {
        io::writeSafetensors(dir.file("model.safetensors"), tensors);
        return models::loadCLIPTextModel(dir.path(), at::kFloat, at::kCPU);
    };

    SECTION("position_ids as int64, as older transformers saved it, is ignored") {
        tensors["text_model.embeddings.position_ids"] = at::arange(config.maxPositionEmbeddings, at::kLong).view({1, -1});
        auto model = load();
        CHECK(at::equal(model->forward(ids).lastHiddenState, expected));
        for (const auto& p : model->parameters()) CHECK_FALSE(p.requires_grad());
    }
    SECTION("position_ids as a float tensor with slightly wrong values is ignored too") {
        tensors["text_model.embeddings.position_ids"] =
            (at::arange(config.maxPositionEmbeddings, at::kFloat) + 0.0004).view({1, -1});
        CHECK(at::equal(load()->forward(ids).lastHiddenState, expected));
    }
    SECTION("F16 weights are converted") {
        for (auto& [name, t] : tensors) t = t.to(at::kHalf);
        auto model = load();
        for (const auto& p : model->named_parameters()) {
            INFO(p.key());
            CHECK(p.value().scalar_type() == at::kFloat);
            CHECK(at::equal(p.value(), state.at(p.key()).to(at::kHalf).to(at::kFloat)));
        }
    }
    SECTION("BF16 on the CPU runs; F16 on the CPU is refused up front") {
        io::writeSafetensors(dir.file("model.safetensors"), tensors);
        const at::Tensor out = models::loadCLIPTextModel(dir.path(), at::kBFloat16, at::kCPU)->forward(ids).lastHiddenState;
        CHECK(out.scalar_type() == at::kBFloat16);
        CHECK(at::allclose(out.to(at::kFloat), expected, /*rtol=*/0.1, /*atol=*/0.2));
        CHECK_THROWS_AS(models::loadCLIPTextModel(dir.path(), at::kHalf, at::kCPU), InvalidRequest);
    }
    SECTION("an unexpected tensor is a LoadError naming it") {
        tensors["text_projection.weight"] = at::zeros({16, 16});
        CHECK_THROWS_WITH(load(), Catch::Contains("text_projection.weight") && Catch::Contains("model.safetensors"));
    }
    SECTION("a missing tensor is a LoadError naming it") {
        tensors.erase("text_model.final_layer_norm.bias");
        CHECK_THROWS_WITH(load(), Catch::Contains("text_model.final_layer_norm.bias"));
    }
    SECTION("a config that does not match the weights") {
        CLIPTextConfig wider = config;
        wider.hiddenSize = 32;
        writeConfig(dir.file("config.json"), wider);
        CHECK_THROWS_AS(load(), LoadError);
    }
}
