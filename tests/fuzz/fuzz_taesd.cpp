// Fuzzes the TAESD (AutoencoderTiny) loader: the input is either a tensor list
// (fuzz_tensor_list.h: `<key> <dims> [dtype] [fill]` per line; the shorthands D: decoder.layers.
// and E: encoder.layers. start a key), written as one .safetensors file, or a folder:
// `<config.json text>\n---\n<tensor list>`, written as config.json (none when the text before the
// separator is empty) and diffusion_pytorch_model.safetensors in a scratch folder. The harness
// loads it with loadAutoencoderTiny as the app's preview decoder option does, then, like the app,
// reads its latent channels and latent scale and, when the model upsamples at most 8x, decodes a
// 2x2 latent. Bad files and configs must be LoadErrors naming the file, never a crash, and never
// an allocation out of proportion with the file.
#include "dragdiff/error.h"
#include "fuzz_support.h"
#include "fuzz_tensor_list.h"
#include "models/vae/autoencoder_tiny.h"

#include <torch/csrc/autograd/grad_mode.h>
#include <nlohmann/json.hpp>

using namespace dragdiff;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

// The loader refuses a model far larger than its file (at most twice the file's numbers plus
// 1 M), so the limit on the file bounds the memory and the time of building the model. The
// default TAESD is 2.4 M weights (4.8 MB in F16, the seeds' dtype).
constexpr uint64_t kMaxDataBytes = 16ull << 20;
constexpr uint64_t kMaxFilledBytes = 1ull << 20;
const std::string kSeparator = "\n---\n";

const fuzz::Shorthands kShorthands{{{"D:", "decoder.layers."}, {"E:", "encoder.layers."}}, {}};

std::map<std::string, at::Tensor> parametersOf(const models::AutoencoderTinyConfig& config, bool withEncoder) {
    std::map<std::string, at::Tensor> out;
    models::AutoencoderTiny m(config, withEncoder);
    for (const auto& p : m->named_parameters()) out[p.key()] = at::zeros(p.value().sizes(), at::kHalf);
    return out;
}

void writeSeeds(const std::string& dir) {
    const models::AutoencoderTinyConfig defaults;
    const auto full = parametersOf(defaults, true);
    fuzz::writeSeed(dir, "diffusers_file", fuzz::tensorListOf(full, kShorthands));
    const auto decoder = parametersOf(defaults, false);
    fuzz::writeSeed(dir, "decoder_only_file", fuzz::tensorListOf(decoder, kShorthands));
    // TAESD's own taesd_decoder.safetensors: decoder.layers.<i> saved as <i + 1>.
    std::map<std::string, at::Tensor> original;
    for (const auto& [key, t] : decoder) {
        const std::string rest = key.substr(std::string("decoder.layers.").size());
        const size_t dot = rest.find('.');
        original[std::to_string(std::stoi(rest.substr(0, dot)) + 1) + rest.substr(dot)] = t;
    }
    fuzz::writeSeed(dir, "original_decoder_file", fuzz::tensorListOf(original));
    // The published taesd config.json with the full weights, and a narrow model with its own config.
    const nlohmann::json published = {
        {"_class_name", "AutoencoderTiny"}, {"_diffusers_version", "0.20.0"}, {"act_fn", "relu"},
        {"decoder_block_out_channels", {64, 64, 64, 64}}, {"encoder_block_out_channels", {64, 64, 64, 64}},
        {"force_upcast", false}, {"in_channels", 3}, {"latent_channels", 4}, {"latent_magnitude", 3},
        {"latent_shift", 0.5}, {"num_decoder_blocks", {3, 3, 3, 1}}, {"num_encoder_blocks", {1, 3, 3, 3}},
        {"out_channels", 3}, {"scaling_factor", 1.0}, {"upsampling_scaling_factor", 2}};
    fuzz::writeSeed(dir, "folder_published_config", published.dump(2) + kSeparator + fuzz::tensorListOf(full, kShorthands));
    models::AutoencoderTinyConfig narrow;
    narrow.encoderBlockOutChannels = narrow.decoderBlockOutChannels = {8, 8, 8, 8};
    narrow.numEncoderBlocks = {1, 1, 1, 1};
    narrow.numDecoderBlocks = {1, 1, 1, 1};
    narrow.latentChannels = 16;
    const nlohmann::json narrowConfig = {
        {"encoder_block_out_channels", narrow.encoderBlockOutChannels}, {"decoder_block_out_channels", narrow.decoderBlockOutChannels},
        {"num_encoder_blocks", narrow.numEncoderBlocks}, {"num_decoder_blocks", narrow.numDecoderBlocks},
        {"latent_channels", narrow.latentChannels}, {"scaling_factor", 0.5}};
    fuzz::writeSeed(dir, "folder_narrow_config",
                    narrowConfig.dump() + kSeparator + fuzz::tensorListOf(parametersOf(narrow, false), kShorthands));
    fuzz::writeSeed(dir, "folder_without_config", kSeparator.substr(1) + fuzz::tensorListOf(parametersOf(narrow, true), kShorthands));
    fuzz::writeSeed(dir, "not_taesd", "decoder.conv_in.weight 512,4,3,3\ndecoder.conv_in.bias 512\n"
                                      "encoder.conv_in.weight 128,3,3,3\n");
}

