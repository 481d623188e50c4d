// Ports transformers 4.38 CLIPTokenizer (tokenization_clip.py) and the parts of
// PreTrainedTokenizer / PreTrainedTokenizerBase that SD pipelines exercise: loading (special and
// added tokens), tokenize() with the added-token split, truncation and max_length padding.
#include "models/clip/clip_tokenizer.h"

#include "dragdiff/error.h"
#include "io/atomic_file.h"
#include "models/clip/clip_text_cleanup.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <climits>
#include <filesystem>
#include <map>
#include <optional>

namespace fs = std::filesystem;
using nlohmann::json;

namespace dragdiff::models {
namespace {

// CLIPTokenizer reads merges.txt lines [1, 49152 - 256 - 2 + 1): the header line is skipped and
// at most this many merges are used.
constexpr size_t kMaxMerges = 49152 - 256 - 2;

json readJsonFile(const std::string& path) {
    const std::string text = io::readTextFile(path);
    try {
        return json::parse(text);
    } catch (const json::exception& e) {
        throw LoadError("'" + path + "' is not valid JSON: " + e.what());
    }
}

std::optional<json> readOptionalJson(const std::string& path) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) return std::nullopt;
    json j = readJsonFile(path);
    if (!j.is_object()) throw LoadError("'" + path + "' is not a JSON object");
    return j;
}

bool isSpace(char32_t c) { return clip::isPythonWhitespace(c); }

std::u32string stripLeft(std::u32string s) {
    size_t i = 0;
    while (i < s.size() && isSpace(s[i])) ++i;
    return s.substr(i);
}

std::u32string stripRight(std::u32string s) {
    while (!s.empty() && isSpace(s.back())) s.pop_back();
    return s;
}

// Python's str.split() on ASCII text (merges.txt lines).
std::vector<std::string> splitOnSpaces(const std::string& line) {
    std::vector<std::string> parts;
    size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
        size_t end = i;
        while (end < line.size() && !std::isspace(static_cast<unsigned char>(line[end]))) ++end;
        if (end > i) parts.push_back(line.substr(i, end - i));
        i = end;
    }
    return parts;
}

// A special token as written in tokenizer_config.json / special_tokens_map.json: a string or an
// AddedToken object.
struct TokenSpec {
    std::string content;
    bool lstrip = false;
    bool rstrip = false;
    bool singleWord = false;
};

std::optional<TokenSpec> parseTokenSpec(const json& v, const std::string& file, const std::string& key) {
    if (v.is_null()) return std::nullopt;
    TokenSpec spec;
    if (v.is_string()) {
        spec.content = v.get<std::string>();
        return spec;
    }
    if (v.is_object() && v.contains("content") && v.at("content").is_string()) {
        spec.content = v.at("content").get<std::string>();
        auto flag = [&](const char* name) {
            auto it = v.find(name);
            return it != v.end() && it->is_boolean() && it->get<bool>();
        };
        spec.lstrip = flag("lstrip");
        spec.rstrip = flag("rstrip");
        spec.singleWord = flag("single_word");
        return spec;
    }
    throw LoadError("'" + file + "': '" + key + "' should be a token string or an object with a \"content\" string, found " +
                    v.dump().substr(0, 80));
}

}  // namespace

const std::vector<std::string>& CLIPTokenizer::byteEncoder() {
    static const std::vector<std::string> table = [] {
        // Printable Latin-1 bytes stand for themselves; the others (controls, space, 0x7F-0xA0,
        // 0xAD) are mapped in byte order onto code points 256, 257, ...
        std::vector<std::string> t(256);
        int next = 256;
        for (int b = 0; b < 256; ++b) {
            const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            const char32_t c = printable ? static_cast<char32_t>(b) : static_cast<char32_t>(next++);
            t[static_cast<size_t>(b)] = clip::encodeUtf8(std::u32string(1, c));
        }
        return t;
    }();
    return table;
}

bool CLIPTokenizer::folderHasTokenizer(const std::string& folder) {
    std::error_code ec;
    return fs::is_regular_file(fs::path(folder) / "vocab.json", ec) ||
           fs::is_regular_file(fs::path(folder) / "merges.txt", ec);
}

