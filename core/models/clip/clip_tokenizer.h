#pragma once
// Ports transformers 4.38 CLIPTokenizer (the Python "slow" tokenizer, without ftfy, as in the
// reference) the way Stable Diffusion pipelines call it:
//   tokenizer(prompt, padding="max_length", max_length=tokenizer.model_max_length, truncation=True)
// Added/special tokens split the prompt first (PreTrainedTokenizer.tokenize's trie), each other
// piece goes through the clean-up and regex of clip_text_cleanup.h, byte-level encoding
// (bytes_to_unicode) and BPE with `</w>` word ends; then BOS + ids + EOS, truncated to
// model_max_length with EOS kept last and padded with the pad token.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace dragdiff::models {

// Special ids and length for a model that ships no tokenizer files (Stable Diffusion 1.x
// conventions: BOS <|startoftext|> 49406, EOS = pad = <|endoftext|> 49407, 77 positions).
struct CLIPSpecialTokenIds {
    int64_t bos = 49406;
    int64_t eos = 49407;
    int64_t pad = 49407;
    int maxLength = 77;
};

class CLIPTokenizer {
public:
    // Reads `folder`/vocab.json and merges.txt, and when present tokenizer_config.json,
    // special_tokens_map.json and added_tokens.json, with transformers 4.38's precedence.
    // Throws LoadError naming the file and key at fault.
    static CLIPTokenizer load(const std::string& folder);
    // Whether `folder` holds tokenizer files at all (vocab.json or merges.txt).
    static bool folderHasTokenizer(const std::string& folder);
    // A tokenizer for a model without tokenizer files: prompts without words (empty or blank)
    // encode to BOS, EOS, pad...; any other prompt is an InvalidRequest. `folder` names the
    // missing folder in that message.
    static CLIPTokenizer withoutFiles(const std::string& folder, const CLIPSpecialTokenIds& ids = {});
    // load(folder) when folderHasTokenizer(folder), else withoutFiles(folder).
    static CLIPTokenizer loadOrWithoutFiles(const std::string& folder);

    // False for a tokenizer made by withoutFiles: the caller can tell the user prompts are unavailable.
    bool hasVocabulary() const { return !vocab_.empty(); }

    // The pipeline's input ids: exactly maxLength() ids.
    std::vector<int64_t> encode(const std::string& prompt) const;
    // tokenizer.tokenize(prompt): BPE tokens (vocab strings) and added tokens, untruncated.
    std::vector<std::string> tokenize(const std::string& prompt) const;
    // convert_tokens_to_ids(tokenize(prompt)): no BOS/EOS, untruncated.
    std::vector<int64_t> tokenIds(const std::string& prompt) const;
    // Added tokens first, then the vocabulary, else the unknown token's id.
    int64_t tokenToId(const std::string& token) const;

    int64_t bosTokenId() const { return bos_; }
    int64_t eosTokenId() const { return eos_; }
    int64_t padTokenId() const { return pad_; }
    int maxLength() const { return maxLength_; }
    const std::string& folder() const { return folder_; }

    // bytes_to_unicode(): byte b -> the (UTF-8 encoded) character standing for it in the vocab.
    static const std::vector<std::string>& byteEncoder();

private:
    struct AddedToken {
        std::u32string content;
        int64_t id = 0;
        bool lstrip = false;
        bool rstrip = false;
        bool singleWord = false;
    };

    CLIPTokenizer() = default;
    std::vector<std::string> bpe(const std::string& word) const;
    std::vector<std::u32string> splitOnAddedTokens(const std::u32string& text) const;
    const AddedToken* findAdded(const std::u32string& piece) const;
    [[noreturn]] void throwNoVocabulary() const;

    std::string folder_;
    std::unordered_map<std::string, int64_t> vocab_;
    std::unordered_map<std::string, int> mergeRanks_;  // "first second" -> rank
    std::vector<AddedToken> added_;
    int64_t bos_ = 0, eos_ = 0, pad_ = 0;
    int64_t unk_ = -1;  // -1: the unknown token is not in the vocabulary
    std::string unkToken_;
    int maxLength_ = 77;
    bool truncateLeft_ = false;
    bool padLeft_ = false;
};

}  // namespace dragdiff::models
