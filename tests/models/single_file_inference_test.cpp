#include "support/catch.h"

#include "dragdiff/error.h"
#include "io/safetensors.h"
#include "models/single_file/architecture_inference.h"
#include "models/single_file/ldm_key_mapping.h"
#include "models/single_file_fixture.h"
#include "support/test_support.h"

#include <set>

using namespace dragdiff;
using models::inferArchitecture;
using test::TempDir;
using test::TinyLdmSpec;

namespace {

std::vector<std::string> strings(std::initializer_list<const char*> list) { return {list.begin(), list.end()}; }

std::set<std::string> names(const models::WeightSet& w) {
    std::set<std::string> out;
    for (const auto& [name, src] : w.tensors()) out.insert(name);
    return out;
}

template <class Fn>
void requireLoadError(Fn&& fn, const std::vector<std::string>& fragments) {
    try {
        fn();
        FAIL("no LoadError; expected one mentioning '" << fragments.front() << "'");
    } catch (const LoadError& e) {
        const std::string msg = e.what();
        INFO(msg);
        for (const auto& f : fragments) CHECK(msg.find(f) != std::string::npos);
    }
}

}  // namespace

TEST_CASE("an SD 1.x file's architecture comes from its shapes and the SD 1 conventions", "[unit][models]") {
    TempDir dir;
    TinyLdmSpec spec;
    spec.channels = {8, 16, 16};
    spec.attention = {true, true, false};
    spec.layersPerBlock = 2;
    spec.transformerDepth = 2;
    spec.vaeChannels = {8, 16, 24};
    spec.vaeLayersPerBlock = 2;
    spec.textLayers = 3;
    const auto file = test::writeCheckpoint(dir.file("sd1.safetensors"), test::makeTinyLdm(spec));
    const auto a = inferArchitecture(*file);

    CHECK(a.family == "sd1");
    CHECK(a.unet.inChannels == 4);
    CHECK(a.unet.outChannels == 4);
    CHECK((a.unet.blockOutChannels == std::vector<int>{8, 16, 16}));
    CHECK(a.unet.layersPerBlock == 2);
    CHECK(a.unet.downBlockTypes == strings({"CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"}));
    CHECK(a.unet.upBlockTypes == strings({"UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"}));
    CHECK((a.unet.transformerLayersPerBlock == std::vector<int>{2, 2, 2}));  // last: the mid block's
    CHECK(a.unet.crossAttentionDim == 12);
    CHECK_FALSE(a.unet.useLinearProjection);
    CHECK((a.unet.numAttentionHeads == std::vector<int>{8, 8, 8}));
    CHECK_FALSE(a.unet.upcastAttention);
    CHECK(a.unet.normNumGroups == 32);
    CHECK(a.unet.convInKernel == 3);

    CHECK((a.vae.blockOutChannels == std::vector<int>{8, 16, 24}));
    CHECK(a.vae.layersPerBlock == 2);
    CHECK(a.vae.latentChannels == 4);
    CHECK(a.vae.inChannels == 3);
    CHECK(a.vae.outChannels == 3);
    CHECK(a.vae.downBlockTypes.size() == 3);
    CHECK(a.vae.upBlockTypes.size() == 3);
    CHECK(a.vae.midBlockAddAttention);
    CHECK(a.vae.normNumGroups == 32);

    CHECK(a.text.hiddenSize == 12);
    CHECK(a.text.numHiddenLayers == 3);
    CHECK(a.text.intermediateSize == 36);
    CHECK(a.text.vocabSize == 50);
    CHECK(a.text.maxPositionEmbeddings == 77);
    CHECK(a.text.hiddenAct == "quick_gelu");

    const auto& s = a.scheduler;
    const auto sd = models::DDIMConfig::stableDiffusion();
    CHECK(s.betaSchedule == sd.betaSchedule);
    CHECK(s.betaStart == sd.betaStart);
    CHECK(s.betaEnd == sd.betaEnd);
    CHECK(s.stepsOffset == sd.stepsOffset);
    CHECK(s.predictionType == "epsilon");

    // The inferred architecture maps the file completely, as its own configs do.
    const auto ours = models::mapSingleFileCheckpoint(file, a.mappingOptions());
    const auto reference = models::mapSingleFileCheckpoint(file, test::tinyOptions(spec));
    CHECK(names(ours.unet) == names(reference.unet));
    CHECK(names(ours.vae) == names(reference.vae));
    CHECK(names(ours.textEncoder) == names(reference.textEncoder));
    CHECK(ours.textFamily == "clip");
}

