// Checks before a long run (issue 19): checkWritable() says, before any work, whether an output
// path can be written, and why not in words a user can act on; it never creates or changes the
// target. WriteBatch writes several files all or nothing (a project and its pictures).
//
// Root ignores permission bits, so the "no permission" case uses a read-only tmpfs when the process
// may mount, chmod when it is not root, and is skipped with a printed reason otherwise.
#include "support/catch.h"

#include "dragdiff/dragdiff.h"
#include "dragdiff/files.h"
#include "support/test_support.h"

#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

using namespace dragdiff;
namespace fs = std::filesystem;

namespace {

int entriesIn(const std::string& dir) {
    int n = 0;
    for (auto& e : fs::directory_iterator(dir)) {
        (void)e;
        ++n;
    }
    return n;
}

std::string whyNot(const std::string& path) {
    try {
        checkWritable(path);
    } catch (const WriteError& e) {
        return e.what();
    }
    return std::string();
}

// A tmpfs mounted on a fresh folder, unmounted when the object dies.
struct Tmpfs {
    std::string path;
    bool mounted = false;
    std::string reason;
    Tmpfs(const std::string& where, size_t bytes) : path(where) {
        fs::create_directories(path);
        const std::string opts = "size=" + std::to_string(bytes) + ",mode=0755";
        mounted = ::mount("tmpfs", path.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, opts.c_str()) == 0;
        if (!mounted) reason = std::strerror(errno);
    }
    ~Tmpfs() {
        if (mounted) ::umount2(path.c_str(), MNT_DETACH);
    }
    bool readOnly() {
        return ::mount("tmpfs", path.c_str(), "tmpfs", MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, nullptr) == 0;
    }
    void fill() const {
        std::ofstream out(path + "/filler", std::ios::binary);
        std::string block(4096, 'x');
        while (out.write(block.data(), std::streamsize(block.size())) && out.flush()) {
        }
    }
};

}  // namespace

TEST_CASE("checkWritable accepts a writable path and leaves the folder as it was", "[unit][files]") {
    test::TempDir dir;
    CHECK(whyNot(dir.file("new.png")).empty());
    CHECK_FALSE(fs::exists(dir.file("new.png")));  // never created
    CHECK(entriesIn(dir.path()) == 0);             // and the probe is gone
    test::writeBytes(dir.file("old.png"), "previous bytes");
    struct stat before {};
    REQUIRE(::stat(dir.file("old.png").c_str(), &before) == 0);
    CHECK(whyNot(dir.file("old.png")).empty());
    CHECK(test::readBytes(dir.file("old.png")) == "previous bytes");  // never truncated
    struct stat after {};
    REQUIRE(::stat(dir.file("old.png").c_str(), &after) == 0);
    CHECK(after.st_mtim.tv_sec == before.st_mtim.tv_sec);
    CHECK(after.st_mtim.tv_nsec == before.st_mtim.tv_nsec);
    CHECK(entriesIn(dir.path()) == 1);
    // A bare file name is in the current folder.
    const fs::path cwd = fs::current_path();
    fs::current_path(dir.path());
    CHECK(whyNot("bare.png").empty());
    fs::current_path(cwd);
}

TEST_CASE("checkWritable says what is wrong and what to do", "[unit][files]") {
    test::TempDir dir;
    const std::string missing = whyNot(dir.file("no-such-folder/out.png"));
    CHECK_THAT(missing, Catch::Contains("no-such-folder") && Catch::Contains("does not exist") &&
                            Catch::Contains("create it or choose another folder"));
    CHECK_FALSE(fs::exists(dir.file("no-such-folder")));

    test::writeBytes(dir.file("plain.txt"), "a file");
    const std::string underFile = whyNot(dir.file("plain.txt/out.png"));
    CHECK_THAT(underFile, Catch::Contains("plain.txt") && Catch::Contains("not a folder"));
    CHECK(test::readBytes(dir.file("plain.txt")) == "a file");

    fs::create_directory(dir.file("folder.png"));
    CHECK_THAT(whyNot(dir.file("folder.png")), Catch::Contains("folder.png") && Catch::Contains("a folder") &&
                                                  Catch::Contains("file name"));
    CHECK_THAT(whyNot(dir.path() + "/"), Catch::Contains("file name"));
    CHECK_THAT(whyNot(""), Catch::Contains("no output file"));
    CHECK_THAT(whyNot("/proc/dragdiff-out.png"), Catch::Contains("/proc"));
    CHECK_THROWS_AS(checkWritable(dir.file("folder.png")), WriteError);
}

