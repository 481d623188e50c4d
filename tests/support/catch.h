#pragma once
// Include this instead of <catch2/catch.hpp> in every test. Torch pulls in glog, whose CHECK
// macro silently replaces Catch's (assertions then vanish from the count and a failure aborts),
// so glog comes first, its CHECK goes, and Catch's is defined again explicitly.
#include <ATen/ATen.h>
#include <torch/nn/module.h>
#undef CHECK
#include <catch2/catch.hpp>
#undef CHECK
#define CHECK(...) INTERNAL_CATCH_TEST("CHECK", Catch::ResultDisposition::ContinueOnFailure, __VA_ARGS__)
