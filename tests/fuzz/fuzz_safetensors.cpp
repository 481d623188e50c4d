// Fuzzes the safetensors reader: the input is a whole file (8-byte header length, JSON header,
// data). Whatever it holds, opening it either throws LoadError or yields entries whose views lie
// inside the file; every tensor is then viewed and copied (ASan checks the bytes are mapped).
#include "dragdiff/error.h"
#include "fuzz_support.h"
#include "io/safetensors.h"

#include <ATen/ATen.h>

using namespace dragdiff;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

void writeSeeds(const std::string& dir) {
    auto write = [&](const std::string& name, const std::map<std::string, at::Tensor>& tensors,
                     const std::map<std::string, std::string>& metadata = {}) {
        const std::string path = dir + "/" + name;
        io::writeSafetensors(path, tensors, metadata);
    };
    write("f32_and_f16", {{"a.weight", at::arange(6, at::kFloat).reshape({2, 3})},
                          {"a.bias", at::ones({3}, at::kHalf)}},
          {{"format", "pt"}});
    write("all_dtypes", {{"d", at::zeros({2}, at::kDouble)}, {"bf", at::ones({2}, at::kBFloat16)},
                         {"l", at::arange(2, at::kLong)}, {"i", at::arange(2, at::kInt)},
                         {"s", at::arange(2, at::kShort)}, {"c", at::arange(2, at::kChar)},
                         {"u", at::arange(2, at::kByte)}, {"b", at::ones({2}, at::kBool)}});
    write("scalar_and_empty", {{"scalar", at::scalar_tensor(1.5)}, {"empty", at::zeros({0, 4})}});
    write("no_tensors", {}, {{"note", "metadata only"}});
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    if (auto dir = fuzz::seedFolder(); !dir.empty()) {
        writeSeeds(dir);
        std::exit(0);
    }
    // Warm-up (LibTorch's lazy initialisation) before libFuzzer's per-input timeout applies.
    const std::string warm = fuzz::readWholeFile(std::string(DRAGDIFF_SOURCE_DIR) + "/tests/fuzz/corpus/safetensors/f32_and_f16");
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(warm.data()), warm.size());
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzz::MemFile file(std::string(reinterpret_cast<const char*>(data), size));
    try {
        io::SafetensorsFile st(file.path());
        for (const auto& e : st.entries()) {
            at::Tensor v = st.view(e.name);
            if (static_cast<uint64_t>(v.nbytes()) != e.end - e.begin) std::abort();
            (void)st.load(e.name).sum();
            (void)st.load(e.name, at::kFloat);
            st.releasePages(e.name);
        }
    } catch (const Error&) {
    }
    return 0;
}
