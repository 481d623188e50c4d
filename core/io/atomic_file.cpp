#include "io/atomic_file.h"

#include "dragdiff/error.h"
#include "dragdiff/files.h"

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

// What a failure to create or grow a file in `folder` means, and what to do about it.
std::string advice(int err, const std::string& folder) {
    switch (err) {
    case ENOSPC:
    case EDQUOT:
        return "the disk holding '" + folder + "' is full (" + std::strerror(err) +
               "); free some space or choose a folder on another disk";
    case EROFS:
        return "'" + folder + "' is on a read-only file system; choose another folder";
    case EACCES:
    case EPERM:
        return "no permission to create files in '" + folder + "' (" + std::strerror(err) +
               "); choose another folder or change its permissions";
    default:
        return "cannot create a file in '" + folder + "' (" + std::strerror(err) + "); choose another folder";
    }
}

thread_local WriteBatch* currentBatch = nullptr;

}  // namespace

void writeFileAtomically(const std::string& requestedPath, const void* data, size_t size) {
    const std::string path = writeTarget(requestedPath);
    std::string tmpl = path + ".tmp-XXXXXX";
    std::vector<char> name(tmpl.begin(), tmpl.end());
    name.push_back('\0');
    int fd = ::mkstemp(name.data());
    if (fd < 0) {
        const int err = errno;
        throw WriteError("cannot write '" + path + "': " +
                         (err == ENOENT ? "the folder '" + folderOf(path) + "' does not exist; create it or choose another folder"
                          : err == ENOTDIR ? "the folder '" + folderOf(path) + "' is not a folder (a part of its path is a file); choose another folder"
                                           : advice(err, folderOf(path))) +
                         ". The previous file, if any, is unchanged");
    }
    const std::string tmp(name.data());
    auto fail = [&](const std::string& what) {
        const int err = errno;
        ::close(fd);
        ::unlink(tmp.c_str());
        if (err == ENOSPC || err == EDQUOT)
            throw WriteError("cannot write '" + path + "': " + what + ": " + advice(err, folderOf(path)) +
                             "; the previous file, if any, is unchanged");
        throw WriteError("cannot write '" + path + "': " + what + " (" + std::strerror(err) +
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
        const int err = errno;
        ::unlink(tmp.c_str());
        throw WriteError("cannot write '" + path + "': closing failed (" +
                         (err == ENOSPC || err == EDQUOT ? advice(err, folderOf(path)) : std::string(std::strerror(err))) +
                         "); the previous file, if any, is unchanged");
    }
    if (WriteBatch* batch = WriteBatch::current()) {
        batch->stage({tmp, path});  // renamed into place by its commit(), removed if there is none
        return;
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

namespace dragdiff {

void checkWritable(const std::string& path) {
    if (path.empty()) throw WriteError("no output file was given; name the file to write");
    if (path.back() == '/')
        throw WriteError("cannot write '" + path + "': it names a folder; give a file name such as '" + path +
                         "out.png'");
    const std::string target = io::writeTarget(path);  // a folder, device or pipe is refused here
    const std::string folder = io::folderOf(target);
    struct stat st {};
    if (::stat(folder.c_str(), &st) != 0) {
        const int err = errno;
        if (err == ENOTDIR) {
            // Some part of the folder's path is a file: name the first one.
            std::string part;
            size_t from = folder[0] == '/' ? 1 : 0;
            while (true) {
                const size_t slash = folder.find('/', from);
                part = folder.substr(0, slash);
                struct stat p {};
                if (::stat(part.c_str(), &p) == 0 && !S_ISDIR(p.st_mode)) break;
                if (slash == std::string::npos) break;
                from = slash + 1;
            }
            throw WriteError("cannot write '" + path + "': '" + part +
                             "' is a file, not a folder; choose another folder");
        }
        if (err == ENOENT)
            throw WriteError("cannot write '" + path + "': the folder '" + folder +
                             "' does not exist; create it or choose another folder");
        throw WriteError("cannot write '" + path + "': " + io::advice(err, folder));
    }
    if (!S_ISDIR(st.st_mode))
        throw WriteError("cannot write '" + path + "': '" + folder + "' is a file, not a folder; choose another folder");
    // The only sure test: create a file where the output will go (and one byte in it, so that a
    // full disk shows), then remove it.
    std::string tmpl = folder + "/.dragdiff-probe-XXXXXX";
    std::vector<char> name(tmpl.begin(), tmpl.end());
    name.push_back('\0');
    const int fd = ::mkstemp(name.data());
    if (fd < 0) {
        const int err = errno;
        throw WriteError("cannot write '" + path + "': " + io::advice(err, folder));
    }
    int err = 0;
    const char byte = 0;
    ssize_t n;
    do {
        n = ::write(fd, &byte, 1);
    } while (n < 0 && errno == EINTR);
    if (n != 1) err = n < 0 ? errno : EIO;
    ::close(fd);
    ::unlink(name.data());
    if (err != 0) throw WriteError("cannot write '" + path + "': " + io::advice(err, folder));
}

WriteBatch::WriteBatch() : outer_(io::currentBatch) { io::currentBatch = this; }

WriteBatch::~WriteBatch() {
    io::currentBatch = outer_;
    if (!committed_)
        for (const Staged& f : staged_) ::unlink(f.temporary.c_str());
}

WriteBatch* WriteBatch::current() { return io::currentBatch; }

void WriteBatch::commit() {
    if (committed_) return;
    committed_ = true;
    if (outer_) {  // joins the enclosing batch: it renames these with its own
        for (Staged& f : staged_) outer_->stage(std::move(f));
        staged_.clear();
        return;
    }
    for (size_t i = 0; i < staged_.size(); ++i) {
        if (::rename(staged_[i].temporary.c_str(), staged_[i].target.c_str()) != 0) {
            const std::string reason = std::string(std::strerror(errno));
            for (size_t j = i; j < staged_.size(); ++j) ::unlink(staged_[j].temporary.c_str());
            throw WriteError("cannot write '" + staged_[i].target + "': renaming into place failed (" + reason +
                             "); it and the files after it are unchanged");
        }
    }
}

}  // namespace dragdiff
