// CLIPTokenizer on a small vocabulary written by the test itself, laid out like CLIP's (and the
// golden cases' tiny one): ids 0..255 are the byte characters in bytes_to_unicode order, 256..511
// the same with "</w>", then one id per merge. Every expected id below is derived by hand from
// that layout; the derivation is in the comments.
#include "support/catch.h"

#include "dragdiff/error.h"
#include "models/clip/clip_text_cleanup.h"
#include "models/clip/clip_tokenizer.h"
#include "support/test_support.h"

#include <nlohmann/json.hpp>

#include <fstream>

using namespace dragdiff;
using models::CLIPTokenizer;
using Ids = std::vector<int64_t>;

namespace {

constexpr int64_t kBos = 49406;
constexpr int64_t kEos = 49407;

// Merges in rank order; the merged token gets id 512 + rank.
const std::vector<std::pair<std::string, std::string>> kMerges = {
    {"h", "o"},      // 512 ho
    {"o", "f</w>"},  // 513 of</w>
    {"ho", "r"},     // 514 hor
    {"hor", "s"},    // 515 hors
    {"hors", "e</w>"},  // 516 horse</w>
    {"t", "o</w>"},  // 517 to</w>
    {"'", "s</w>"},  // 518 's</w>
    {"'", "t</w>"},  // 519 't</w>
    {"c", "a"},      // 520 ca
    {"ca", "f"},     // 521 caf
    {"i", "t</w>"},  // 522 it</w>
    {"d", "o"},      // 523 do
    {"do", "n</w>"},  // 524 don</w>
    {"e", "s</w>"},  // 525 es</w>
    {"hors", "es</w>"},  // 526 horses</w>
};

// Printable ASCII byte b has id b - 33 ('!' = 0, 'a' = 64); with "</w>" it is 256 more.
int64_t ascii(char c) { return static_cast<unsigned char>(c) - 33; }
int64_t asciiEnd(char c) { return ascii(c) + 256; }

// bytes_to_unicode, written out independently of the code under test.
std::vector<std::string> byteChars() {
    std::vector<int> bs;
    for (int b = '!'; b <= '~'; ++b) bs.push_back(b);
    for (int b = 0xA1; b <= 0xAC; ++b) bs.push_back(b);
    for (int b = 0xAE; b <= 0xFF; ++b) bs.push_back(b);
    std::vector<char32_t> cs(bs.begin(), bs.end());
    int n = 0;
    for (int b = 0; b < 256; ++b)
        if (std::find(bs.begin(), bs.end(), b) == bs.end()) {
            bs.push_back(b);
            cs.push_back(static_cast<char32_t>(256 + n++));
        }
    std::vector<std::string> out;  // in vocab (id) order
    for (char32_t c : cs) out.push_back(models::clip::encodeUtf8(std::u32string(1, c)));
    return out;
}

enum class Flavour { SD1, SD2, SD2Legacy };

// Writes a tokenizer folder. SD1: pad = <|endoftext|>. SD2: pad "!" as an added token (the
// layout transformers 4.38 saves). SD2Legacy: no added_tokens_decoder; special_tokens_map.json
// overrides the config's pad (how stabilityai's SD 2.x folders are written).
void writeTokenizer(const std::string& dir, Flavour flavour) {
    nlohmann::json vocab = nlohmann::json::object();
    const auto chars = byteChars();
    for (size_t i = 0; i < chars.size(); ++i) {
        vocab[chars[i]] = i;
        vocab[chars[i] + "</w>"] = i + 256;
    }
    std::string merges = "#version: 0.2\n";
    for (size_t r = 0; r < kMerges.size(); ++r) {
        vocab[kMerges[r].first + kMerges[r].second] = 512 + r;
        merges += kMerges[r].first + " " + kMerges[r].second + "\n";
    }
    vocab["<|startoftext|>"] = kBos;
    vocab["<|endoftext|>"] = kEos;
    test::writeBytes(dir + "/vocab.json", vocab.dump(2));
    test::writeBytes(dir + "/merges.txt", merges);

    auto special = [](const char* content) {
        return nlohmann::json{{"content", content}, {"lstrip", false}, {"normalized", true},
                              {"rstrip", false},    {"single_word", false}};
    };
    nlohmann::json config = {{"bos_token", "<|startoftext|>"}, {"eos_token", "<|endoftext|>"},
                             {"unk_token", "<|endoftext|>"},   {"model_max_length", 77},
                             {"tokenizer_class", "CLIPTokenizer"}};
    nlohmann::json map = {{"bos_token", special("<|startoftext|>")},
                          {"eos_token", special("<|endoftext|>")},
                          {"unk_token", special("<|endoftext|>")}};
    nlohmann::json decoder = {{std::to_string(kBos), special("<|startoftext|>")},
                              {std::to_string(kEos), special("<|endoftext|>")}};
    switch (flavour) {
        case Flavour::SD1:
            config["pad_token"] = map["pad_token"] = "<|endoftext|>";
            config["added_tokens_decoder"] = decoder;
            break;
        case Flavour::SD2:
            config["pad_token"] = map["pad_token"] = "!";
            decoder["0"] = special("!");
            config["added_tokens_decoder"] = decoder;
            break;
        case Flavour::SD2Legacy:
            config["pad_token"] = "<|endoftext|>";  // overridden by special_tokens_map.json
            map["pad_token"] = "!";
            break;
    }
    test::writeBytes(dir + "/tokenizer_config.json", config.dump(2));
    test::writeBytes(dir + "/special_tokens_map.json", map.dump(2));
}

CLIPTokenizer makeTokenizer(Flavour flavour = Flavour::SD1) {
    test::TempDir dir;
    writeTokenizer(dir.path(), flavour);
    return CLIPTokenizer::load(dir.path());  // the tokenizer keeps nothing open
}

// BOS, ids, EOS, then pad up to 77.
Ids padded(const Ids& ids, int64_t pad = kEos) {
    Ids out{kBos};
    out.insert(out.end(), ids.begin(), ids.end());
    out.push_back(kEos);
    out.resize(77, pad);
    return out;
}

}  // namespace

