// Fault tests for writing files (issue 8): a full disk, a read-only file system, a folder that is
// a file, and targets that are not regular files. Every failure is a WriteError naming the path,
// the previous file is intact and no temporary is left behind.
//
// Root ignores permission bits (chmod 555 does not stop it), so the read-only and full cases
// mount their own small tmpfs when the process may mount (root with CAP_SYS_ADMIN, as in CI and
// here); otherwise a non-root process uses chmod, and the full-disk case is skipped with a warning.
#include "support/catch.h"

#include "dragdiff/dragdiff.h"
#include "dragdiff/edit_spec.h"
#include "io/atomic_file.h"
#include "support/test_support.h"

#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

using namespace dragdiff;
namespace fs = std::filesystem;

namespace {

RgbaImage gradient(int w, int h) {
    RgbaImage img;
    img.width = w;
    img.height = h;
    img.pixels.resize(size_t(w) * h * 4);
    for (size_t i = 0; i < img.pixels.size(); ++i) img.pixels[i] = uint8_t((i * 2654435761u) >> 13);  // noise: PNG cannot shrink it
    for (size_t i = 3; i < img.pixels.size(); i += 4) img.pixels[i] = 255;
    return img;
}

// A tmpfs of `bytes` mounted on a fresh folder, unmounted when the object dies.
class SmallFs {
public:
    SmallFs(const std::string& where, size_t bytes) : path_(where) {
        fs::create_directories(path_);
        const std::string opts = "size=" + std::to_string(bytes) + ",mode=0755";
        mounted_ = ::mount("tmpfs", path_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, opts.c_str()) == 0;
        if (!mounted_) reason_ = std::strerror(errno);
    }
    ~SmallFs() {
        if (mounted_) ::umount2(path_.c_str(), MNT_DETACH);
    }
    bool mounted() const { return mounted_; }
    const std::string& reason() const { return reason_; }
    bool makeReadOnly() {
        return ::mount("tmpfs", path_.c_str(), "tmpfs", MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, nullptr) == 0;
    }
    std::string file(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
    bool mounted_ = false;
    std::string reason_;
};

// Writes until the file system says it is full.
void fill(const std::string& path) {
    std::ofstream out(path, std::ios::binary);
    std::string block(4096, 'x');
    while (out.write(block.data(), std::streamsize(block.size())) && out.flush()) {
    }
}

int filesIn(const std::string& dir) {
    int n = 0;
    for (auto& e : fs::directory_iterator(dir)) {
        (void)e;
        ++n;
    }
    return n;
}

EditSpec smallSpec() {
    EditSpec s;
    s.imagePath = "picture.png";
    s.drags = {{{10, 10}, {20, 12}}};
    return s;
}

}  // namespace

TEST_CASE("fault: exporting onto a full disk fails and keeps the previous file", "[fault][files]") {
    test::TempDir dir;
    SmallFs disk(dir.file("disk"), 256 * 1024);
    if (!disk.mounted()) {
        WARN("cannot mount a tmpfs here (" << disk.reason() << "); the full-disk case is not tested");
        return;
    }
    const RgbaImage old = gradient(32, 32);
    saveImage(old, disk.file("keep.png"));
    writeEditSpec(smallSpec(), disk.file("keep.dragdiff.json"));
    const std::string oldSpec = test::readBytes(disk.file("keep.dragdiff.json"));
    fill(disk.file("filler"));
    const int before = filesIn(disk.file(""));

    const RgbaImage bigger = gradient(256, 256);  // 256 KiB of noise: cannot fit
    try {
        saveImage(bigger, disk.file("keep.png"));
        FAIL("the export should have failed");
    } catch (const WriteError& e) {
        INFO(e.what());
        CHECK_THAT(std::string(e.what()), Catch::Contains("keep.png") && Catch::Contains("space"));
    }
    CHECK(loadImage(disk.file("keep.png")).pixels == old.pixels);
    // The project file too: big enough not to fit in what is left.
    EditSpec many = smallSpec();
    for (int i = 0; i < 5000; ++i) many.drags.push_back({{double(i % 30), 1}, {double(i % 30) + 1, 2}});
    CHECK_THROWS_AS(writeEditSpec(many, disk.file("keep.dragdiff.json")), WriteError);
    CHECK(test::readBytes(disk.file("keep.dragdiff.json")) == oldSpec);
    CHECK(filesIn(disk.file("")) == before);  // no temporaries left
    // Space freed: the same export now works.
    fs::remove(disk.file("filler"));
    CHECK_NOTHROW(saveImage(bigger, disk.file("keep.png")));
    CHECK(loadImage(disk.file("keep.png")).width == 256);
}

TEST_CASE("fault: exporting into a read-only folder fails and keeps the previous file", "[fault][files]") {
    test::TempDir dir;
    const RgbaImage old = gradient(16, 16);
    std::string folder;
    std::unique_ptr<SmallFs> disk;
    if (::geteuid() == 0) {
        disk = std::make_unique<SmallFs>(dir.file("ro"), 1 << 20);
        if (!disk->mounted()) {
            WARN("root cannot mount a tmpfs here (" << disk->reason() << "); the read-only case is not tested");
            return;
        }
        saveImage(old, disk->file("keep.png"));
        REQUIRE(disk->makeReadOnly());
        folder = dir.file("ro");
    } else {
        folder = dir.file("ro");
        fs::create_directory(folder);
        saveImage(old, folder + "/keep.png");
        fs::permissions(folder, fs::perms::owner_read | fs::perms::owner_exec);
    }
    try {
        saveImage(gradient(8, 8), folder + "/keep.png");
        FAIL("the export should have failed");
    } catch (const WriteError& e) {
        INFO(e.what());
        CHECK_THAT(std::string(e.what()), Catch::Contains("keep.png") && Catch::Contains("unchanged"));
    }
    CHECK_THROWS_AS(saveImage(gradient(8, 8), folder + "/new.png"), WriteError);
    CHECK_THROWS_AS(writeEditSpec(smallSpec(), folder + "/p.dragdiff.json"), WriteError);
    CHECK(loadImage(folder + "/keep.png").pixels == old.pixels);
    CHECK(filesIn(folder) == 1);
    if (!disk) fs::permissions(folder, fs::perms::owner_all);
}

TEST_CASE("fault: a folder that is a file or does not exist is a write error", "[fault][files]") {
    test::TempDir dir;
    test::writeBytes(dir.file("plain.txt"), "a file, not a folder");
    CHECK_THROWS_AS(saveImage(gradient(4, 4), dir.file("plain.txt/x.png")), WriteError);
    CHECK_THROWS_AS(saveImage(gradient(4, 4), dir.file("missing/x.png")), WriteError);
    CHECK_THROWS_AS(writeTextFileAtomically(dir.file("plain.txt/x.json"), "{}"), WriteError);
    CHECK(test::readBytes(dir.file("plain.txt")) == "a file, not a folder");
}

TEST_CASE("fault: a target that is not a regular file is refused, not replaced", "[fault][files]") {
    // Renaming a temporary over a FIFO or a device (say `--out /dev/null` as root) would replace
    // the special file with a regular one.
    test::TempDir dir;
    REQUIRE(::mkfifo(dir.file("pipe.png").c_str(), 0644) == 0);
    CHECK_THROWS_WITH(saveImage(gradient(4, 4), dir.file("pipe.png")),
                      Catch::Contains("pipe.png") && Catch::Contains("not a regular file"));
    CHECK(fs::is_fifo(dir.file("pipe.png")));
    fs::create_directory(dir.file("folder.png"));
    CHECK_THROWS_AS(saveImage(gradient(4, 4), dir.file("folder.png")), WriteError);
    CHECK(fs::is_directory(dir.file("folder.png")));
    CHECK(filesIn(dir.path()) == 2);
}

TEST_CASE("fault: writing through a symbolic link replaces the file it points to", "[fault][files]") {
    test::TempDir dir;
    fs::create_directory(dir.file("real"));
    saveImage(gradient(4, 4), dir.file("real/picture.png"));
    fs::create_symlink(dir.file("real/picture.png"), dir.file("link.png"));
    saveImage(gradient(8, 8), dir.file("link.png"));
    CHECK(fs::is_symlink(dir.file("link.png")));
    CHECK(loadImage(dir.file("real/picture.png")).width == 8);
}
