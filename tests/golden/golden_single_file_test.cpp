#include "support/catch.h"

// Every golden case's single-file copy (model.ldm.safetensors) maps onto exactly the tensors of its
// diffusers folders, and the architecture inferred from its shapes agrees with the folder's configs.
// SD 1.x/2.x cases go through the ldm mapping, SDXL cases (sgm layout) through the SDXL one.
#include "io/config_json.h"
#include "io/safetensors.h"
#include "models/model_configs.h"
#include "models/single_file/architecture_inference.h"
#include "models/single_file/checkpoint_family.h"
#include "models/single_file/ldm_key_mapping.h"
#include "models/single_file/sdxl_single_file.h"
#include "support/golden_case.h"
#include "support/test_support.h"

#include <set>

using namespace dragdiff;

namespace {

models::MappingOptions caseOptions(const test::GoldenCase& c) {
    models::MappingOptions o;
    o.unet = models::UNetConfig::read(io::ConfigReader::fromFile(c.path("unet/config.json")));
    o.vae = models::VAEConfig::read(io::ConfigReader::fromFile(c.path("vae/config.json")));
    o.text = models::CLIPTextConfig::read(io::ConfigReader::fromFile(c.path("text_encoder/config.json")));
    return o;
}

// "" when `ours` holds exactly the tensors of the diffusers file `reference` (minus position_ids),
// with equal shapes and values; otherwise what differs (the first few of each kind).
std::string diffAgainst(const models::WeightSet& ours, const std::string& reference) {
    const io::SafetensorsFile ref(reference);
    std::set<std::string> expected;
    for (const auto& e : ref.entries())
        if (e.name != "text_model.embeddings.position_ids") expected.insert(e.name);
    std::vector<std::string> missing, extra, different;
    for (const auto& name : expected)
        if (!ours.tensors().count(name)) missing.push_back(name);
    for (const auto& [name, src] : ours.tensors()) {
        if (!expected.count(name)) {
            extra.push_back(name + " (from '" + src.key + "')");
            continue;
        }
        const at::Tensor want = ref.view(name);
        if (src.view.sizes() != want.sizes()) {
            different.push_back(name + ": shape " + c10::str(src.view.sizes()) + " vs " + c10::str(want.sizes()));
        } else if (!at::equal(src.view.to(want.scalar_type()), want.to(want.scalar_type()))) {
            different.push_back(name + ": values differ (from '" + src.key + "')");
        }
    }
    std::string out;
    auto report = [&out](const char* what, const std::vector<std::string>& list) {
        if (list.empty()) return;
        out += std::to_string(list.size()) + " " + what + ":";
        for (size_t i = 0; i < list.size() && i < 8; ++i) out += "\n  " + list[i];
        out += "\n";
    };
    report("missing", missing);
    report("unexpected", extra);
    report("different", different);
    return out;
}

void checkMatchesFolders(const test::GoldenCase& c, const models::SingleFileWeights& w) {
    const std::string unet = diffAgainst(w.unet, c.path("unet/diffusion_pytorch_model.safetensors"));
    const std::string vae = diffAgainst(w.vae, c.path("vae/diffusion_pytorch_model.safetensors"));
    const std::string text = diffAgainst(w.textEncoder, c.path("text_encoder/model.safetensors"));
    INFO("unet:\n" << unet);
    CHECK(unet.empty());
    INFO("vae:\n" << vae);
    CHECK(vae.empty());
    INFO("text encoder:\n" << text);
    CHECK(text.empty());
}

}  // namespace

TEST_CASE("each golden single file maps onto the tensors of its diffusers folders", "[golden]") {
    for (const auto& c : test::goldenCasesWith("model.ldm.safetensors")) {
        INFO(c.name());
        if (c.isSDXL()) continue;  // the SDXL tests below
        const auto file = std::make_shared<const io::SafetensorsFile>(c.path("model.ldm.safetensors"));
        const auto w = models::mapSingleFileCheckpoint(file, caseOptions(c));
        CHECK((w.textFamily == "clip" || w.textFamily == "openclip"));
        checkMatchesFolders(c, w);
    }
}

