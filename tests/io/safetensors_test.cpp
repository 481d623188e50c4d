#include "dragdiff/error.h"
#include "io/safetensors.h"
#include "support/test_support.h"

#include "support/catch.h"
#include <filesystem>

using namespace dragdiff;
using dragdiff::test::TempDir;

namespace {

// A file with the given header text and data bytes.
std::string craft(const std::string& header, const std::string& data) {
    std::string out;
    uint64_t n = header.size();
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
    return out + header + data;
}

void requireRejected(const std::string& bytes, const std::string& expectedFragment) {
    TempDir dir;
    const std::string path = dir.file("bad.safetensors");
    test::writeBytes(path, bytes);
    try {
        io::SafetensorsFile f(path);
        FAIL("accepted a bad file; expected an error mentioning: " << expectedFragment);
    } catch (const LoadError& e) {
        const std::string msg = e.what();
        INFO(msg);
        CHECK(msg.find(expectedFragment) != std::string::npos);
        CHECK(msg.find(path) != std::string::npos);
    }
}

}  // namespace

TEST_CASE("safetensors round trip keeps names, dtypes, shapes, values and metadata", "[unit][io]") {
    TempDir dir;
    const std::string path = dir.file("t.safetensors");
    std::map<std::string, at::Tensor> tensors{
        {"a.weight", at::randn({3, 4})},
        {"b", at::arange(10, at::kLong)},
        {"c.half", at::randn({2, 2, 2}).to(at::kHalf)},
        {"d.bf16", at::randn({5}).to(at::kBFloat16)},
        {"e.bool", at::rand({7}) > 0.5},
        {"f.u8", at::randint(0, 255, {6}, at::kByte)},
        {"g.scalar", at::scalar_tensor(3.5, at::kDouble)},
        {"h.empty", at::zeros({0, 3})},
    };
    io::writeSafetensors(path, tensors, {{"format", "pt"}});
    io::SafetensorsFile f(path);
    REQUIRE(f.entries().size() == tensors.size());
    CHECK(f.metadata().at("format") == "pt");
    for (const auto& [name, t] : tensors) {
        INFO(name);
        at::Tensor back = f.load(name);
        CHECK(back.scalar_type() == t.scalar_type());
        CHECK(back.sizes() == t.sizes());
        CHECK(at::equal(back, t));
    }
    at::Tensor asFloat = f.load("c.half", at::kFloat);
    CHECK(asFloat.scalar_type() == at::kFloat);
    CHECK(at::allclose(asFloat, tensors["c.half"].to(at::kFloat)));
    CHECK_THROWS_AS(f.load("nope"), LoadError);
}

TEST_CASE("safetensors writer replaces the file atomically and leaves no temporary", "[unit][io]") {
    TempDir dir;
    const std::string path = dir.file("w.safetensors");
    io::writeSafetensors(path, {{"x", at::ones({2})}});
    io::writeSafetensors(path, {{"y", at::zeros({3})}});
    io::SafetensorsFile f(path);
    CHECK(f.contains("y"));
    CHECK_FALSE(f.contains("x"));
    int files = 0;
    for (auto& e : std::filesystem::directory_iterator(dir.path())) { (void)e; ++files; }
    CHECK(files == 1);
}

TEST_CASE("safetensors reader rejects malformed files with a precise message", "[unit][io]") {
    const std::string ok = R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
    SECTION("valid reference file loads") {
        TempDir dir;
        test::writeBytes(dir.file("ok.safetensors"), craft(ok, std::string(8, '\0')));
        CHECK_NOTHROW(io::SafetensorsFile(dir.file("ok.safetensors")));
    }
    SECTION("shorter than the length prefix") { requireRejected("abc", "shorter than"); }
    SECTION("truncated data") { requireRejected(craft(ok, std::string(4, '\0')), "outside the data area"); }
    SECTION("header length beyond the file") {
        std::string b = craft(ok, std::string(8, '\0'));
        b[0] = char(0xff);
        b[1] = char(0x7f);
        requireRejected(b, "header claims");
    }
    SECTION("header longer than 100 MiB") {
        std::string b = craft(ok, std::string(8, '\0'));
        for (int i = 0; i < 8; ++i) b[i] = 0;
        b[3] = 0x10;  // 256 MiB
        requireRejected(b, "100 MiB");
    }
    SECTION("bad JSON") { requireRejected(craft("{not json", ""), "not valid JSON"); }
    SECTION("header not an object") { requireRejected(craft("[1,2]", ""), "not a JSON object"); }
    SECTION("unknown dtype") {
        requireRejected(craft(R"({"x":{"dtype":"F8","shape":[2],"data_offsets":[0,2]}})", "ab"), "unknown dtype");
    }
    SECTION("shape and byte span disagree") {
        requireRejected(craft(R"({"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", std::string(8, '\0')),
                        "needs 12 bytes");
    }
    SECTION("overlapping spans") {
        requireRejected(craft(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                              R"("y":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                              std::string(8, '\0')),
                        "overlaps");
    }
    SECTION("gap in the data area") {
        requireRejected(craft(R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", std::string(8, '\0')),
                        "belong to no tensor");
    }
    SECTION("trailing bytes no tensor covers") {
        requireRejected(craft(ok, std::string(12, '\0')), "cover");
    }
    SECTION("begin after end") {
        requireRejected(craft(R"({"x":{"dtype":"U8","shape":[0],"data_offsets":[8,0]}})", std::string(8, '\0')),
                        "begin > end");
    }
    SECTION("negative shape") {
        requireRejected(craft(R"({"x":{"dtype":"U8","shape":[-1],"data_offsets":[0,0]}})", ""), "shape entry");
    }
    SECTION("metadata that is not string to string") {
        requireRejected(craft(R"({"__metadata__":{"a":1}})", ""), "__metadata__");
    }
    SECTION("missing file") { CHECK_THROWS_AS(io::SafetensorsFile("/nonexistent/x.safetensors"), LoadError); }
}
