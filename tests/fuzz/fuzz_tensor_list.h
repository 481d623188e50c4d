#pragma once
// Tensor lists for the libFuzzer targets that read safetensors files by their keys and shapes
// (fuzz_lora, fuzz_taesd): the input is a short text the harness turns into a file.
#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdlib>
#include <fcntl.h>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <unistd.h>
#include <vector>

namespace dragdiff::fuzz {

// Tensor lists: a compact text form of a safetensors file, for the targets whose parsers care about
// keys, shapes, dtypes and a few values rather than the bytes of the format (fuzz_safetensors covers
// those). One tensor a line: `<key> <dims, comma-separated; - for a scalar> [dtype] [fill]`, dtype F16 when omitted
// (F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL), fill a number, nan, inf or -inf for every element
// (zeros when omitted). Zero tensors lie in a sparse tail that takes no memory; filled ones are
// written out. Keys may start with a short prefix and end with a short suffix of `shorthands`.
struct TensorListBytes {
    std::string bytes;        // 8-byte header length, JSON header, the filled tensors' data
    uint64_t sparseTail = 0;  // zero bytes after `bytes` (the zero tensors' data)
};

struct Shorthands {
    std::vector<std::pair<std::string, std::string>> prefixes;  // {"U:", "lora_unet_"}
    std::vector<std::pair<std::string, std::string>> suffixes;  // {":d", ".lora_down.weight"}
};

// false when the text is no tensor list within the limits (the input is then skipped): a dimension
// that is not a number of at most 6 digits, more than 6 dimensions, over `maxDataBytes` of data in
// all or over `maxFilledBytes` of filled data, a key that is not UTF-8.
inline bool buildTensorList(const std::string& text, const Shorthands& shorthands, uint64_t maxDataBytes,
                            uint64_t maxFilledBytes, TensorListBytes& out) {
    struct Tensor {
        std::string key, dtype;
        std::vector<int64_t> shape;
        uint64_t bytes = 0;
        bool filled = false;
        double fill = 0;
    };
    std::vector<Tensor> tensors;
    uint64_t total = 0, filledTotal = 0;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        std::istringstream fields(line);
        Tensor t;
        std::string dims, fill;
        t.dtype = "F16";
        if (!(fields >> t.key)) continue;
        fields >> dims >> t.dtype >> fill;
        for (const auto& [s, full] : shorthands.prefixes)
            if (t.key.rfind(s, 0) == 0) {
                t.key = full + t.key.substr(s.size());
                break;
            }
        for (const auto& [s, full] : shorthands.suffixes)
            if (t.key.size() >= s.size() && t.key.compare(t.key.size() - s.size(), s.size(), s) == 0) {
                t.key = t.key.substr(0, t.key.size() - s.size()) + full;
                break;
            }
        uint64_t elements = 1;
        std::istringstream dimList(dims == "-" ? "" : dims);
        std::string d;
        while (std::getline(dimList, d, ',')) {
            if (d.empty() || d.size() > 6 || d.find_first_not_of("0123456789") != std::string::npos) return false;
            t.shape.push_back(std::stoll(d));
            elements *= static_cast<uint64_t>(t.shape.back());
            if (elements > maxDataBytes) return false;
        }
        uint64_t size = 2;
        if (t.dtype == "F64" || t.dtype == "I64") size = 8;
        else if (t.dtype == "F32" || t.dtype == "I32") size = 4;
        else if (t.dtype == "U8" || t.dtype == "I8" || t.dtype == "BOOL") size = 1;
        t.bytes = elements * size;
        if (t.shape.size() > 6 || total + t.bytes > maxDataBytes) return false;
        total += t.bytes;
        if (!fill.empty()) {
            char* end = nullptr;
            t.fill = std::strtod(fill.c_str(), &end);
            t.filled = end && *end == '\0' && t.fill != 0;
        }
        if (t.filled && (filledTotal += t.bytes) > maxFilledBytes) return false;
        tensors.push_back(std::move(t));
    }
    // The filled tensors' data first (written), then the zero ones' (the sparse tail).
    nlohmann::json header = nlohmann::json::object();
    std::string data;
    uint64_t offset = 0;
    for (bool filled : {true, false})
        for (const Tensor& t : tensors) {
            if (t.filled != filled) continue;
            header[t.key] = {{"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {offset, offset + t.bytes}}};
            offset += t.bytes;
            if (!filled) continue;
            static const std::pair<const char*, at::ScalarType> kTypes[] = {
                {"F64", at::kDouble}, {"F32", at::kFloat}, {"F16", at::kHalf}, {"BF16", at::kBFloat16},
                {"I64", at::kLong}, {"I32", at::kInt}, {"I16", at::kShort}, {"I8", at::kChar},
                {"U8", at::kByte}, {"BOOL", at::kBool}};
            at::ScalarType type = at::kHalf;  // an unknown dtype: its (2-byte) data as F16
            for (const auto& [name, st] : kTypes)
                if (t.dtype == name) type = st;
            at::Tensor v = at::full({static_cast<int64_t>(t.bytes / at::elementSize(type))}, t.fill, at::kDouble);
            if (!at::isFloatingType(type)) v = v.nan_to_num(0, 1e6, -1e6).clamp(-1e6, 1e6);
            v = v.to(type).contiguous();
            data.append(static_cast<const char*>(v.data_ptr()), t.bytes);
        }
    std::string json;
    try {
        json = header.dump();
    } catch (const nlohmann::json::type_error&) {
        return false;  // a key that is not UTF-8 cannot be written (fuzz_safetensors covers such headers)
    }
    out.bytes.assign(8, '\0');
    for (int i = 0; i < 8; ++i) out.bytes[size_t(i)] = static_cast<char>((json.size() >> (8 * i)) & 0xff);
    out.bytes += json + data;
    out.sparseTail = total - data.size();
    return true;
}

// The tensor list of a safetensors file (as buildTensorList reads it; for seeds), with values
// when every element of a tensor holds the same non-zero number.
inline std::string tensorListOf(const std::map<std::string, at::Tensor>& tensors, const Shorthands& shorthands = {}) {
    std::string out;
    for (const auto& [name, t] : tensors) {
        std::string key = name;
        for (const auto& [s, full] : shorthands.prefixes)
            if (key.rfind(full, 0) == 0) {
                key = s + key.substr(full.size());
                break;
            }
        for (const auto& [s, full] : shorthands.suffixes)
            if (key.size() >= full.size() && key.compare(key.size() - full.size(), full.size(), full) == 0) {
                key = key.substr(0, key.size() - full.size()) + s;
                break;
            }
        std::string dims;
        for (int64_t i = 0; i < t.dim(); ++i) dims += (i ? "," : "") + std::to_string(t.size(i));
        if (dims.empty()) dims = "-";
        static const std::pair<at::ScalarType, const char*> kNames[] = {
            {at::kDouble, "F64"}, {at::kFloat, "F32"}, {at::kHalf, "F16"}, {at::kBFloat16, "BF16"},
            {at::kLong, "I64"}, {at::kInt, "I32"}, {at::kShort, "I16"}, {at::kChar, "I8"},
            {at::kByte, "U8"}, {at::kBool, "BOOL"}};
        std::string dtype = "F16";
        for (const auto& [st, n] : kNames)
            if (t.scalar_type() == st) dtype = n;
        std::string fill;
        if (t.numel() > 0) {
            const at::Tensor d = t.to(at::kDouble);
            const double first = d.flatten()[0].item<double>();
            const bool same = first != first ? at::all(at::isnan(d)).item<bool>() : at::all(d == first).item<bool>();
            if (first != 0 && same) {
                std::ostringstream f;
                f << first;
                fill = f.str();
            }
        }
        out += key + " " + dims + (dtype != "F16" || !fill.empty() ? " " + dtype : "") + (fill.empty() ? "" : " " + fill) + "\n";
    }
    return out;
}

// Writes a tensor list's file at `path` (a real file, for readers that look into folders; the
// sparse tail takes no space on tmpfs).
inline void writeTensorListFile(const std::string& path, const TensorListBytes& file) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) std::abort();
    size_t done = 0;
    while (done < file.bytes.size()) {
        const ssize_t n = ::write(fd, file.bytes.data() + done, file.bytes.size() - done);
        if (n <= 0) std::abort();
        done += static_cast<size_t>(n);
    }
    if (::ftruncate(fd, static_cast<off_t>(file.bytes.size() + file.sparseTail)) != 0) std::abort();
    ::close(fd);
}

}  // namespace dragdiff::fuzz
