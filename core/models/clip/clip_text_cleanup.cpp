// Ports transformers 4.38 BasicTokenizer (as CLIPTokenizer configures it without ftfy) and the
// pre-tokenisation regex of CLIPTokenizer. See clip_text_cleanup.h.
//
// Why ICU: the reference relies on Python's unicodedata (categories, NFC), str.lower() (full case
// mapping with final sigma) and the `regex` module's \p{L} / \p{N}. Reproducing those by hand
// means shipping Unicode tables; ICU (Debian's libicu-dev) has them, kept current and tested.
#include "models/clip/clip_text_cleanup.h"

#include "dragdiff/error.h"

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utypes.h>

#include <array>

namespace dragdiff::models::clip {
namespace {

// The reference ran on Python 3.11, whose unicodedata is Unicode 14.0. Characters assigned
// later are "Cn" (unassigned) there, hence control characters that BasicTokenizer drops; ICU
// knows them, so its answer is capped at this version for the BasicTokenizer steps.
constexpr std::array<uint8_t, 2> kPythonUnicodeVersion{14, 0};

int8_t pythonCategory(char32_t c) {
    if (c > 0x10FFFF) return U_UNASSIGNED;
    UVersionInfo age;
    u_charAge(static_cast<UChar32>(c), age);
    if (age[0] > kPythonUnicodeVersion[0] || (age[0] == kPythonUnicodeVersion[0] && age[1] > kPythonUnicodeVersion[1]))
        return U_UNASSIGNED;
    return u_charType(static_cast<UChar32>(c));
}

bool hasCategory(char32_t c, uint32_t mask) {
    return c <= 0x10FFFF && (U_GET_GC_MASK(static_cast<UChar32>(c)) & mask) != 0;
}

// The characters a case-insensitive character set compares besides `c` itself (the regex
// module tries every case variant of a character against a set under IGNORECASE).
std::array<char32_t, 4> caseVariants(char32_t c) {
    const auto u = static_cast<UChar32>(c);
    return {static_cast<char32_t>(u_tolower(u)), static_cast<char32_t>(u_toupper(u)),
            static_cast<char32_t>(u_totitle(u)), static_cast<char32_t>(u_foldCase(u, U_FOLD_CASE_DEFAULT))};
}

// \s of the regex module: the White_Space property.
bool isRegexSpace(char32_t c) { return c <= 0x10FFFF && u_isUWhiteSpace(static_cast<UChar32>(c)); }

// [^\s\p{L}\p{N}] under IGNORECASE: no case variant may be a letter or a number. This is why
// U+0345 (a mark whose upper case is a Greek letter) matches neither class and is dropped,
// exactly as the reference drops it.
bool isOtherSymbol(char32_t c) {
    if (isRegexSpace(c) || isLetter(c) || isNumber(c)) return false;
    for (char32_t v : caseVariants(c))
        if (hasCategory(v, U_GC_L_MASK | U_GC_N_MASK)) return false;
    return true;
}

bool foldedEqual(char32_t a, char32_t b) {
    if (a == b) return true;
    if (a > 0x10FFFF || b > 0x10FFFF) return false;
    return u_foldCase(static_cast<UChar32>(a), U_FOLD_CASE_DEFAULT) ==
           u_foldCase(static_cast<UChar32>(b), U_FOLD_CASE_DEFAULT);
}

// Length of `literal` when `text` starts with it at `pos`, compared case-insensitively; else 0.
size_t matchLiteral(std::u32string_view text, size_t pos, std::u32string_view literal) {
    if (text.size() - pos < literal.size()) return 0;
    for (size_t i = 0; i < literal.size(); ++i)
        if (!foldedEqual(text[pos + i], literal[i])) return 0;
    return literal.size();
}

std::u16string toUtf16(std::u32string_view s) {
    std::u16string out;
    out.reserve(s.size());
    for (char32_t c : s) {
        if (c >= 0x10000) {
            c -= 0x10000;
            out.push_back(static_cast<char16_t>(0xD800 + (c >> 10)));
            out.push_back(static_cast<char16_t>(0xDC00 + (c & 0x3FF)));
        } else {
            out.push_back(static_cast<char16_t>(c));
        }
    }
    return out;
}

std::u32string fromUtf16(std::u16string_view s) {
    std::u32string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
        char32_t c = s[i];
        if (c >= 0xD800 && c < 0xDC00 && i + 1 < s.size() && s[i + 1] >= 0xDC00 && s[i + 1] < 0xE000) {
            c = 0x10000 + ((c - 0xD800) << 10) + (s[i + 1] - 0xDC00);
            ++i;
        }
        out.push_back(c);
    }
    return out;
}

[[noreturn]] void icuFailure(const char* what, UErrorCode status) {
    throw Error(std::string("ICU ") + what + " failed: " + u_errorName(status));
}

// unicodedata.normalize("NFC", s)
std::u32string normalizeNfc(std::u32string_view s) {
    UErrorCode status = U_ZERO_ERROR;
    const UNormalizer2* nfc = unorm2_getNFCInstance(&status);
    if (U_FAILURE(status)) icuFailure("NFC normaliser", status);
    const std::u16string in = toUtf16(s);
    std::u16string out(in.size() * 3 + 8, u'\0');
    int32_t n = unorm2_normalize(nfc, in.data(), static_cast<int32_t>(in.size()), out.data(),
                                 static_cast<int32_t>(out.size()), &status);
    if (status == U_BUFFER_OVERFLOW_ERROR) {
        status = U_ZERO_ERROR;
        out.assign(static_cast<size_t>(n), u'\0');
        n = unorm2_normalize(nfc, in.data(), static_cast<int32_t>(in.size()), out.data(), n, &status);
    }
    if (U_FAILURE(status)) icuFailure("NFC normalisation", status);
    out.resize(static_cast<size_t>(n));
    return fromUtf16(out);
}

// Python's str.lower(): full case mapping (SpecialCasing's unconditional entries) with the
// Final_Sigma context, no language-specific rules: ICU's root-locale lower-casing.
std::u32string lowerCase(std::u32string_view s) {
    const std::u16string in = toUtf16(s);
    std::u16string out(in.size() * 3 + 8, u'\0');
    UErrorCode status = U_ZERO_ERROR;
    int32_t n = u_strToLower(out.data(), static_cast<int32_t>(out.size()), in.data(), static_cast<int32_t>(in.size()),
                             "", &status);
    if (status == U_BUFFER_OVERFLOW_ERROR) {
        status = U_ZERO_ERROR;
        out.assign(static_cast<size_t>(n), u'\0');
        n = u_strToLower(out.data(), n, in.data(), static_cast<int32_t>(in.size()), "", &status);
    }
    if (U_FAILURE(status)) icuFailure("lower-casing", status);
    out.resize(static_cast<size_t>(n));
    return fromUtf16(out);
}

}  // namespace