TEST_CASE("the architecture inferred from each golden single file agrees with its configs", "[golden]") {
    for (const auto& c : test::goldenCasesWith("model.ldm.safetensors")) {
        INFO(c.name());
        if (c.isSDXL()) continue;  // the SDXL tests below
        const io::SafetensorsFile file(c.path("model.ldm.safetensors"));
        const auto a = models::inferArchitecture(file);
        const auto want = caseOptions(c);

        CHECK(a.unet.inChannels == want.unet.inChannels);
        CHECK(a.unet.outChannels == want.unet.outChannels);
        CHECK(a.unet.blockOutChannels == want.unet.blockOutChannels);
        CHECK(a.unet.layersPerBlock == want.unet.layersPerBlock);
        CHECK(a.unet.downBlockTypes == want.unet.downBlockTypes);
        CHECK(a.unet.upBlockTypes == want.unet.upBlockTypes);
        CHECK(a.unet.transformerLayersPerBlock == want.unet.transformerLayersPerBlock);
        CHECK(a.unet.crossAttentionDim == want.unet.crossAttentionDim);
        CHECK(a.unet.useLinearProjection == want.unet.useLinearProjection);
        CHECK(a.unet.convInKernel == want.unet.convInKernel);
        CHECK(a.unet.convOutKernel == want.unet.convOutKernel);

        CHECK(a.vae.inChannels == want.vae.inChannels);
        CHECK(a.vae.outChannels == want.vae.outChannels);
        CHECK(a.vae.blockOutChannels == want.vae.blockOutChannels);
        CHECK(a.vae.layersPerBlock == want.vae.layersPerBlock);
        CHECK(a.vae.latentChannels == want.vae.latentChannels);
        CHECK(a.vae.midBlockAddAttention == want.vae.midBlockAddAttention);

        CHECK(a.text.hiddenSize == want.text.hiddenSize);
        CHECK(a.text.numHiddenLayers == want.text.numHiddenLayers);
        CHECK(a.text.intermediateSize == want.text.intermediateSize);
        CHECK(a.text.vocabSize == want.text.vocabSize);
        CHECK(a.text.maxPositionEmbeddings == want.text.maxPositionEmbeddings);
        // Family conventions (not in the shapes): SD 1 = CLIP quick_gelu, SD 2 = OpenCLIP gelu + upcast.
        CHECK(a.text.hiddenAct == want.text.hiddenAct);
        CHECK(a.unet.upcastAttention == want.unet.upcastAttention);

        // Mapping with the inferred architecture gives the same weights as with the case's configs.
        const auto w = models::mapSingleFileCheckpoint(
            std::make_shared<const io::SafetensorsFile>(c.path("model.ldm.safetensors")), a.mappingOptions());
        checkMatchesFolders(c, w);
    }
}

