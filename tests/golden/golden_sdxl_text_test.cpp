// SDXL's text side on every SDXL golden case (model_index.json names StableDiffusionXLPipeline):
// tokenizer_2 and text_encoder_2 (CLIPTextModelWithProjection) against text_2/*, encode_prompt
// against sdxl/* (both prompts, the empty prompt, force_zeros_for_empty_prompt), the size/crop ids
// against sdxl/add_time_ids and dift/add_time_ids, and the DIFT prompt. Sizes come from the
// case's tensors, never from its name.
#include "support/catch.h"

#include "models/clip/clip_text_model.h"
#include "models/clip/clip_text_model_with_projection.h"
#include "models/clip/clip_tokenizer.h"
#include "models/sdxl/sdxl_conditioning.h"
#include "support/golden_case.h"

#include <c10/core/GradMode.h>

using namespace dragdiff;

namespace {

std::vector<test::GoldenCase> sdxlCases() {
    std::vector<test::GoldenCase> out;
    for (auto& c : test::allGoldenCases())
        if (c.isSDXL()) out.push_back(c);
    REQUIRE_FALSE(out.empty());  // the SDXL folder is part of the golden set: never skip it silently
    return out;
}

std::vector<std::string> prompts(const test::GoldenCase& c) {
    std::vector<std::string> out;
    for (const auto& p : c.spec().at("prompts")) out.push_back(p.get<std::string>());
    return out;
}

}  // namespace

TEST_CASE("golden SDXL: tokenizer_2 reproduces text_2/input_ids with its own pad token", "[golden][tokenizer][sdxl]") {
    for (const auto& c : sdxlCases()) {
        INFO(c.name());
        const auto tok = models::CLIPTokenizer::load(c.path("tokenizer_2"));
        const auto& spec = c.spec();
        if (spec.contains("tokenizer") && spec.at("tokenizer").contains("tokenizer_2")) {
            const auto& info = spec.at("tokenizer").at("tokenizer_2");
            CHECK(tok.padTokenId() == info.at("pad_token_id").get<int64_t>());
            CHECK(tok.bosTokenId() == info.at("bos_token_id").get<int64_t>());
            CHECK(tok.eosTokenId() == info.at("eos_token_id").get<int64_t>());
        }
        const at::Tensor ref = c.tensor("text_2/input_ids");
        const auto ps = prompts(c);
        REQUIRE(ref.size(0) == static_cast<int64_t>(ps.size()));
        for (size_t i = 0; i < ps.size(); ++i) {
            INFO("prompt \"" << ps[i] << "\"");
            const at::Tensor row = ref[static_cast<int64_t>(i)].to(at::kLong).contiguous();
            const std::vector<int64_t> expected(row.data_ptr<int64_t>(), row.data_ptr<int64_t>() + row.numel());
            CHECK(tok.encode(ps[i]) == expected);
        }
    }
}

TEST_CASE("golden SDXL: text_encoder_2 reproduces hidden states, pooler output and text_embeds", "[golden][clip][sdxl]") {
    c10::NoGradGuard noGrad;
    for (const auto& c : sdxlCases()) {
        INFO(c.name());
        auto model = models::loadCLIPTextModelWithProjection(c.path("text_encoder_2"), at::kFloat, at::kCPU);
        const auto out = model->forward(c.tensor("text_2/input_ids"), /*outputHiddenStates=*/true);
        const auto& hs = out.text.hiddenStates;
        REQUIRE(hs.size() == static_cast<size_t>(model->config().numHiddenLayers) + 1);
        CHECK_GOLDEN(c, "text_2/last_hidden_state", out.text.lastHiddenState);
        CHECK_GOLDEN(c, "text_2/penultimate_hidden_state", hs[hs.size() - 2]);
        CHECK_GOLDEN(c, "text_2/pooler_output", out.text.poolerOutput);
        CHECK_GOLDEN(c, "text_2/text_embeds", out.textEmbeds);
        for (const auto& p : model->parameters()) CHECK_FALSE(p.requires_grad());
    }
}

TEST_CASE("golden SDXL: encode_prompt from the prompt texts", "[golden][clip][tokenizer][sdxl]") {
    c10::NoGradGuard noGrad;
    for (const auto& c : sdxlCases()) {
        INFO(c.name());
        auto te1 = models::loadCLIPTextModel(c.path("text_encoder"), at::kFloat, at::kCPU);
        auto te2 = models::loadCLIPTextModelWithProjection(c.path("text_encoder_2"), at::kFloat, at::kCPU);
        const auto tok1 = models::CLIPTokenizer::load(c.path("tokenizer"));
        const auto tok2 = models::CLIPTokenizer::load(c.path("tokenizer_2"));
        const auto ps = prompts(c);
        const auto e = models::encodeSDXLPrompts(te1, tok1, te2, tok2, ps);
        CHECK_GOLDEN(c, "sdxl/prompt_embeds", e.promptEmbeds);
        CHECK_GOLDEN(c, "sdxl/pooled_prompt_embeds", e.pooledPromptEmbeds);
        // The negative prompt: "" per row, or zeros with force_zeros_for_empty_prompt.
        if (c.has("sdxl/negative_prompt_embeds")) {
            const auto negative = models::encodeSDXLPrompts(te1, tok1, te2, tok2, std::vector<std::string>(ps.size(), ""));
            CHECK_GOLDEN(c, "sdxl/negative_prompt_embeds", negative.promptEmbeds);
            CHECK_GOLDEN(c, "sdxl/negative_pooled_prompt_embeds", negative.pooledPromptEmbeds);
            const auto zeros = models::zeroSDXLPromptEmbeds(negative);
            CHECK_GOLDEN(c, "sdxl/negative_prompt_embeds_force_zeros", zeros.promptEmbeds);
            CHECK_GOLDEN(c, "sdxl/negative_pooled_prompt_embeds_force_zeros", zeros.pooledPromptEmbeds);
        }
        if (!c.has("dift/pooled_prompt_embeds")) continue;
        const std::string dift = c.spec().at("dift").at("prompt").get<std::string>();
        const auto d = models::encodeSDXLPrompts(te1, tok1, te2, tok2, {dift});
        CHECK_GOLDEN(c, "dift/prompt_embeds", d.promptEmbeds);
        CHECK_GOLDEN(c, "dift/pooled_prompt_embeds", d.pooledPromptEmbeds);
    }
}

TEST_CASE("golden SDXL: add_time_ids are (H, W, 0, 0, H, W) of the picture", "[golden][sdxl]") {
    for (const auto& c : sdxlCases()) {
        INFO(c.name());
        // The format (../shared/golden/README.md, SDXL cases) fixes sdxl/add_time_ids at (8h, 8w, 0, 0,
        // 8h, 8w) for the h×w unet/sample latent: SDXL's own latent scale, whatever the tiny VAE's is.
        const int64_t scale = 8;
        const at::Tensor sample = c.tensor("unet/sample");  // [1, 4, h, w]
        CHECK_GOLDEN(c, "sdxl/add_time_ids", models::sdxlAddTimeIds(sample.size(2) * scale, sample.size(3) * scale));
        if (!c.has("dift/add_time_ids")) continue;
        const at::Tensor image = c.tensor("dift/image");  // [B, 3, H, W]
        CHECK_GOLDEN(c, "dift/add_time_ids", models::sdxlAddTimeIds(image.size(2), image.size(3)));
    }
}
