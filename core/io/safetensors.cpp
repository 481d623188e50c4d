#include "io/safetensors.h"

#include "dragdiff/error.h"
#include "io/atomic_file.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace dragdiff::io {
namespace {

using nlohmann::json;

struct DtypeInfo {
    const char* name;
    StDtype dtype;
    size_t size;
    at::ScalarType scalar;
};

const DtypeInfo kDtypes[] = {
    {"F64", StDtype::F64, 8, at::kDouble}, {"F32", StDtype::F32, 4, at::kFloat},
    {"F16", StDtype::F16, 2, at::kHalf},   {"BF16", StDtype::BF16, 2, at::kBFloat16},
    {"I64", StDtype::I64, 8, at::kLong},   {"I32", StDtype::I32, 4, at::kInt},
    {"I16", StDtype::I16, 2, at::kShort},  {"I8", StDtype::I8, 1, at::kChar},
    {"U8", StDtype::U8, 1, at::kByte},     {"BOOL", StDtype::BOOL, 1, at::kBool},
};

const DtypeInfo& info(StDtype d) {
    for (const auto& i : kDtypes)
        if (i.dtype == d) return i;
    throw Error("internal: unknown dtype");
}

[[noreturn]] void corrupt(const std::string& file, const std::string& what) {
    throw LoadError("'" + file + "' is not a valid safetensors file: " + what +
                    "; the file is corrupted or incomplete (download it again)");
}

std::string shapeText(const std::vector<int64_t>& shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

}  // namespace

at::ScalarType toScalarType(StDtype dtype) { return info(dtype).scalar; }
const char* dtypeName(StDtype dtype) { return info(dtype).name; }
size_t dtypeSize(StDtype dtype) { return info(dtype).size; }

std::vector<TensorEntry> parseSafetensorsHeader(const std::string& headerJson, uint64_t dataBytes,
                                                const std::string& file,
                                                std::map<std::string, std::string>* metadata) {
    json header;
    try {
        header = json::parse(headerJson);
    } catch (const json::exception& e) {
        corrupt(file, std::string("its header is not valid JSON (") + e.what() + ")");
    }
    if (!header.is_object()) corrupt(file, "its header is not a JSON object");

    std::vector<TensorEntry> entries;
    for (auto it = header.begin(); it != header.end(); ++it) {
        const std::string& name = it.key();
        const json& value = it.value();
        if (name == "__metadata__") {
            if (!value.is_object()) corrupt(file, "__metadata__ is not an object");
            for (auto m = value.begin(); m != value.end(); ++m) {
                if (!m.value().is_string())
                    corrupt(file, "__metadata__ value of '" + m.key() + "' is not a string");
                if (metadata) (*metadata)[m.key()] = m.value().get<std::string>();
            }
            continue;
        }
        const std::string where = "tensor '" + name + "'";
        if (!value.is_object()) corrupt(file, where + " is not described by an object");
        auto dt = value.find("dtype");
        auto sh = value.find("shape");
        auto off = value.find("data_offsets");
        if (dt == value.end() || !dt->is_string()) corrupt(file, where + " has no dtype string");
        if (sh == value.end() || !sh->is_array()) corrupt(file, where + " has no shape array");
        if (off == value.end() || !off->is_array() || off->size() != 2)
            corrupt(file, where + " has no [begin, end] data_offsets");

        TensorEntry e;
        e.name = name;
        const std::string dtypeText = dt->get<std::string>();
        const DtypeInfo* found = nullptr;
        for (const auto& i : kDtypes)
            if (dtypeText == i.name) found = &i;
        if (!found && dtypeText.rfind("F8_", 0) == 0)
            throw LoadError("'" + file + "' holds fp8 weights (" + where + " has dtype " + dtypeText +
                            "), which DragDiff does not run; use the fp16, bf16 or fp32 version of the model");
        if (!found) corrupt(file, where + " has unknown dtype '" + dtypeText + "'");
        e.dtype = found->dtype;

        uint64_t elements = 1;
        for (const auto& d : *sh) {
            if (!d.is_number_unsigned()) corrupt(file, where + " has a shape entry that is not a non-negative integer");
            uint64_t v = d.get<uint64_t>();
            if (v > (1ull << 40) || (v != 0 && elements > (1ull << 50) / v))
                corrupt(file, where + " has an absurd shape");
            elements *= v;
            e.shape.push_back(static_cast<int64_t>(v));
        }
        for (const auto& o : *off)
            if (!o.is_number_unsigned()) corrupt(file, where + " has data_offsets that are not non-negative integers");
        e.begin = (*off)[0].get<uint64_t>();
        e.end = (*off)[1].get<uint64_t>();
        if (e.begin > e.end) corrupt(file, where + " has data_offsets with begin > end");
        if (e.end > dataBytes)
            corrupt(file, where + " lies outside the data area (ends at byte " + std::to_string(e.end) +
                              " of " + std::to_string(dataBytes) + ")");
        const uint64_t expected = elements * found->size;
        if (e.end - e.begin != expected)
            corrupt(file, where + " of dtype " + dtypeText + " and shape " + shapeText(e.shape) + " needs " +
                              std::to_string(expected) + " bytes but spans " + std::to_string(e.end - e.begin));
        entries.push_back(std::move(e));
    }

    std::vector<const TensorEntry*> order;
    for (const auto& e : entries) order.push_back(&e);
    std::sort(order.begin(), order.end(), [](const TensorEntry* a, const TensorEntry* b) {
        return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
    });
    uint64_t cursor = 0;
    for (const TensorEntry* e : order) {
        if (e->begin < cursor) corrupt(file, "tensor '" + e->name + "' overlaps another tensor's bytes");
        if (e->begin > cursor)
            corrupt(file, "bytes " + std::to_string(cursor) + ".." + std::to_string(e->begin) +
                              " before tensor '" + e->name + "' belong to no tensor");
        cursor = e->end;
    }
    if (cursor != dataBytes)
        corrupt(file, "the data area has " + std::to_string(dataBytes) + " bytes but the tensors cover " +
                          std::to_string(cursor));
    return entries;
}

SafetensorsFile::SafetensorsFile(const std::string& path) : path_(path) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw LoadError("cannot open '" + path + "': " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd_);
        throw LoadError("'" + path + "' is not a regular file");
    }
    size_ = static_cast<uint64_t>(st.st_size);
    try {
        if (size_ < 8) corrupt(path, "it is shorter than the 8-byte header length (" + std::to_string(size_) + " bytes)");
        void* m = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd_, 0);
        if (m == MAP_FAILED) throw LoadError("cannot map '" + path + "' into memory: " + std::strerror(errno));
        map_ = static_cast<const uint8_t*>(m);
        if (std::memcmp(map_, "GGUF", 4) == 0)
            throw LoadError("'" + path + "' is a GGUF file (llama.cpp / ComfyUI-GGUF quantised weights), which DragDiff "
                            "does not run; use the model's .safetensors file (fp16, bf16 or fp32)");
        uint64_t headerLen = 0;
        for (int i = 7; i >= 0; --i) headerLen = (headerLen << 8) | map_[i];
        if (headerLen > kMaxHeaderBytes)
            corrupt(path, "its header claims " + std::to_string(headerLen) + " bytes (more than the 100 MiB allowed)");
        if (headerLen > size_ - 8)
            corrupt(path, "its header claims " + std::to_string(headerLen) + " bytes but the file has only " +
                              std::to_string(size_ - 8) + " after the length");
        dataOffset_ = 8 + headerLen;
        std::string header(reinterpret_cast<const char*>(map_ + 8), headerLen);
        entries_ = parseSafetensorsHeader(header, size_ - dataOffset_, path, &metadata_);
        for (size_t i = 0; i < entries_.size(); ++i) index_[entries_[i].name] = i;
    } catch (...) {
        if (map_) ::munmap(const_cast<uint8_t*>(map_), size_);
        ::close(fd_);
        throw;
    }
}