TEST_CASE("real-world variants of each golden single file map onto the same text encoder", "[golden]") {
    // Files in the wild carry EMA copies, schedule buffers, F16 weights, position ids, the older CLIP
    // layout or OpenCLIP's whole tower. The variant holds the text encoder in F16 plus the UNet's
    // time embedding (the UNet and VAE mapping are covered above); the rest is what it adds.
    for (const auto& c : test::goldenCasesWith("model.ldm.safetensors")) {
        INFO(c.name());
        if (c.isSDXL()) continue;  // SD 1.x/2.x text encoder layouts
        test::TempDir dir;
        const io::SafetensorsFile original(c.path("model.ldm.safetensors"));
        std::map<std::string, at::Tensor> variant;
        bool openClip = false;
        int resblocks = 0;
        for (const auto& e : original.entries()) {
            std::string key = e.name;
            if (key.rfind(models::kLdmOpenClipPrefix, 0) == 0) {
                openClip = true;
                if (key.find(".resblocks.") != std::string::npos && key.find(".ln_1.weight") != std::string::npos)
                    ++resblocks;
            }
            if (key.rfind("cond_stage_model.", 0) == 0) {
                const std::string modern = "cond_stage_model.transformer.text_model.";
                if (key.rfind(modern, 0) == 0) key = "cond_stage_model.transformer." + key.substr(modern.size());
                variant[key] = original.view(e.name).to(at::kHalf);
            } else if (key.rfind("model.diffusion_model.time_embed.", 0) == 0) {
                variant[key] = original.view(e.name);
                variant["model_ema.diffusion_model" + key.substr(22)] = original.view(e.name);
            }
        }
        variant["model_ema.decay"] = at::scalar_tensor(0.9999);
        variant["betas"] = at::rand({1000});
        variant["alphas_cumprod"] = at::rand({1000});
        variant["first_stage_model.loss.logvar"] = at::zeros({});
        if (openClip) {
            // Whole OpenCLIP tower: one more resblock (a copy of the last), text_projection, logit_scale.
            const std::string blocks = "cond_stage_model.model.transformer.resblocks.";
            const std::string last = blocks + std::to_string(resblocks - 1) + ".";
            const std::string added = blocks + std::to_string(resblocks) + ".";
            std::map<std::string, at::Tensor> extra;
            for (const auto& [key, t] : variant)
                if (key.rfind(last, 0) == 0) extra[added + key.substr(last.size())] = t;
            variant.insert(extra.begin(), extra.end());
            const int64_t width = variant.at("cond_stage_model.model.ln_final.weight").size(0);
            variant["cond_stage_model.model.text_projection"] = at::randn({width, width}).to(at::kHalf);
            variant["cond_stage_model.model.logit_scale"] = at::scalar_tensor(4.6052);
        } else {
            variant["cond_stage_model.transformer.embeddings.position_ids"] = at::arange(77).to(at::kFloat) * 1.0001;
        }
        io::writeSafetensors(dir.file("variant.safetensors"), variant);
        const auto file = std::make_shared<const io::SafetensorsFile>(dir.file("variant.safetensors"));
        const auto w = models::mapSingleFileCheckpoint(file, caseOptions(c));
        CHECK(w.textFamily == (openClip ? "openclip" : "clip"));
        CHECK(w.unet.tensors().size() == 4);
        CHECK(w.vae.empty());
        for (const auto& [name, src] : w.textEncoder.tensors()) {
            INFO(name);
            CHECK(src.view.scalar_type() == at::kHalf);
        }
        // Same names and the reference values rounded to F16.
        const io::SafetensorsFile ref(c.path("text_encoder/model.safetensors"));
        std::vector<std::string> wrong;
        size_t expected = 0;
        for (const auto& e : ref.entries()) {
            if (e.name == "text_model.embeddings.position_ids") continue;
            ++expected;
            auto it = w.textEncoder.tensors().find(e.name);
            if (it == w.textEncoder.tensors().end() ||
                !at::equal(it->second.view, ref.view(e.name).to(at::kHalf)))
                wrong.push_back(e.name);
        }
        INFO(wrong.size() << " text tensors missing or different, first: " << (wrong.empty() ? "" : wrong.front()));
        CHECK(wrong.empty());
        CHECK(w.textEncoder.tensors().size() == expected);
    }
}

namespace {

models::SDXLArchitecture sdxlCaseArchitecture(const test::GoldenCase& c) {
    auto read = [&](const char* f) { return io::ConfigReader::fromFile(c.path(f)); };
    models::SDXLArchitecture a;
    a.unet = models::UNetConfig::read(read("unet/config.json"));
    a.vae = models::VAEConfig::read(read("vae/config.json"));
    a.text = models::CLIPTextConfig::read(read("text_encoder/config.json"));
    a.text2 = models::CLIPTextConfig::read(read("text_encoder_2/config.json"));
    return a;
}

void checkSDXLMatchesFolders(const test::GoldenCase& c, const models::SDXLSingleFileWeights& w) {
    const std::string unet = diffAgainst(w.unet, c.path("unet/diffusion_pytorch_model.safetensors"));
    const std::string vae = diffAgainst(w.vae, c.path("vae/diffusion_pytorch_model.safetensors"));
    const std::string text = diffAgainst(w.textEncoder, c.path("text_encoder/model.safetensors"));
    const std::string text2 = diffAgainst(w.textEncoder2, c.path("text_encoder_2/model.safetensors"));
    INFO("unet:\n" << unet);
    CHECK(unet.empty());
    INFO("vae:\n" << vae);
    CHECK(vae.empty());
    INFO("text encoder:\n" << text);
    CHECK(text.empty());
    INFO("text encoder 2:\n" << text2);
    CHECK(text2.empty());
}

}  // namespace