void loadAndDecode(const std::string& path) {
    try {
        models::AutoencoderTiny m = models::loadAutoencoderTiny(path, at::kFloat, at::kCPU);
        const int latent = m->config().latentChannels;  // the app compares both with its VAE's
        if (latent <= 0 || m->latentScale() > 8 || latent > 64) return;
        torch::NoGradGuard noGrad;
        const at::Tensor rgb = m->decode(at::zeros({1, latent, 2, 2}) / m->scalingFactor());
        if (rgb.size(2) != 2 * m->latentScale() || rgb.size(3) != 2 * m->latentScale()) {
            std::fprintf(stderr, "a %dx TAESD decoded 2x2 latents to %lldx%lld\n", m->latentScale(),
                         static_cast<long long>(rgb.size(2)), static_cast<long long>(rgb.size(3)));
            std::abort();
        }
    } catch (const Error&) {
    }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    if (auto dir = fuzz::seedFolder(); !dir.empty()) {
        writeSeeds(dir);
        std::exit(0);
    }
    // Warm-up (LibTorch's lazy initialisation) before libFuzzer's per-input timeout applies.
    const std::string warm = fuzz::readWholeFile(std::string(DRAGDIFF_SOURCE_DIR) + "/tests/fuzz/corpus/taesd/folder_narrow_config");
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(warm.data()), warm.size());
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    const size_t sep = text.rfind(kSeparator.substr(1), 0) == 0 ? 0 : text.find(kSeparator);
    const bool folder = sep != std::string::npos;
    const std::string config = folder ? text.substr(0, sep) : "";
    const std::string tensors = folder ? text.substr(sep + (sep == 0 ? kSeparator.size() - 1 : kSeparator.size())) : text;
    fuzz::TensorListBytes bytes;
    if (!fuzz::buildTensorList(tensors, kShorthands, kMaxDataBytes, kMaxFilledBytes, bytes)) return 0;
    if (!folder) {
        fuzz::MemFile mem(bytes.bytes, bytes.sparseTail);
        loadAndDecode(mem.path());
        return 0;
    }
    const std::filesystem::path dir = fuzz::scratchFolder() / "taesd";
    std::filesystem::create_directories(dir);
    std::filesystem::remove(dir / "config.json");
    if (!config.empty()) fuzz::writeSeed(dir.string(), "config.json", config);
    fuzz::writeTensorListFile((dir / "diffusion_pytorch_model.safetensors").string(), bytes);
    loadAndDecode(dir.string());
    return 0;
}
