#include "drag/pipeline_addons.h"

#include "dragdiff/error.h"
#include "models/lora/lora_ldm_layout.h"

#include <c10/util/Exception.h>

namespace dragdiff::drag {

std::vector<models::LoraTarget> loraTargets(Pipeline& p, const models::LoraFile& lora) {
    std::vector<models::LoraTarget> targets;
    targets.push_back({"lora_unet_", "UNet", p.unet.get(), models::ldmUNetLayout(p.unet->config(), lora.file)});
    if (p.textEncoder2) {
        // kohya names SDXL's encoders by their transformers module paths, bigG included.
        targets.push_back({"lora_te1_", "first text encoder (CLIP ViT-L)", p.textEncoder.get(), nullptr});
        targets.push_back({"lora_te2_", "second text encoder (OpenCLIP bigG)", p.textEncoder2.get(), nullptr});
    } else if (p.textEncoder) {
        targets.push_back({"lora_te_", "text encoder", p.textEncoder.get(), nullptr});
    }
    return targets;
}

void applyModelAddOns(Pipeline& p, const ModelSpec& spec) {
    try {
        for (const LoraSpec& l : spec.loras) {
            const models::LoraFile lora = models::readLoraFile(l.path);
            p.info.loraModules.push_back(models::mergeLora(lora, l.strength, loraTargets(p, lora)));
            p.info.loras.push_back(l);
        }
        if (!spec.previewDecoder.empty()) {
            p.previewDecoder = models::loadAutoencoderTiny(spec.previewDecoder, at::kFloat, p.device);
            const int tiny = p.previewDecoder->config().latentChannels, vae = p.vae->config().latentChannels;
            if (tiny != vae)
                throw LoadError("preview decoder '" + spec.previewDecoder + "' decodes " + std::to_string(tiny) +
                                "-channel latents but this model's VAE makes " + std::to_string(vae) +
                                "-channel ones; use the TAESD made for this model family (taesd for SD 1.x/2.x, "
                                "taesdxl for SDXL)");
            if (p.previewDecoder->latentScale() != p.latentScale())
                throw LoadError("preview decoder '" + spec.previewDecoder + "' upsamples its latents " +
                                std::to_string(p.previewDecoder->latentScale()) + "x but this model's VAE " +
                                std::to_string(p.latentScale()) + "x; use the TAESD made for this model");
            p.info.previewDecoder = spec.previewDecoder;
        }
    } catch (const c10::Error& e) {
        throw LoadError(std::string("cannot apply the model's LoRA files or preview decoder: ") + e.what_without_backtrace());
    }
}

}  // namespace dragdiff::drag