TEST_CASE("an SD 2.x file: 64-channel heads, gelu, upcast attention, the penultimate text layer", "[unit][models]") {
    TempDir dir;
    TinyLdmSpec spec;
    spec.channels = {64, 128};
    spec.linearProjection = true;
    spec.context = 16;
    spec.text = "openclip";
    spec.textWidth = 16;
    spec.textLayers = 4;
    spec.openClipWholeTower = true;
    const auto file = test::writeCheckpoint(dir.file("sd2.safetensors"), test::makeTinyLdm(spec));
    const auto a = inferArchitecture(*file);

    CHECK(a.family == "sd2");
    CHECK((a.unet.blockOutChannels == std::vector<int>{64, 128}));
    CHECK(a.unet.useLinearProjection);
    CHECK(a.unet.crossAttentionDim == 16);
    CHECK((a.unet.numAttentionHeads == std::vector<int>{1, 2}));
    CHECK(a.unet.upcastAttention);
    CHECK(a.text.hiddenAct == "gelu");
    CHECK(a.text.hiddenSize == 16);
    CHECK(a.text.numHiddenLayers == 3);  // 4 resblocks, the last unused
    CHECK(a.text.intermediateSize == 48);
    CHECK(a.scheduler.predictionType == "epsilon");  // v-prediction is the caller's to set

    const auto w = models::mapSingleFileCheckpoint(file, a.mappingOptions());
    CHECK(w.textFamily == "openclip");
    CHECK(w.textEncoder.tensors().size() == 4 + 3 * 16);

    // A file written from an already cut text encoder (no text_projection) keeps every resblock.
    spec.openClipWholeTower = false;
    const auto cut = test::writeCheckpoint(dir.file("sd2-cut.safetensors"), test::makeTinyLdm(spec));
    CHECK(inferArchitecture(*cut).text.numHiddenLayers == 4);
}

TEST_CASE("without a text encoder the family shows in the UNet", "[unit][models]") {
    TempDir dir;
    TinyLdmSpec spec;
    spec.text = "";
    spec.vae = false;
    spec.linearProjection = true;
    const auto sd2 = inferArchitecture(*test::writeCheckpoint(dir.file("a.safetensors"), test::makeTinyLdm(spec)));
    CHECK(sd2.family == "sd2");
    CHECK(sd2.text.hiddenSize == models::CLIPTextConfig::sd21().hiddenSize);
    CHECK((sd2.vae.blockOutChannels == models::VAEConfig::sd().blockOutChannels));

    spec.linearProjection = false;
    const auto file = test::writeCheckpoint(dir.file("b.safetensors"), test::makeTinyLdm(spec));
    const auto sd1 = inferArchitecture(*file);
    CHECK(sd1.family == "sd1");
    CHECK(sd1.text.hiddenAct == "quick_gelu");
    const auto w = models::mapSingleFileCheckpoint(file, sd1.mappingOptions());
    CHECK(w.textFamily.empty());
    CHECK(w.textEncoder.empty());
    CHECK(w.vae.empty());
    CHECK_FALSE(w.unet.empty());
}

TEST_CASE("inference refuses files that are not SD 1.x/2.x, naming what is missing", "[unit][models]") {
    TempDir dir;
    TinyLdmSpec spec;
    const auto full = test::makeTinyLdm(spec);

    std::map<std::string, at::Tensor> noUNet;
    for (const auto& [key, t] : full)
        if (key.rfind(models::kLdmUNetPrefix, 0) != 0) noUNet[key] = t;
    const std::string path = dir.file("no_unet.safetensors");
    const auto a = test::writeCheckpoint(path, noUNet);
    requireLoadError([&] { inferArchitecture(*a); }, {"not a Stable Diffusion checkpoint", path});

    auto noOut = full;
    noOut.erase("model.diffusion_model.out.2.weight");
    const auto b = test::writeCheckpoint(dir.file("no_out.safetensors"), noOut);
    requireLoadError([&] { inferArchitecture(*b); }, {"model.diffusion_model.out.2.weight", "missing"});

    auto fewerOutputs = full;
    for (auto it = fewerOutputs.begin(); it != fewerOutputs.end();)
        it = it->first.rfind("model.diffusion_model.output_blocks.3.", 0) == 0 ? fewerOutputs.erase(it) : std::next(it);
    const auto c = test::writeCheckpoint(dir.file("few_outputs.safetensors"), fewerOutputs);
    requireLoadError([&] { inferArchitecture(*c); }, {"output_blocks", "expected 4"});
}