CLIPTokenizer CLIPTokenizer::loadOrWithoutFiles(const std::string& folder) {
    return folderHasTokenizer(folder) ? load(folder) : withoutFiles(folder);
}

CLIPTokenizer CLIPTokenizer::withoutFiles(const std::string& folder, const CLIPSpecialTokenIds& ids) {
    if (ids.maxLength < 2) throw InvalidRequest("a CLIP tokenizer needs a max length of at least 2 (BOS and EOS)");
    CLIPTokenizer t;
    t.folder_ = folder;
    t.bos_ = ids.bos;
    t.eos_ = ids.eos;
    t.pad_ = ids.pad;
    t.maxLength_ = ids.maxLength;
    return t;
}

CLIPTokenizer CLIPTokenizer::load(const std::string& folder) {
    CLIPTokenizer t;
    t.folder_ = folder;
    const std::string vocabPath = (fs::path(folder) / "vocab.json").string();
    const std::string mergesPath = (fs::path(folder) / "merges.txt").string();
    const std::string configPath = (fs::path(folder) / "tokenizer_config.json").string();
    const std::string specialPath = (fs::path(folder) / "special_tokens_map.json").string();
    const std::string addedPath = (fs::path(folder) / "added_tokens.json").string();

    std::error_code ec;
    if (!fs::is_directory(folder, ec))
        throw LoadError("tokenizer folder '" + folder + "' is missing; it should hold vocab.json and merges.txt");
    for (const auto& p : {vocabPath, mergesPath})
        if (!fs::is_regular_file(p, ec))
            throw LoadError("tokenizer file '" + p + "' is missing; a CLIP tokenizer needs vocab.json and merges.txt");

    // vocab.json: token -> id.
    const json vocab = readJsonFile(vocabPath);
    if (!vocab.is_object() || vocab.empty())
        throw LoadError("'" + vocabPath + "' should be a non-empty JSON object mapping tokens to ids");
    for (auto it = vocab.begin(); it != vocab.end(); ++it) {
        if (!it.value().is_number_integer() || it.value().get<int64_t>() < 0)
            throw LoadError("'" + vocabPath + "': the id of token '" + it.key() + "' should be a non-negative integer, found " +
                            it.value().dump().substr(0, 40));
        t.vocab_[it.key()] = it.value().get<int64_t>();
    }

    // merges.txt: read().strip().split("\n")[1 : kMaxMerges + 1], each line "first second".
    std::string merges = io::readTextFile(mergesPath);
    const size_t first = merges.find_first_not_of(" \t\n\r\f\v");
    const size_t last = merges.find_last_not_of(" \t\n\r\f\v");
    merges = first == std::string::npos ? std::string() : merges.substr(first, last - first + 1);
    size_t pos = merges.find('\n');  // skip the "#version" line
    for (size_t rank = 0; pos != std::string::npos && rank < kMaxMerges; ++rank) {
        const size_t start = pos + 1;
        pos = merges.find('\n', start);
        const auto parts = splitOnSpaces(merges.substr(start, pos == std::string::npos ? std::string::npos : pos - start));
        if (parts.size() == 2) t.mergeRanks_[parts[0] + " " + parts[1]] = static_cast<int>(rank);  // later duplicates win
    }

    // Special tokens: CLIPTokenizer.__init__ defaults, then tokenizer_config.json, then (legacy
    // folders whose config has no added_tokens_decoder) special_tokens_map.json on top.
    const json config = readOptionalJson(configPath).value_or(json::object());
    const bool legacy = !config.contains("added_tokens_decoder");
    static const char* kSpecialKeys[] = {"bos_token", "eos_token", "unk_token", "sep_token",
                                         "pad_token", "cls_token", "mask_token"};
    std::map<std::string, std::optional<TokenSpec>> specials{
        {"bos_token", TokenSpec{"<|startoftext|>"}},
        {"eos_token", TokenSpec{"<|endoftext|>"}},
        {"unk_token", TokenSpec{"<|endoftext|>"}},
        {"pad_token", TokenSpec{"<|endoftext|>"}},
    };
    std::vector<TokenSpec> additional;
    auto readSpecials = [&](const json& j, const std::string& file) {
        for (const char* key : kSpecialKeys)
            if (j.contains(key)) specials[key] = parseTokenSpec(j.at(key), file, key);
        if (j.contains("additional_special_tokens") && j.at("additional_special_tokens").is_array()) {
            for (const auto& v : j.at("additional_special_tokens")) {
                auto spec = parseTokenSpec(v, file, "additional_special_tokens");
                if (!spec) continue;
                const bool seen = std::any_of(additional.begin(), additional.end(),
                                              [&](const TokenSpec& s) { return s.content == spec->content; });
                if (!seen) additional.push_back(*spec);
            }
        }
    };
    readSpecials(config, configPath);
    if (legacy) {
        if (auto special = readOptionalJson(specialPath)) readSpecials(*special, specialPath);
    }

    // Added tokens with explicit ids: tokenizer_config's added_tokens_decoder, or added_tokens.json.
    auto addToken = [&](const TokenSpec& spec, int64_t id) {
        AddedToken a;
        a.content = clip::decodeUtf8(spec.content);
        a.id = id;
        a.lstrip = spec.lstrip;
        a.rstrip = spec.rstrip;
        a.singleWord = spec.singleWord;
        for (auto& existing : t.added_)
            if (existing.content == a.content) {
                existing = a;
                return;
            }
        t.added_.push_back(a);
    };
    if (!legacy) {
        const json& decoder = config.at("added_tokens_decoder");
        if (!decoder.is_object()) throw LoadError("'" + configPath + "': added_tokens_decoder should be an object");
        for (auto it = decoder.begin(); it != decoder.end(); ++it) {
            int64_t id = -1;
            try {
                size_t used = 0;
                id = std::stoll(it.key(), &used);
                if (used != it.key().size()) id = -1;
            } catch (const std::exception&) {
            }
            auto spec = parseTokenSpec(it.value(), configPath, "added_tokens_decoder." + it.key());
            if (id < 0 || !spec)
                throw LoadError("'" + configPath + "': added_tokens_decoder entry '" + it.key() +
                                "' should map a non-negative id to a token object");
            addToken(*spec, id);
        }
    } else if (auto addedJson = readOptionalJson(addedPath)) {
        for (auto it = addedJson->begin(); it != addedJson->end(); ++it) {
            if (!it.value().is_number_integer() || it.value().get<int64_t>() < 0)
                throw LoadError("'" + addedPath + "': the id of '" + it.key() + "' should be a non-negative integer");
            addToken(TokenSpec{it.key()}, it.value().get<int64_t>());
        }
    }

    // Special tokens not added yet join the added tokens (PreTrainedTokenizer.__init__ step 4):
    // at their vocab id, or at the end of the vocabulary when they are new.
    std::vector<TokenSpec> specialOrder;
    for (const char* key : kSpecialKeys)
        if (specials.count(key) && specials[key] && !specials[key]->content.empty()) specialOrder.push_back(*specials[key]);
    specialOrder.insert(specialOrder.end(), additional.begin(), additional.end());
    int64_t nextId = static_cast<int64_t>(t.vocab_.size());
    for (const auto& a : t.added_)
        if (!t.vocab_.count(clip::encodeUtf8(a.content))) ++nextId;
    for (const auto& spec : specialOrder) {
        if (t.findAdded(clip::decodeUtf8(spec.content))) continue;
        auto it = t.vocab_.find(spec.content);
        addToken(spec, it != t.vocab_.end() ? it->second : nextId++);
    }

    // Unknown token: looked up in the vocabulary only (CLIPTokenizer._convert_token_to_id).
    if (specials["unk_token"]) {
        t.unkToken_ = specials["unk_token"]->content;
        auto it = t.vocab_.find(t.unkToken_);
        if (it != t.vocab_.end()) t.unk_ = it->second;
    }
    auto specialId = [&](const char* key) -> int64_t {
        if (!specials[key])
            throw LoadError("tokenizer in '" + folder + "' defines no " + key +
                            ", which Stable Diffusion prompts need (set it in tokenizer_config.json)");
        const std::string& content = specials[key]->content;
        if (const AddedToken* a = t.findAdded(clip::decodeUtf8(content))) return a->id;
        auto it = t.vocab_.find(content);
        if (it != t.vocab_.end()) return it->second;
        if (t.unk_ >= 0) return t.unk_;
        throw LoadError("tokenizer in '" + folder + "': " + key + " '" + content + "' is neither in '" + vocabPath +
                        "' nor an added token");
    };
    t.bos_ = specialId("bos_token");
    t.eos_ = specialId("eos_token");
    t.pad_ = specialId("pad_token");

    if (config.contains("model_max_length") && !config.at("model_max_length").is_null()) {
        const json& m = config.at("model_max_length");
        const double v = m.is_number() ? m.get<double>() : -1.0;
        if (!(v >= 2 && v <= 65536) || v != static_cast<double>(static_cast<int>(v)))
            throw LoadError("'" + configPath + "': model_max_length should be an integer between 2 and 65536, found " +
                            m.dump().substr(0, 40) + " (Stable Diffusion's CLIP uses 77)");
        t.maxLength_ = static_cast<int>(v);
    }
    auto side = [&](const char* key) {
        if (!config.contains(key) || config.at(key).is_null()) return false;
        const json& v = config.at(key);
        if (v == "left") return true;
        if (v == "right") return false;
        throw LoadError("'" + configPath + "': " + key + " should be \"left\" or \"right\", found " + v.dump().substr(0, 40));
    };
    t.truncateLeft_ = side("truncation_side");
    t.padLeft_ = side("padding_side");
    return t;
}

