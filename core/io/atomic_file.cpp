#include "io/atomic_file.h"

#include "dragdiff/error.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace dragdiff::io {
namespace {

std::string systemReason() { return std::strerror(errno); }

std::string folderOf(const std::string& path) {
    auto slash = path.find_last_of('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return path.substr(0, slash);
}

// The file the bytes must end up in: a symbolic link's target (renaming over the link would
// replace the link itself), and never anything but a regular file (renaming over a device such
// as /dev/null, a pipe or a folder would replace it, which as root succeeds).
std::string writeTarget(const std::string& path) {
    std::string target = path;
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
        if (char* real = ::realpath(path.c_str(), nullptr)) {
            target = real;
            std::free(real);
        }
    }
    if (::stat(target.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
        throw WriteError("cannot write '" + path + "': it exists and is not a regular file (" +
                         (S_ISDIR(st.st_mode) ? "a folder" : "a device, pipe or socket") +
                         "); choose a file name");
    return target;
}

}  // namespace

void writeFileAtomically(const std::string& requestedPath, const void* data, size_t size) {
    const std::string path = writeTarget(requestedPath);
    std::string tmpl = path + ".tmp-XXXXXX";
    std::vector<char> name(tmpl.begin(), tmpl.end());
    name.push_back('\0');
    int fd = ::mkstemp(name.data());
    if (fd < 0)
        throw WriteError("cannot write '" + path + "': cannot create a file in '" + folderOf(path) +
                         "' (" + systemReason() + "); choose another folder or free some space. The previous file, if any, "
                         "is unchanged");
    const std::string tmp(name.data());
    auto fail = [&](const std::string& what) {
        std::string reason = systemReason();
        ::close(fd);
        ::unlink(tmp.c_str());
        throw WriteError("cannot write '" + path + "': " + what + " (" + reason +
                         "); the previous file, if any, is unchanged");
    };
    const char* p = static_cast<const char*>(data);
    size_t left = size;
    while (left > 0) {
        ssize_t n = ::write(fd, p, left);
        if (n < 0) {
            if (errno == EINTR) continue;
            fail("writing failed");
        }
        p += n;
        left -= static_cast<size_t>(n);
    }
    if (::fchmod(fd, 0644) != 0) fail("cannot set permissions");
    if (::fsync(fd) != 0) fail("flushing to disk failed");
    if (::close(fd) != 0) {
        std::string reason = systemReason();
        ::unlink(tmp.c_str());
        throw WriteError("cannot write '" + path + "': closing failed (" + reason +
                         "); the previous file, if any, is unchanged");
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        std::string reason = systemReason();
        ::unlink(tmp.c_str());
        throw WriteError("cannot write '" + path + "': renaming into place failed (" + reason +
                         "); the previous file, if any, is unchanged");
    }
}

void writeFileAtomically(const std::string& path, const std::string& bytes) {
    writeFileAtomically(path, bytes.data(), bytes.size());
}

std::string readTextFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw LoadError("cannot open '" + path + "': " + systemReason());
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) throw LoadError("cannot read '" + path + "'");
    return ss.str();
}

}  // namespace dragdiff::io
