// A whole edit on the device chosen at runtime: $DRAGDIFF_TEST_DEVICE, else the last entry of
// availableDevices() (the GPU when LibTorch has one, the CPU here). Every tensor of the edit has
// to live on the model's device for this to pass on a GPU.
#include "support/catch.h"

#include "dragdiff/engine.h"
#include "dragdiff/error.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

using namespace dragdiff;

namespace {

std::string testDevice() {
    if (const char* d = std::getenv("DRAGDIFF_TEST_DEVICE"); d && *d) return d;
    return availableDevices().back();
}

RgbaImage discImage(int size) {
    RgbaImage img;
    img.width = img.height = size;
    img.pixels.resize(size_t(size) * size * 4);
    for (int y = 0; y < size; ++y)
        for (int x = 0; x < size; ++x) {
            uint8_t* p = &img.pixels[(size_t(y) * size + x) * 4];
            const bool disc = std::hypot(x - 0.35 * size, y - 0.5 * size) < 0.15 * size;
            p[0] = disc ? 220 : uint8_t(60 + 100 * x / size);
            p[1] = disc ? 40 : uint8_t(120 + 80 * y / size);
            p[2] = disc ? 40 : 170;
            p[3] = 255;
        }
    return img;
}

}  // namespace

TEST_CASE("a whole edit runs on the device chosen at runtime", "[engine][device]") {
    const std::string device = testDevice();
    const auto devices = availableDevices();
    REQUIRE(std::find(devices.begin(), devices.end(), device) != devices.end());
    Engine engine;
    ModelSpec spec;
    spec.path = "embedded";
    spec.device = device;
    const ModelInfo info = engine.loadModel(spec);
    CHECK(info.device.rfind(device, 0) == 0);

    const RgbaImage image = discImage(info.imageSize);
    engine.prepareImage(image);
    const HeatMap heat = engine.heatmap({0.35 * info.imageSize, 0.5 * info.imageSize});
    CHECK(heat.width == image.width);

    EditRequest request;
    request.image = image;
    request.drags = {DragPair{{0.35 * image.width, 0.5 * image.height}, {0.55 * image.width, 0.5 * image.height}}};
    request.parameters.steps = 12;
    request.parameters.guidanceWeight = 320;  // off by default: the backward pass must run on the device too
    int previews = 0;
    const EditResult result = engine.edit(request, [&](const EditProgress& p) { previews += !p.preview.empty(); });
    CHECK(result.image.width == image.width);
    CHECK(result.image.height == image.height);
    CHECK(previews > 0);
    bool guided = false;
    for (const auto& s : result.steps) guided = guided || s.guided;
    CHECK(guided);  // the backward pass ran on the device too
}

TEST_CASE("fp16 autocast is refused on the CPU with what to do", "[engine][device]") {
    Engine engine;
    ModelSpec spec;
    spec.path = "embedded";
    spec.device = "cpu";
    spec.fp16Autocast = true;
    try {
        engine.loadModel(spec);
        FAIL("loading with fp16 autocast on the CPU should fail");
    } catch (const InvalidRequest& e) {
        CHECK(std::string(e.what()).find("GPU") != std::string::npos);
    }
    CHECK_FALSE(engine.hasModel());
}