const CLIPTokenizer::AddedToken* CLIPTokenizer::findAdded(const std::u32string& piece) const {
    for (const auto& a : added_)
        if (a.content == piece) return &a;
    return nullptr;
}

// Trie.split: cuts the text around added tokens, leftmost match first, longest at a position.
std::vector<std::u32string> CLIPTokenizer::splitOnAddedTokens(const std::u32string& text) const {
    std::vector<std::u32string> pieces;
    size_t start = 0;
    size_t i = 0;
    while (i < text.size()) {
        size_t best = 0;
        for (const auto& a : added_)
            if (!a.content.empty() && a.content.size() > best && text.compare(i, a.content.size(), a.content) == 0)
                best = a.content.size();
        if (!best) {
            ++i;
            continue;
        }
        if (i > start) pieces.push_back(text.substr(start, i - start));
        pieces.push_back(text.substr(i, best));
        i += best;
        start = i;
    }
    if (start < text.size()) pieces.push_back(text.substr(start));
    return pieces;
}

std::vector<std::string> CLIPTokenizer::bpe(const std::string& word) const {
    // CLIPTokenizer's cache is seeded with the two special tokens: they bypass BPE.
    if (word == "<|startoftext|>" || word == "<|endoftext|>") return {word};
    const auto& enc = byteEncoder();
    std::vector<std::string> symbols;
    symbols.reserve(word.size());
    for (unsigned char b : word) symbols.push_back(enc[b]);
    if (symbols.empty()) return {};
    symbols.back() += "</w>";

    while (symbols.size() > 1) {
        int bestRank = INT_MAX;
        size_t bestAt = 0;
        for (size_t i = 0; i + 1 < symbols.size(); ++i) {
            auto it = mergeRanks_.find(symbols[i] + " " + symbols[i + 1]);
            if (it != mergeRanks_.end() && it->second < bestRank) {
                bestRank = it->second;
                bestAt = i;
            }
        }
        if (bestRank == INT_MAX) break;
        // Merge every occurrence of the best pair, left to right.
        const std::string left = symbols[bestAt];
        const std::string right = symbols[bestAt + 1];
        std::vector<std::string> merged;
        merged.reserve(symbols.size());
        for (size_t i = 0; i < symbols.size();) {
            if (i + 1 < symbols.size() && symbols[i] == left && symbols[i + 1] == right) {
                merged.push_back(left + right);
                i += 2;
            } else {
                merged.push_back(symbols[i]);
                i += 1;
            }
        }
        symbols = std::move(merged);
    }
    return symbols;
}

