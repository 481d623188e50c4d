#pragma once
// Catch2 v2 (Debian 12: one header) and v3 (Debian 13: a compiled library with split headers)
// behind one include. tests/CMakeLists.txt defines DRAGDIFF_CATCH2_MAJOR from the Catch2 package
// it found, so the header and the linked library always agree. Torch-free: the UI tests include
// this directly; torch-using tests include support/catch.h, which adds the glog CHECK fix.
#if DRAGDIFF_CATCH2_MAJOR >= 3
#include <catch2/catch_approx.hpp>
#include <catch2/catch_session.hpp>
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <string>

// v3 moved Approx into namespace Catch and renamed the substring matcher; the tests keep v2's
// spelling, which both versions then accept.
using Catch::Approx;
namespace Catch {
inline Matchers::StringContainsMatcher Contains(const std::string& str,
                                                CaseSensitive caseSensitivity = CaseSensitive::Yes) {
    return Matchers::ContainsSubstring(str, caseSensitivity);
}
}  // namespace Catch
#else
#include <catch2/catch.hpp>
#endif