std::u32string decodeUtf8(std::string_view text) {
    std::u32string out;
    out.reserve(text.size());
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    const size_t n = text.size();
    size_t i = 0;
    while (i < n) {
        const unsigned char b = p[i];
        if (b < 0x80) {
            out.push_back(b);
            ++i;
            continue;
        }
        int len = 0;
        char32_t c = 0;
        char32_t min = 0;
        if (b >= 0xC2 && b <= 0xDF) {
            len = 2, c = b & 0x1F, min = 0x80;
        } else if (b >= 0xE0 && b <= 0xEF) {
            len = 3, c = b & 0x0F, min = 0x800;
        } else if (b >= 0xF0 && b <= 0xF4) {
            len = 4, c = b & 0x07, min = 0x10000;
        }
        bool ok = len > 0 && i + static_cast<size_t>(len) <= n;
        for (int k = 1; ok && k < len; ++k) {
            if ((p[i + k] & 0xC0) != 0x80) ok = false;
            else c = (c << 6) | (p[i + k] & 0x3F);
        }
        ok = ok && c >= min && c <= 0x10FFFF && !(c >= 0xD800 && c < 0xE000);
        if (ok) {
            out.push_back(c);
            i += static_cast<size_t>(len);
        } else {
            out.push_back(0xFFFD);
            ++i;  // resynchronise on the next byte
        }
    }
    return out;
}