std::vector<std::string> CLIPTokenizer::tokenize(const std::string& prompt) const {
    if (!hasVocabulary()) throwNoVocabulary();
    std::vector<std::u32string> pieces = splitOnAddedTokens(clip::decodeUtf8(prompt));
    // The stripping rules of added tokens (all off for CLIP's specials, kept for fidelity).
    for (size_t i = 0; i < pieces.size(); ++i) {
        const AddedToken* a = findAdded(pieces[i]);
        if (!a) continue;
        const std::u32string token = pieces[i];
        const std::u32string left = i > 0 ? pieces[i - 1] : std::u32string();
        const std::u32string right = i + 1 < pieces.size() ? pieces[i + 1] : std::u32string();
        if (a->rstrip && !right.empty()) pieces[i + 1] = stripLeft(right);
        if (a->lstrip && !left.empty()) pieces[i - 1] = stripRight(left);
        if (a->singleWord && !left.empty() && left.back() != U' ') {
            pieces[i - 1] += token;
            pieces[i].clear();
        } else if (a->singleWord && !right.empty() && right.front() != U' ') {
            pieces[i + 1] = token + pieces[i + 1];
            pieces[i].clear();
        }
    }
    std::vector<std::string> tokens;
    for (const auto& piece : pieces) {
        if (piece.empty()) continue;
        if (findAdded(piece)) {
            tokens.push_back(clip::encodeUtf8(piece));
            continue;
        }
        for (const auto& word : clip::splitWords(clip::basicClean(piece)))
            for (auto& t : bpe(clip::encodeUtf8(word))) tokens.push_back(std::move(t));
    }
    return tokens;
}

