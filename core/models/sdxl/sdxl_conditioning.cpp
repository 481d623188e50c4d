#include "models/sdxl/sdxl_conditioning.h"

#include "dragdiff/error.h"

#include <c10/core/GradMode.h>

namespace dragdiff::models {
namespace {

at::Tensor tokenize(const CLIPTokenizer& tokenizer, const std::vector<std::string>& prompts) {
    std::vector<int64_t> ids;
    int64_t length = -1;
    for (const auto& prompt : prompts) {
        const std::vector<int64_t> row = tokenizer.encode(prompt);
        if (length >= 0 && static_cast<int64_t>(row.size()) != length)
            throw InvalidRequest("SDXL prompt: the tokenizer in '" + tokenizer.folder() + "' gave rows of different lengths");
        length = static_cast<int64_t>(row.size());
        ids.insert(ids.end(), row.begin(), row.end());
    }
    return at::tensor(ids, at::kLong).view({static_cast<int64_t>(prompts.size()), length});
}

}  // namespace

SDXLPromptEmbeds encodeSDXLPrompts(CLIPTextModel& textEncoder, const CLIPTokenizer& tokenizer,
                                   CLIPTextModelWithProjection& textEncoder2, const CLIPTokenizer& tokenizer2,
                                   const std::vector<std::string>& prompts) {
    if (prompts.empty()) throw InvalidRequest("SDXL prompt: no prompt to encode");
    const at::Tensor ids1 = tokenize(tokenizer, prompts);
    const at::Tensor ids2 = tokenize(tokenizer2, prompts);
    if (ids1.size(1) != ids2.size(1))
        throw InvalidRequest("SDXL prompt: tokenizer pads to " + std::to_string(ids1.size(1)) + " tokens but tokenizer_2 to " +
                             std::to_string(ids2.size(1)) + "; the two must agree (model_max_length)");
    const CLIPTextOutput out1 = textEncoder->forward(ids1, /*outputHiddenStates=*/true);
    const CLIPTextWithProjectionOutput out2 = textEncoder2->forward(ids2, /*outputHiddenStates=*/true);
    const auto& h1 = out1.hiddenStates;
    const auto& h2 = out2.text.hiddenStates;
    SDXLPromptEmbeds e;
    e.promptEmbeds = at::cat({h1[h1.size() - 2], h2[h2.size() - 2]}, -1);  // [B, L, D1 + D2]
    e.pooledPromptEmbeds = out2.textEmbeds;                                 // [B, P]
    return e;
}

SDXLPromptEmbeds zeroSDXLPromptEmbeds(const SDXLPromptEmbeds& like) {
    return {at::zeros_like(like.promptEmbeds), at::zeros_like(like.pooledPromptEmbeds)};
}

at::Tensor sdxlAddTimeIds(int64_t height, int64_t width) {
    const std::vector<float> ids{static_cast<float>(height), static_cast<float>(width), 0.f, 0.f,
                                 static_cast<float>(height), static_cast<float>(width)};
    return at::tensor(ids, at::kFloat).view({1, 6});
}

bool promptIsBlank(const std::string& prompt) { return prompt.find_first_not_of(" \t\r\n") == std::string::npos; }

}  // namespace dragdiff::models
