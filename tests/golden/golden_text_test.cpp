// Text side of every golden case: the tokenizer reproduces text/input_ids for case.json's
// prompts, the text encoder reproduces last_hidden_state, pooler_output and hidden_states[-2] on
// those ids, and dift/prompt_embeds for the DIFT prompt. Nothing depends on a case's name or size.
#include "support/catch.h"

#include "models/clip/clip_text_model.h"
#include "models/clip/clip_tokenizer.h"
#include "support/golden_case.h"

#include <c10/core/GradMode.h>

using namespace dragdiff;

namespace {

at::Tensor idsTensor(const std::vector<int64_t>& ids) {
    return at::tensor(ids, at::kLong).view({1, static_cast<int64_t>(ids.size())});
}

}  // namespace

TEST_CASE("golden: CLIP tokenizer reproduces text/input_ids", "[golden][tokenizer]") {
    for (const auto& c : test::goldenCasesWith("text_encoder")) {
        INFO(c.name());
        const auto tok = models::CLIPTokenizer::load(c.path("tokenizer"));
        REQUIRE(tok.hasVocabulary());
        const auto& prompts = c.spec().at("prompts");
        const at::Tensor ref = c.tensor("text/input_ids");
        REQUIRE(ref.dim() == 2);
        REQUIRE(ref.size(0) == static_cast<int64_t>(prompts.size()));
        CHECK(tok.maxLength() == ref.size(1));
        if (c.spec().contains("tokenizer")) {
            // SDXL cases list each tokenizer under its folder name.
            const auto& all = c.spec().at("tokenizer");
            const auto& info = all.contains("tokenizer") ? all.at("tokenizer") : all;
            CHECK(tok.bosTokenId() == info.value("bos_token_id", int64_t{-1}));
            CHECK(tok.eosTokenId() == info.value("eos_token_id", int64_t{-1}));
            CHECK(tok.padTokenId() == info.value("pad_token_id", int64_t{-1}));
            CHECK(tok.maxLength() == info.value("max_length", -1));
        }
        for (size_t i = 0; i < prompts.size(); ++i) {
            const std::string prompt = prompts[i].get<std::string>();
            INFO("prompt " << i << ": \"" << prompt << "\"");
            const at::Tensor row = ref[static_cast<int64_t>(i)].to(at::kLong).contiguous();
            const std::vector<int64_t> expected(row.data_ptr<int64_t>(), row.data_ptr<int64_t>() + row.numel());
            CHECK(tok.encode(prompt) == expected);
        }
    }
}

TEST_CASE("golden: CLIP text encoder reproduces the reference hidden states", "[golden][clip]") {
    c10::NoGradGuard noGrad;
    for (const auto& c : test::goldenCasesWith("text_encoder")) {
        INFO(c.name());
        auto model = models::loadCLIPTextModel(c.path("text_encoder"), at::kFloat, at::kCPU);
        const at::Tensor ids = c.tensor("text/input_ids");
        const auto out = model->forward(ids, /*outputHiddenStates=*/true);
        REQUIRE(out.hiddenStates.size() == static_cast<size_t>(model->config().numHiddenLayers) + 1);
        CHECK_GOLDEN(c, "text/last_hidden_state", out.lastHiddenState);
        CHECK_GOLDEN(c, "text/pooler_output", out.poolerOutput);
        CHECK_GOLDEN(c, "text/penultimate_hidden_state", out.hiddenStates[out.hiddenStates.size() - 2]);
    }
}

TEST_CASE("golden: DIFT prompt embeddings from the prompt text", "[golden][clip][tokenizer]") {
    c10::NoGradGuard noGrad;
    for (const auto& c : test::goldenCasesWith("text_encoder")) {
        INFO(c.name());
        if (c.isSDXL()) continue;  // both encoders: golden_sdxl_text_test.cpp
        const std::string prompt = c.spec().at("dift").at("prompt").get<std::string>();
        const auto tok = models::CLIPTokenizer::load(c.path("tokenizer"));
        auto model = models::loadCLIPTextModel(c.path("text_encoder"), at::kFloat, at::kCPU);
        CHECK_GOLDEN(c, "dift/prompt_embeds", model->forward(idsTensor(tok.encode(prompt))).lastHiddenState);
    }
}