int64_t CLIPTokenizer::tokenToId(const std::string& token) const {
    if (const AddedToken* a = findAdded(clip::decodeUtf8(token))) return a->id;
    auto it = vocab_.find(token);
    if (it != vocab_.end()) return it->second;
    if (unk_ >= 0) return unk_;
    throw InvalidRequest("the prompt produces the token '" + token + "', which is not in the vocabulary of '" + folder_ +
                         "', and the unknown token '" + unkToken_ + "' is not in it either; the tokenizer files are broken");
}

std::vector<int64_t> CLIPTokenizer::tokenIds(const std::string& prompt) const {
    std::vector<int64_t> ids;
    for (const auto& t : tokenize(prompt)) ids.push_back(tokenToId(t));
    return ids;
}

void CLIPTokenizer::throwNoVocabulary() const {
    throw InvalidRequest("this model has no tokenizer files ('" + (folder_.empty() ? std::string("tokenizer") : folder_) +
                         "' with vocab.json and merges.txt is missing), so it can only run with an empty prompt; "
                         "clear the prompt or add the model's tokenizer folder");
}

std::vector<int64_t> CLIPTokenizer::encode(const std::string& prompt) const {
    std::vector<int64_t> ids;
    if (hasVocabulary()) {
        ids = tokenIds(prompt);
    } else if (!clip::splitWords(clip::basicClean(clip::decodeUtf8(prompt))).empty()) {
        throwNoVocabulary();
    }
    // truncation=True: BOS and EOS stay, the prompt's tokens are cut to fit.
    const size_t room = static_cast<size_t>(maxLength_) - 2;
    if (ids.size() > room) {
        if (truncateLeft_) ids.erase(ids.begin(), ids.end() - static_cast<std::ptrdiff_t>(room));
        else ids.resize(room);
    }
    std::vector<int64_t> out;
    out.reserve(static_cast<size_t>(maxLength_));
    const size_t padding = room - ids.size();
    if (padLeft_) out.insert(out.end(), padding, pad_);
    out.push_back(bos_);
    out.insert(out.end(), ids.begin(), ids.end());
    out.push_back(eos_);
    if (!padLeft_) out.insert(out.end(), padding, pad_);
    return out;
}

}  // namespace dragdiff::models