TEST_CASE("each golden SDXL single file (sgm layout) maps onto the tensors of its diffusers folders", "[golden][sdxl]") {
    int sdxl = 0;
    for (const auto& c : test::allGoldenCases()) {
        if (!c.isSDXL()) continue;
        ++sdxl;
        INFO(c.name());
        const auto file = std::make_shared<const io::SafetensorsFile>(c.path("model.ldm.safetensors"));
        CHECK(models::classifyCheckpoint(*file).family == "sdxl");
        checkSDXLMatchesFolders(c, models::mapSDXLSingleFileCheckpoint(file, sdxlCaseArchitecture(c)));
    }
    CHECK(sdxl > 0);
}

TEST_CASE("the SDXL architecture inferred from each golden single file agrees with its configs", "[golden][sdxl]") {
    for (const auto& c : test::allGoldenCases()) {
        if (!c.isSDXL()) continue;
        INFO(c.name());
        const auto file = std::make_shared<const io::SafetensorsFile>(c.path("model.ldm.safetensors"));
        const auto a = models::inferSDXLArchitecture(*file);
        const auto want = sdxlCaseArchitecture(c);
        CHECK(a.unet.inChannels == want.unet.inChannels);
        CHECK(a.unet.blockOutChannels == want.unet.blockOutChannels);
        CHECK(a.unet.layersPerBlock == want.unet.layersPerBlock);
        CHECK(a.unet.downBlockTypes == want.unet.downBlockTypes);
        CHECK(a.unet.upBlockTypes == want.unet.upBlockTypes);
        CHECK(a.unet.transformerLayersPerBlock == want.unet.transformerLayersPerBlock);
        CHECK(a.unet.crossAttentionDim == want.unet.crossAttentionDim);
        CHECK(a.unet.useLinearProjection == want.unet.useLinearProjection);
        CHECK(a.unet.upcastAttention == want.unet.upcastAttention);
        CHECK(a.unet.additionEmbedType == want.unet.additionEmbedType);
        CHECK(a.unet.additionTimeEmbedDim == want.unet.additionTimeEmbedDim);
        CHECK(a.unet.projectionClassEmbeddingsInputDim == want.unet.projectionClassEmbeddingsInputDim);
        CHECK(a.vae.blockOutChannels == want.vae.blockOutChannels);
        CHECK(a.vae.latentChannels == want.vae.latentChannels);
        CHECK(a.vae.scalingFactor == Approx(want.vae.scalingFactor));
        for (const auto& [ours, ref] : {std::pair{a.text, want.text}, std::pair{a.text2, want.text2}}) {
            CHECK(ours.hiddenSize == ref.hiddenSize);
            CHECK(ours.numHiddenLayers == ref.numHiddenLayers);
            CHECK(ours.intermediateSize == ref.intermediateSize);
            CHECK(ours.vocabSize == ref.vocabSize);
            CHECK(ours.maxPositionEmbeddings == ref.maxPositionEmbeddings);
            CHECK(ours.hiddenAct == ref.hiddenAct);
        }
        CHECK(a.text2.projectionDim == want.text2.projectionDim);
        // Mapping with the inferred architecture gives the same weights as with the case's configs.
        checkSDXLMatchesFolders(c, models::mapSDXLSingleFileCheckpoint(file, a));
    }
}