std::string encodeUtf8(std::u32string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char32_t c : text) {
        if (c < 0x80) {
            out.push_back(static_cast<char>(c));
        } else if (c < 0x800) {
            out.push_back(static_cast<char>(0xC0 | (c >> 6)));
            out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
        } else if (c < 0x10000) {
            out.push_back(static_cast<char>(0xE0 | (c >> 12)));
            out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
        } else {
            out.push_back(static_cast<char>(0xF0 | (c >> 18)));
            out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
        }
    }
    return out;
}

bool isPythonWhitespace(char32_t c) {
    return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

bool isBasicControl(char32_t c) {
    if (c == U'\t' || c == U'\n' || c == U'\r') return false;
    switch (pythonCategory(c)) {
        case U_CONTROL_CHAR:
        case U_FORMAT_CHAR:
        case U_SURROGATE:
        case U_PRIVATE_USE_CHAR:
        case U_UNASSIGNED:
            return true;
        default:
            return false;
    }
}

bool isBasicWhitespace(char32_t c) {
    return c == U' ' || c == U'\t' || c == U'\n' || c == U'\r' || pythonCategory(c) == U_SPACE_SEPARATOR;
}

bool isCJKIdeograph(char32_t c) {
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
           (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B820 && c <= 0x2CEAF) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

bool isLetter(char32_t c) { return hasCategory(c, U_GC_L_MASK); }
bool isNumber(char32_t c) { return hasCategory(c, U_GC_N_MASK); }

std::u32string basicClean(std::u32string_view text) {
    // _clean_text, then _tokenize_chinese_chars.
    std::u32string spaced;
    spaced.reserve(text.size());
    for (char32_t c : text) {
        if (c == 0 || c == 0xFFFD || isBasicControl(c)) continue;
        if (isBasicWhitespace(c)) {
            spaced.push_back(U' ');
        } else if (isCJKIdeograph(c)) {
            spaced.push_back(U' ');
            spaced.push_back(c);
            spaced.push_back(U' ');
        } else {
            spaced.push_back(c);
        }
    }
    // NFC, whitespace_tokenize, lower() per word, " ".join.
    const std::u32string normalized = normalizeNfc(spaced);
    std::u32string out;
    size_t i = 0;
    while (i < normalized.size()) {
        while (i < normalized.size() && isPythonWhitespace(normalized[i])) ++i;
        size_t end = i;
        while (end < normalized.size() && !isPythonWhitespace(normalized[end])) ++end;
        if (end > i) {
            if (!out.empty()) out.push_back(U' ');
            out += lowerCase(std::u32string_view(normalized).substr(i, end - i));
        }
        i = end;
    }
    return out;
}

std::vector<std::u32string> splitWords(std::u32string_view text) {
    static constexpr std::u32string_view kSpecials[] = {U"<|startoftext|>", U"<|endoftext|>"};
    static constexpr std::u32string_view kContractions[] = {U"s", U"t", U"re", U"ve", U"m", U"ll", U"d"};
    std::vector<std::u32string> words;
    size_t i = 0;
    const size_t n = text.size();
    while (i < n) {
        // Alternatives in the pattern's order; the first that matches at i wins.
        size_t len = 0;
        for (auto special : kSpecials)
            if (!len) len = matchLiteral(text, i, special);
        if (!len && text[i] == U'\'') {
            for (auto rest : kContractions)
                if (!len && matchLiteral(text, i + 1, rest)) len = 1 + rest.size();
        }
        if (!len && isLetter(text[i])) {
            len = 1;
            while (i + len < n && isLetter(text[i + len])) ++len;
        }
        if (!len && isNumber(text[i])) len = 1;
        if (!len && isOtherSymbol(text[i])) {
            len = 1;
            while (i + len < n && isOtherSymbol(text[i + len])) ++len;
        }
        if (!len) {  // whitespace, or a character no alternative accepts: findall skips it
            ++i;
            continue;
        }
        words.emplace_back(text.substr(i, len));
        i += len;
    }
    return words;
}

}  // namespace dragdiff::models::clip
