#pragma once
// Include this instead of Catch2's own header in every test that uses torch. Torch pulls in glog, whose CHECK
// macro silently replaces Catch's (assertions then vanish from the count and a failure aborts),
// so glog comes first, its CHECK goes, and Catch's is defined again explicitly.
#include <ATen/ATen.h>
#include <torch/nn/module.h>
#undef CHECK
#include "support/catch_compat.h"
#undef CHECK
#define CHECK(...) INTERNAL_CATCH_TEST("CHECK", Catch::ResultDisposition::ContinueOnFailure, __VA_ARGS__)
