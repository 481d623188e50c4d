#include "models/lora/lora_ldm_layout.h"

#include "models/single_file/ldm_mapping_detail.h"

namespace dragdiff::models {

decltype(LoraTarget::originalLayout) ldmUNetLayout(const UNetConfig& config,
                                                   std::shared_ptr<const io::SafetensorsFile> loraFile) {
    return [config, loraFile](const LoraModule& m, const std::string& name) -> std::optional<std::string> {
        const std::string dotted = ldmUNetDottedName(name);
        if (dotted.empty() || !loraFile) return std::nullopt;
        // The mapping names the LoRA's own key in its errors; only the target's name is used here.
        const ldm::SourceKey src{*loraFile, m.downKey};
        const std::vector<ldm::Mapped> mapped = config.hasTextTimeEmbedding()
                                                    ? ldm::mapSDXLUNetTensor(src, dotted + ".weight", config)
                                                    : ldm::mapUNetTensor(src, dotted + ".weight", config);
        const std::string suffix = ".weight";
        if (mapped.size() != 1 || mapped[0].name.size() <= suffix.size() ||
            mapped[0].name.compare(mapped[0].name.size() - suffix.size(), suffix.size(), suffix) != 0)
            return std::nullopt;
        return mapped[0].name.substr(0, mapped[0].name.size() - suffix.size());
    };
}

}  // namespace dragdiff::models
