#pragma once
// Reads and writes the safetensors format (https://github.com/huggingface/safetensors):
// an 8-byte little-endian header length, a JSON header, then the raw tensor bytes.
// Files are memory-mapped and fully validated before any byte is trusted.
#include <ATen/ATen.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace dragdiff::io {

enum class StDtype { F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL };

struct TensorEntry {
    std::string name;
    StDtype dtype = StDtype::F32;
    std::vector<int64_t> shape;
    uint64_t begin = 0;  // byte offsets relative to the data area
    uint64_t end = 0;
};

constexpr uint64_t kMaxHeaderBytes = 100ull << 20;

// Validates a header (its JSON text) against the size of the data area that follows it.
// Throws LoadError naming `file` and the tensor at fault. Exposed for the fuzzer.
std::vector<TensorEntry> parseSafetensorsHeader(const std::string& headerJson, uint64_t dataBytes,
                                                const std::string& file,
                                                std::map<std::string, std::string>* metadata = nullptr);

class SafetensorsFile {
public:
    explicit SafetensorsFile(const std::string& path);
    ~SafetensorsFile();
    SafetensorsFile(const SafetensorsFile&) = delete;
    SafetensorsFile& operator=(const SafetensorsFile&) = delete;

    const std::string& path() const { return path_; }
    const std::vector<TensorEntry>& entries() const { return entries_; }
    const std::map<std::string, std::string>& metadata() const { return metadata_; }
    bool contains(const std::string& name) const { return index_.count(name) != 0; }
    const TensorEntry& entry(const std::string& name) const;

    // A tensor viewing the mapped bytes (valid while this object lives); no copy.
    at::Tensor view(const std::string& name) const;
    // An owned tensor converted to `dtype` on `device` (one copy).
    at::Tensor load(const std::string& name, at::ScalarType dtype, const at::Device& device = at::kCPU) const;
    at::Tensor load(const std::string& name) const;  // in the stored dtype, owned
    // Tells the kernel the tensor's mapped pages are no longer needed (they are re-read from the
    // file if viewed again). Keeps peak memory near one copy of the weights while loading.
    void releasePages(const std::string& name) const;

private:
    std::string path_;
    int fd_ = -1;
    const uint8_t* map_ = nullptr;
    uint64_t size_ = 0;
    uint64_t dataOffset_ = 0;
    std::vector<TensorEntry> entries_;
    std::map<std::string, size_t> index_;
    std::map<std::string, std::string> metadata_;
};

// Writes tensors (made contiguous, moved to CPU) to `path` atomically: a temporary file in the
// same folder, flushed, then renamed over the target. Throws WriteError; the old file survives.
void writeSafetensors(const std::string& path, const std::map<std::string, at::Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

at::ScalarType toScalarType(StDtype dtype);
const char* dtypeName(StDtype dtype);
size_t dtypeSize(StDtype dtype);

}  // namespace dragdiff::io