TEST_CASE("CLIP tokenizer: words split by BPE in merge-rank order", "[unit][tokenizer]") {
    const auto tok = makeTokenizer();
    CHECK(tok.hasVocabulary());
    CHECK(tok.bosTokenId() == kBos);
    CHECK(tok.eosTokenId() == kEos);
    CHECK(tok.padTokenId() == kEos);
    CHECK(tok.maxLength() == 77);
    // "photo" = p h o t o</w>: (h,o) rank 0 -> p ho t o</w>; (t,o</w>) rank 5 -> p ho to</w>; no (p,ho).
    const Ids photo{ascii('p'), 512, 517};
    // "horse" = h o r s e</w> -> ho -> hor -> hors -> horse</w> (ranks 0, 2, 3, 4).
    // "of" = o f</w> -> of</w>; "a" = a</w>.
    Ids expected{asciiEnd('a')};
    expected.insert(expected.end(), photo.begin(), photo.end());
    expected.insert(expected.end(), {513, asciiEnd('a'), 516});
    CHECK(tok.tokenIds("a photo of a horse") == expected);
    CHECK(tok.tokenize("a photo of a horse") ==
          std::vector<std::string>{"a</w>", "p", "ho", "to</w>", "of</w>", "a</w>", "horse</w>"});
    CHECK(tok.encode("a photo of a horse") == padded(expected));
    // "horses": ... hors e s</w> -> (e,s</w>) rank 13 -> hors es</w> -> (hors,es</w>) rank 14.
    CHECK(tok.tokenIds("horses") == Ids{526});
    // A letter with no merge: "x" -> x</w>.
    CHECK(tok.tokenIds("x") == Ids{asciiEnd('x')});
}

TEST_CASE("CLIP tokenizer: case and whitespace are normalised", "[unit][tokenizer]") {
    const auto tok = makeTokenizer();
    const Ids ref = tok.encode("a photo of a horse");
    CHECK(tok.encode("A PHOTO of a HoRsE") == ref);
    CHECK(tok.encode("  a \t photo\n\nof   a horse  ") == ref);
    CHECK(tok.encode("a\u00A0photo\u3000of a\u2028horse") == ref);  // no-break, ideographic space, line separator
    CHECK(tok.encode(" \t\n ") == tok.encode(""));
    CHECK(tok.encode("") == padded({}));
}

TEST_CASE("CLIP tokenizer: punctuation, digits and apostrophes", "[unit][tokenizer]") {
    const auto tok = makeTokenizer();
    // "," and "!" alone: ,</w> and !</w>; "horses" as above.
    CHECK(tok.tokenIds("horse, horses!") == Ids{516, asciiEnd(','), 526, asciiEnd('!')});
    // A run of symbols is one pre-token: ? ! . . .</w>, no merges.
    CHECK(tok.tokenIds("horse?!...") == Ids{516, ascii('?'), ascii('!'), ascii('.'), ascii('.'), asciiEnd('.')});
    // Digits are split one by one.
    CHECK(tok.tokenIds("2023") == Ids{asciiEnd('2'), asciiEnd('0'), asciiEnd('2'), asciiEnd('3')});
    CHECK(tok.tokenIds("a1b") == Ids{asciiEnd('a'), asciiEnd('1'), asciiEnd('b')});
    // 's and 't are pre-tokens of their own: it's -> it</w> 's</w>; don't -> don</w> 't</w>.
    CHECK(tok.tokenIds("it's") == Ids{522, 518});
    CHECK(tok.tokenIds("IT'S") == Ids{522, 518});
    CHECK(tok.tokenIds("don't") == Ids{524, 519});
    // An apostrophe before anything else is punctuation: o'n -> o</w> '</w> n</w>.
    CHECK(tok.tokenIds("o'n") == Ids{asciiEnd('o'), asciiEnd('\''), asciiEnd('n')});
}

