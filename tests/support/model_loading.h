#pragma once
// Helpers of the tests that load models (defined in test_support.cpp).
#include "dragdiff/engine.h"

#include <functional>
#include <string>

namespace dragdiff::test {

// The first golden case as a model to load (the test fails when there is none).
ModelSpec goldenSpec();
// The message of the LoadError that `f` throws (the test fails when it throws none).
std::string requireLoadError(const std::function<void()>& f);

}  // namespace dragdiff::test
