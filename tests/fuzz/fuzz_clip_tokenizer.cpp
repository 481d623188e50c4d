// Fuzzes the CLIP tokenizer in two modes, chosen by the first byte:
//   'F': the rest is a tokenizer folder's files separated by NUL bytes, in the order
//        tokenizer_config.json, special_tokens_map.json, added_tokens.json, merges.txt, vocab.json,
//        then a prompt (a missing part: that file is absent; an empty vocab.json: the default one).
//        Loading throws LoadError or yields a tokenizer that encodes the prompt.
//   otherwise: the input is a prompt for a fixed tokenizer with special and added tokens (one with
//        lstrip/rstrip/single_word), encoded, tokenized and turned into ids.
// encode() must always return exactly maxLength() ids.
#include "dragdiff/error.h"
#include "fuzz_support.h"
#include "models/clip/clip_tokenizer.h"

#include <nlohmann/json.hpp>

#include <vector>

using namespace dragdiff;
using models::CLIPTokenizer;

namespace {

const char* const kMerges = "#version: 0.2\nh o\no f</w>\nho r\nhor s\nhors e</w>\nt o</w>\n' s</w>\nc a\nca t</w>\n";

std::string defaultVocab() {
    nlohmann::json vocab = nlohmann::json::object();
    const auto& chars = CLIPTokenizer::byteEncoder();
    for (size_t i = 0; i < chars.size(); ++i) {
        vocab[chars[i]] = i;
        vocab[chars[i] + "</w>"] = i + 256;
    }
    const char* merged[] = {"ho", "of</w>", "hor", "hors", "horse</w>", "to</w>", "'s</w>", "ca", "cat</w>"};
    for (size_t r = 0; r < std::size(merged); ++r) vocab[merged[r]] = 512 + r;
    vocab["<|startoftext|>"] = 49406;
    vocab["<|endoftext|>"] = 49407;
    return vocab.dump();
}

nlohmann::json special(const char* content, bool strip = false) {
    return {{"content", content}, {"lstrip", strip}, {"normalized", true}, {"rstrip", strip}, {"single_word", strip}};
}

std::vector<std::string> defaultFiles() {
    nlohmann::json config = {{"bos_token", "<|startoftext|>"}, {"eos_token", "<|endoftext|>"},
                             {"unk_token", "<|endoftext|>"}, {"pad_token", "<|endoftext|>"},
                             {"model_max_length", 77}, {"tokenizer_class", "CLIPTokenizer"},
                             {"added_tokens_decoder",
                              {{"49406", special("<|startoftext|>")}, {"49407", special("<|endoftext|>")},
                               {"600", special("<sks>", true)}}}};
    nlohmann::json map = {{"bos_token", special("<|startoftext|>")}, {"eos_token", special("<|endoftext|>")},
                          {"unk_token", "<|endoftext|>"}, {"pad_token", "<|endoftext|>"}};
    nlohmann::json added = {{"<cat-toy>", 601}};
    return {config.dump(), map.dump(), added.dump(), kMerges, defaultVocab()};
}

const char* const kFileNames[] = {"tokenizer_config.json", "special_tokens_map.json", "added_tokens.json",
                                  "merges.txt", "vocab.json"};

void check(const CLIPTokenizer& tok, const std::string& prompt) {
    try {
        if (tok.encode(prompt).size() != static_cast<size_t>(tok.maxLength())) std::abort();
        (void)tok.tokenize(prompt);
        (void)tok.tokenIds(prompt);
    } catch (const Error&) {
    }
}

const CLIPTokenizer& fixedTokenizer() {
    static const CLIPTokenizer tok = [] {
        const auto dir = fuzz::scratchFolder() / "fixed";
        std::filesystem::create_directories(dir);
        const auto files = defaultFiles();
        for (size_t i = 0; i < files.size(); ++i) std::ofstream(dir / kFileNames[i]) << files[i];
        return CLIPTokenizer::load(dir.string());
    }();
    return tok;
}

std::string joinFiles(const std::vector<std::string>& parts, bool defaultVocabulary) {
    std::string out = "F";
    for (size_t i = 0; i < parts.size(); ++i) {
        if (i) out.push_back('\0');
        out += (i == 4 && defaultVocabulary) ? std::string() : parts[i];
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    if (auto dir = fuzz::seedFolder(); !dir.empty()) {
        fuzz::writeSeed(dir, "prompt_plain", "a photo of a horse's cat, to the hors");
        fuzz::writeSeed(dir, "prompt_special", "<|startoftext|>hello <sks>  world<cat-toy>!<|endoftext|> x");
        fuzz::writeSeed(dir, "prompt_unicode", u8"Caf\u00e9 \u00c5ngstr\u00f6m \u2160 \U0001F600 \u4e2d\u6587 \t\n  s\u0301");
        auto files = defaultFiles();
        files.push_back("the cat <sks> horse");
        fuzz::writeSeed(dir, "files_full", joinFiles(files, true));
        files[1] = "{}";
        files[2] = "{}";
        fuzz::writeSeed(dir, "files_minimal", joinFiles(files, true));
        std::exit(0);
    }
    check(fixedTokenizer(), "warm up");  // loaded before libFuzzer's per-input timeout applies
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string input(reinterpret_cast<const char*>(data), size);
    if (input.empty() || input[0] != 'F') {
        check(fixedTokenizer(), input);
        return 0;
    }
    std::vector<std::string> parts;
    size_t start = 1;
    while (parts.size() < 6) {
        size_t end = input.find('\0', start);
        parts.push_back(input.substr(start, end == std::string::npos ? std::string::npos : end - start));
        if (end == std::string::npos) break;
        start = end + 1;
    }
    const auto dir = fuzz::scratchFolder() / "loaded";
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    std::filesystem::create_directories(dir);
    for (size_t i = 0; i < 5 && i < parts.size(); ++i) {
        static const std::string vocab = defaultVocab();
        const std::string& bytes = (i == 4 && parts[i].empty()) ? vocab : parts[i];
        std::ofstream(dir / kFileNames[i], std::ios::binary) << bytes;
    }
    try {
        const CLIPTokenizer tok = CLIPTokenizer::loadOrWithoutFiles(dir.string());
        check(tok, parts.size() > 5 ? parts[5] : std::string("a cat"));
    } catch (const Error&) {
    }
    return 0;
}
