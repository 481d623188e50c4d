#pragma once
// The text side of CLIPTokenizer before byte-level BPE. Ports what transformers 4.38's
// CLIPTokenizer._tokenize does when ftfy is not installed (the reference configuration):
//   BasicTokenizer(strip_accents=False, do_split_on_punc=False).tokenize (models/bert/tokenization_bert.py,
//   copied into models/clip/tokenization_clip.py), joined with single spaces, then
//   re.findall(pat, text, IGNORECASE) with the `regex` module's pattern
//   <\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+
// Unicode character properties, NFC and lower-casing come from ICU (libicu), see the .cpp.
#include <string>
#include <string_view>
#include <vector>

namespace dragdiff::models::clip {

// UTF-8 -> code points. Malformed sequences become U+FFFD (Python's errors="replace"), which the
// clean-up below then drops like the reference drops U+FFFD.
std::u32string decodeUtf8(std::string_view text);
std::string encodeUtf8(std::u32string_view text);

// BasicTokenizer.tokenize(text) joined by " ": drops NUL, U+FFFD and control/format/unassigned
// characters (category C* except \t \n \r), maps whitespace to spaces, puts spaces around CJK
// ideographs, NFC-normalises, splits on whitespace, lower-cases each word (Python str.lower(),
// full case mapping, final sigma), no accent stripping, no punctuation splitting.
std::u32string basicClean(std::u32string_view text);

// re.findall of CLIPTokenizer's pre-tokenisation pattern on cleaned text, in order.
std::vector<std::u32string> splitWords(std::u32string_view text);

// The character classes the two steps above use, exposed for tests.
bool isPythonWhitespace(char32_t c);   // str.isspace()
bool isBasicControl(char32_t c);       // tokenization_utils._is_control
bool isBasicWhitespace(char32_t c);    // tokenization_utils._is_whitespace
bool isCJKIdeograph(char32_t c);       // BasicTokenizer._is_chinese_char
bool isLetter(char32_t c);             // [\p{L}] under IGNORECASE
bool isNumber(char32_t c);             // [\p{N}] under IGNORECASE

}  // namespace dragdiff::models::clip