TEST_CASE("CLIP tokenizer: non-ASCII text goes through byte-level encoding", "[unit][tokenizer]") {
    const auto tok = makeTokenizer();
    // "café" = c a f C3 A9. Byte 0xC3 is the 128th byte character (id 127), 0xA9 the 103rd
    // (id 102, with </w> 358). (c,a) rank 8, (ca,f) rank 9 -> caf Ã ©</w>.
    const Ids cafe{521, 127, 358};
    CHECK(tok.tokenIds("café") == cafe);
    CHECK(tok.tokenIds("CAFÉ") == cafe);           // lower-cased like str.lower()
    CHECK(tok.tokenIds("cafe\u0301") == cafe);     // NFD input is composed (NFC) first
    // "🐴" = F0 9F 90 B4: 0xF0 -> 172; 0x9F and 0x90 are not printable, they map to the 66th and
    // 51st extra characters (ids 188 + 65 = 253, 188 + 50 = 238); 0xB4 -> 112, with </w> 368.
    const Ids horseEmoji{172, 253, 238, 368};
    CHECK(tok.tokenIds("🐴") == horseEmoji);
    Ids both{516};
    both.insert(both.end(), horseEmoji.begin(), horseEmoji.end());
    CHECK(tok.tokenIds("horse🐴") == both);
    // Control and format characters are dropped, a NUL too: the word stays whole.
    CHECK(tok.tokenIds(std::string("hor\0se", 6)) == Ids{516});
    CHECK(tok.tokenIds("hor\u200Bse") == Ids{516});
    // CJK ideographs become words of their own: 中 = E4 B8 AD -> 160 116 (0xAD -> 255 + 256).
    CHECK(tok.tokenIds("中中") == Ids{160, 116, 511, 160, 116, 511});
    // Malformed UTF-8 is dropped like U+FFFD.
    CHECK(tok.tokenIds("hor\xFFse") == Ids{516});
}

TEST_CASE("CLIP tokenizer: long prompts are truncated with EOS kept last", "[unit][tokenizer]") {
    const auto tok = makeTokenizer();
    std::string prompt;
    for (int i = 0; i < 100; ++i) prompt += "horse ";
    CHECK(tok.tokenIds(prompt).size() == 100);
    const Ids ids = tok.encode(prompt);
    REQUIRE(ids.size() == 77);
    CHECK(ids.front() == kBos);
    CHECK(ids.back() == kEos);
    CHECK(std::count(ids.begin(), ids.end(), 516) == 75);
    // 75 tokens fit exactly: no padding.
    std::string fits;
    for (int i = 0; i < 75; ++i) fits += "horse ";
    CHECK(tok.encode(fits) == ids);
}

TEST_CASE("CLIP tokenizer: special tokens in the prompt", "[unit][tokenizer]") {
    const auto tok = makeTokenizer();
    CHECK(tok.tokenIds("a <|endoftext|> horse") == Ids{asciiEnd('a'), kEos, 516});
    CHECK(tok.tokenIds("horse<|startoftext|>") == Ids{516, kBos});
    // Not an exact match: the text is lower-cased and the regex still finds the special token.
    CHECK(tok.tokenIds("<|ENDOFTEXT|>") == Ids{kEos});
}

TEST_CASE("CLIP tokenizer: SD 2 tokenizers pad with \"!\" and split it out", "[unit][tokenizer]") {
    // SD 1: "!!" is one pre-token -> ! !</w>.
    CHECK(makeTokenizer(Flavour::SD1).tokenIds("horse!!") == Ids{516, ascii('!'), asciiEnd('!')});
    for (Flavour flavour : {Flavour::SD2, Flavour::SD2Legacy}) {
        const auto tok = makeTokenizer(flavour);
        CHECK(tok.padTokenId() == 0);
        CHECK(tok.encode("") == padded({}, /*pad=*/0));
        // "!" is an added token: the prompt is cut around each one, and each is id 0.
        CHECK(tok.tokenIds("horse!!") == Ids{516, 0, 0});
    }
}

