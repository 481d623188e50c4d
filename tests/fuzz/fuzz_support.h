#pragma once
// Helpers shared by the libFuzzer targets (one target per file, fuzz_<name>.cpp).
//
// Seeds: each target writes its seed corpus with the project's own writers when started with
// DRAGDIFF_FUZZ_WRITE_SEEDS=<folder> (see run.sh --seeds); the committed tests/fuzz/corpus/<name>/
// was made that way. Every target catches dragdiff::Error only: any other exception escaping the
// code under test is a finding (libFuzzer reports it as a crash).
#include <cstdint>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <string>
#include <sys/mman.h>
#include <unistd.h>

namespace dragdiff::fuzz {

// The seed folder, or "" when not writing seeds.
inline std::string seedFolder() {
    const char* s = std::getenv("DRAGDIFF_FUZZ_WRITE_SEEDS");
    if (!s || !*s) return "";
    std::filesystem::create_directories(s);
    return s;
}

inline void writeSeed(const std::string& folder, const std::string& name, const std::string& bytes) {
    std::ofstream(std::filesystem::path(folder) / name, std::ios::binary) << bytes;
}

inline std::string readWholeFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// An anonymous in-memory file holding `bytes` (plus `sparseTail` zero bytes that take no memory),
// reachable through path(): the readers under test open files by path.
class MemFile {
public:
    explicit MemFile(const std::string& bytes, uint64_t sparseTail = 0) {
        fd_ = ::memfd_create("dragdiff-fuzz", MFD_CLOEXEC);
        if (fd_ < 0) std::abort();
        size_t done = 0;
        while (done < bytes.size()) {
            ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
            if (n <= 0) std::abort();
            done += static_cast<size_t>(n);
        }
        if (sparseTail && ::ftruncate(fd_, static_cast<off_t>(bytes.size() + sparseTail)) != 0) std::abort();
    }
    ~MemFile() { ::close(fd_); }
    MemFile(const MemFile&) = delete;
    MemFile& operator=(const MemFile&) = delete;
    std::string path() const { return "/proc/self/fd/" + std::to_string(fd_); }

private:
    int fd_ = -1;
};

// A private scratch folder for targets that read folders of files, removed at exit.
inline const std::filesystem::path& scratchFolder() {
    static const std::filesystem::path dir = [] {
        std::string tmpl = (std::filesystem::temp_directory_path() / "dragdiff-fuzz-XXXXXX").string();
        if (!::mkdtemp(tmpl.data())) std::abort();
        std::atexit([] { std::error_code ec; std::filesystem::remove_all(scratchFolder(), ec); });
        return std::filesystem::path(tmpl);
    }();
    return dir;
}

}  // namespace dragdiff::fuzz
