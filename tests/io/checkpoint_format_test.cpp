#include "dragdiff/error.h"
#include "io/checkpoint_format.h"
#include "support/test_support.h"

#include "support/catch.h"

using namespace dragdiff;

TEST_CASE("pickle checkpoints are refused with the reason and the fix", "[unit][io]") {
    test::TempDir dir;
    for (const char* name : {"model.ckpt", "model.pt", "model.pth", "pytorch_model.bin"}) {
        test::writeBytes(dir.file(name), "\x80\x02whatever");
        CHECK_THROWS_WITH(io::refusePickleCheckpoint(dir.file(name)),
                          Catch::Contains("arbitrary code") && Catch::Contains(".safetensors"));
    }
    test::writeBytes(dir.file("disguised.safetensors"), "PK\x03\x04zip");
    CHECK_THROWS_AS(io::refusePickleCheckpoint(dir.file("disguised.safetensors")), LoadError);
    test::writeBytes(dir.file("fine.safetensors"), std::string("\x08\0\0\0\0\0\0\0{}      ", 16));
    CHECK_NOTHROW(io::refusePickleCheckpoint(dir.file("fine.safetensors")));
}