TEST_CASE("CLIP tokenizer: a model without tokenizer files", "[unit][tokenizer]") {
    test::TempDir dir;
    const std::string missing = dir.file("tokenizer");
    CHECK_FALSE(CLIPTokenizer::folderHasTokenizer(missing));
    CHECK_THROWS_AS(CLIPTokenizer::load(missing), LoadError);
    const auto tok = CLIPTokenizer::loadOrWithoutFiles(missing);
    CHECK_FALSE(tok.hasVocabulary());
    // The empty prompt still works, with SD 1 conventions.
    CHECK(tok.encode("") == padded({}));
    CHECK(tok.encode("  \n ") == padded({}));
    CHECK_THROWS_AS(tok.encode("a horse"), InvalidRequest);
    CHECK_THROWS_WITH(tok.encode("a horse"), Catch::Contains("no tokenizer files") && Catch::Contains(missing));
    // Another model's conventions can be given.
    const auto sd2 = CLIPTokenizer::withoutFiles(missing, {kBos, kEos, /*pad=*/0, 77});
    CHECK(sd2.encode("") == padded({}, 0));
}

TEST_CASE("CLIP tokenizer: broken files are LoadErrors naming the file", "[unit][tokenizer]") {
    test::TempDir dir;
    writeTokenizer(dir.path(), Flavour::SD1);
    SECTION("vocab.json is not JSON") {
        test::writeBytes(dir.file("vocab.json"), "{not json");
        CHECK_THROWS_WITH(CLIPTokenizer::load(dir.path()), Catch::Contains("vocab.json"));
    }
    SECTION("an id is not a number") {
        test::writeBytes(dir.file("vocab.json"), R"({"a": "x"})");
        CHECK_THROWS_WITH(CLIPTokenizer::load(dir.path()), Catch::Contains("vocab.json") && Catch::Contains("'a'"));
    }
    SECTION("merges.txt is missing") {
        std::filesystem::remove(dir.file("merges.txt"));
        CHECK(CLIPTokenizer::folderHasTokenizer(dir.path()));
        CHECK_THROWS_AS(CLIPTokenizer::loadOrWithoutFiles(dir.path()), LoadError);
        CHECK_THROWS_WITH(CLIPTokenizer::load(dir.path()), Catch::Contains("merges.txt"));
    }
    SECTION("model_max_length is unusable") {
        test::writeBytes(dir.file("tokenizer_config.json"), R"({"model_max_length": 1e30})");
        CHECK_THROWS_WITH(CLIPTokenizer::load(dir.path()), Catch::Contains("model_max_length"));
    }
    SECTION("only vocab and merges: CLIPTokenizer's defaults") {
        std::filesystem::remove(dir.file("tokenizer_config.json"));
        std::filesystem::remove(dir.file("special_tokens_map.json"));
        const auto tok = CLIPTokenizer::load(dir.path());
        CHECK(tok.encode("a horse") == padded({asciiEnd('a'), 516}));
    }
}

// The clean-up's outputs as UTF-8, so that Catch can print them.
std::string clean(const std::u32string& text) { return models::clip::encodeUtf8(models::clip::basicClean(text)); }
std::vector<std::string> words(const std::u32string& text) {
    std::vector<std::string> out;
    for (const auto& w : models::clip::splitWords(text)) out.push_back(models::clip::encodeUtf8(w));
    return out;
}

TEST_CASE("CLIP text clean-up: character classes", "[unit][tokenizer]") {
    using namespace models::clip;
    CHECK(isLetter(U'a'));
    CHECK(isLetter(U'é'));
    CHECK(isLetter(U'中'));
    CHECK_FALSE(isLetter(U'1'));
    CHECK(isNumber(U'٣'));  // Arabic-Indic digit
    CHECK(isNumber(U'Ⅻ'));  // Roman numeral (Nl)
    CHECK(isBasicControl(U'\u200B'));
    CHECK(isBasicControl(U'\x7F'));
    CHECK_FALSE(isBasicControl(U'\t'));
    CHECK(isBasicWhitespace(U'\u3000'));
    CHECK(isPythonWhitespace(U'\u2029'));
    // Lower-casing is Python's: final sigma, and İ -> i + combining dot.
    CHECK(clean(U"\u039F\u0394\u039F\u03A3 \u03A3\u0391") == "\u03BF\u03B4\u03BF\u03C2 \u03C3\u03B1");
    CHECK(clean(U"İ") == "i\u0307");
    // U+0345 has a Greek letter as upper case: under IGNORECASE it matches neither [\p{L}] nor
    // [^\s\p{L}\p{N}], so the reference's findall skips it.
    CHECK(words(U"a\u0345b") == std::vector<std::string>{"a", "b"});
    CHECK(words(U"!<|endoftext|>") == std::vector<std::string>{"!<|", "endoftext", "|>"});
    CHECK(words(U"it'ſ") == std::vector<std::string>{"it", "'ſ"});  // 's matches ſ case-insensitively
}