SafetensorsFile::~SafetensorsFile() {
    if (map_) ::munmap(const_cast<uint8_t*>(map_), size_);
    if (fd_ >= 0) ::close(fd_);
}

const TensorEntry& SafetensorsFile::entry(const std::string& name) const {
    auto it = index_.find(name);
    if (it == index_.end()) throw LoadError("'" + path_ + "' has no tensor named '" + name + "'");
    return entries_[it->second];
}

at::Tensor SafetensorsFile::view(const std::string& name) const {
    const TensorEntry& e = entry(name);
    // safetensors stores little-endian; so does every platform we build for.
    void* p = const_cast<uint8_t*>(map_ + dataOffset_ + e.begin);
    return at::from_blob(p, e.shape, at::TensorOptions().dtype(toScalarType(e.dtype)));
}

at::Tensor SafetensorsFile::load(const std::string& name, at::ScalarType dtype, const at::Device& device) const {
    at::Tensor v = view(name);
    if (v.scalar_type() == dtype && device.is_cpu()) return v.clone();
    return v.to(device, dtype, /*non_blocking=*/false, /*copy=*/true);
}

at::Tensor SafetensorsFile::load(const std::string& name) const { return view(name).clone(); }

void SafetensorsFile::releasePages(const std::string& name) const {
    const TensorEntry& e = entry(name);
    const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
    // Only whole pages inside the tensor's span: neighbours may still be in use.
    const uint64_t begin = (dataOffset_ + e.begin + page - 1) / page * page;
    const uint64_t end = (dataOffset_ + e.end) / page * page;
    if (end > begin) ::madvise(const_cast<uint8_t*>(map_) + begin, end - begin, MADV_DONTNEED);
}

void writeSafetensors(const std::string& path, const std::map<std::string, at::Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata) {
    json header = json::object();
    if (!metadata.empty()) header["__metadata__"] = metadata;
    std::vector<at::Tensor> ordered;
    uint64_t offset = 0;
    for (const auto& [name, tensor] : tensors) {
        if (name == "__metadata__") throw InvalidRequest("a tensor cannot be named __metadata__");
        at::Tensor t = tensor.detach().to(at::kCPU).contiguous();
        const DtypeInfo* found = nullptr;
        for (const auto& i : kDtypes)
            if (i.scalar == t.scalar_type()) found = &i;
        if (!found) throw InvalidRequest("tensor '" + name + "' has a dtype safetensors cannot store");
        uint64_t bytes = static_cast<uint64_t>(t.numel()) * found->size;
        header[name] = {{"dtype", found->name}, {"shape", t.sizes().vec()}, {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
        ordered.push_back(t);
    }
    std::string headerText = header.dump();
    while ((headerText.size() + 8) % 8 != 0) headerText.push_back(' ');  // keeps tensors aligned
    std::string bytes;
    bytes.reserve(8 + headerText.size() + offset);
    uint64_t len = headerText.size();
    for (int i = 0; i < 8; ++i) bytes.push_back(static_cast<char>((len >> (8 * i)) & 0xff));
    bytes += headerText;
    // nlohmann::json orders keys alphabetically, as std::map does: the data follows that order.
    for (const auto& t : ordered) bytes.append(static_cast<const char*>(t.data_ptr()), t.nbytes());
    writeFileAtomically(path, bytes);
}

}  // namespace dragdiff::io