TEST_CASE("checkWritable: a folder without permission to write", "[unit][files]") {
    test::TempDir dir;
    std::unique_ptr<Tmpfs> ro;
    std::string folder = dir.file("locked");
    if (::geteuid() == 0) {
        ro = std::make_unique<Tmpfs>(folder, 64 * 1024);
        if (!ro->mounted || !ro->readOnly()) {
            std::cout << "SKIPPED: root ignores permission bits and cannot mount a read-only tmpfs here ("
                      << ro->reason << ")\n";
            WARN("no-permission case not tested: cannot mount a tmpfs");
            return;
        }
    } else {
        fs::create_directory(folder);
        fs::permissions(folder, fs::perms::owner_read | fs::perms::owner_exec);
    }
    const std::string why = whyNot(folder + "/out.png");
    CHECK_THAT(why, Catch::Contains("locked") && Catch::Contains("choose another folder"));
    CHECK_THAT(why, Catch::Contains("read-only") || Catch::Contains("permission"));
    CHECK(entriesIn(folder) == 0);
    if (!ro) fs::permissions(folder, fs::perms::owner_all);
}

TEST_CASE("checkWritable: a full disk is found before the run", "[unit][files]") {
    test::TempDir dir;
    Tmpfs disk(dir.file("disk"), 64 * 1024);
    if (!disk.mounted) {
        std::cout << "SKIPPED: cannot mount a tmpfs here (" << disk.reason << ")\n";
        WARN("full-disk case not tested: cannot mount a tmpfs");
        return;
    }
    test::writeBytes(disk.path + "/keep.png", "old");
    disk.fill();
    const std::string why = whyNot(disk.path + "/keep.png");
    CHECK_THAT(why, Catch::Contains("full") && Catch::Contains("free some space"));
    CHECK(test::readBytes(disk.path + "/keep.png") == "old");
    CHECK(entriesIn(disk.path) == 2);
}

TEST_CASE("checkImageWritable refuses a format saveImage cannot write", "[unit][files]") {
    test::TempDir dir;
    CHECK_NOTHROW(checkImageWritable(dir.file("a.png")));
    CHECK_NOTHROW(checkImageWritable(dir.file("a.JPG")));
    CHECK_NOTHROW(checkImageWritable(dir.file("a.webp")));
    CHECK_THROWS_WITH(checkImageWritable(dir.file("a.bmp")), Catch::Contains(".png, .jpg or .webp"));
    CHECK_THROWS_AS(checkImageWritable(dir.file("a")), InvalidRequest);
    CHECK_THROWS_AS(checkImageWritable(dir.file("missing/a.png")), WriteError);
}

TEST_CASE("a WriteBatch writes all its files or none", "[unit][files]") {
    test::TempDir dir;
    test::writeBytes(dir.file("a.txt"), "old a");
    test::writeBytes(dir.file("b.txt"), "old b");
    {
        WriteBatch batch;
        writeTextFileAtomically(dir.file("a.txt"), "new a");
        writeTextFileAtomically(dir.file("b.txt"), "new b");
        CHECK(test::readBytes(dir.file("a.txt")) == "old a");  // staged, not yet in place
        batch.commit();
    }
    CHECK(test::readBytes(dir.file("a.txt")) == "new a");
    CHECK(test::readBytes(dir.file("b.txt")) == "new b");
    CHECK(entriesIn(dir.path()) == 2);
    {
        // The second write fails: the first must not land.
        WriteBatch batch;
        writeTextFileAtomically(dir.file("a.txt"), "newer a");
        CHECK_THROWS_AS(writeTextFileAtomically(dir.file("missing/b.txt"), "x"), WriteError);
    }
    CHECK(test::readBytes(dir.file("a.txt")) == "new a");
    CHECK(entriesIn(dir.path()) == 2);  // no temporaries left
    // Without a batch, writes land at once again.
    writeTextFileAtomically(dir.file("a.txt"), "direct");
    CHECK(test::readBytes(dir.file("a.txt")) == "direct");
}

TEST_CASE("a WriteBatch on a full disk leaves every previous file intact", "[unit][files]") {
    test::TempDir dir;
    Tmpfs disk(dir.file("disk"), 64 * 1024);
    if (!disk.mounted) {
        std::cout << "SKIPPED: cannot mount a tmpfs here (" << disk.reason << ")\n";
        WARN("full-disk case not tested: cannot mount a tmpfs");
        return;
    }
    writeTextFileAtomically(disk.path + "/p.json", "old json");
    writeTextFileAtomically(disk.path + "/p.input.png", "old picture");
    // Room for the small file, not for the big one.
    std::string big(40 * 1024, 'p');
    {
        std::ofstream out(disk.path + "/filler", std::ios::binary);
        out << std::string(16 * 1024, 'f');
    }
    try {
        WriteBatch batch;
        writeTextFileAtomically(disk.path + "/p.input.png", std::string(8 * 1024, 'n'));
        writeTextFileAtomically(disk.path + "/p.mask.png", big);
        writeTextFileAtomically(disk.path + "/p.json", "new json");
        batch.commit();
        FAIL("the batch should not fit");
    } catch (const WriteError& e) {
        CHECK_THAT(std::string(e.what()), Catch::Contains("full") && Catch::Contains("unchanged"));
    }
    CHECK(test::readBytes(disk.path + "/p.json") == "old json");
    CHECK(test::readBytes(disk.path + "/p.input.png") == "old picture");
    CHECK_FALSE(fs::exists(disk.path + "/p.mask.png"));
    CHECK(entriesIn(disk.path) == 3);
}
