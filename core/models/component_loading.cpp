#include "models/component_loading.h"

#include "dragdiff/error.h"
#include "io/safetensors.h"
#include "models/component_files.h"
#include "models/weight_loading.h"

#include <memory>

namespace dragdiff::models {

void loadComponentWeights(torch::nn::Module& module, const std::string& folder, const std::string& stem,
                          const std::string& component, at::ScalarType dtype, at::Device device) {
    if (!at::isFloatingType(dtype))
        throw InvalidRequest(component + ": cannot run in " + std::string(c10::toString(dtype)) +
                             "; choose Float, Half or BFloat16");
    const std::string path = findComponentWeights(folder, stem);
    auto file = std::make_shared<const io::SafetensorsFile>(path);
    WeightSet weights;
    weights.addFile(file);
    module.to(device, dtype);
    loadIntoModule(module, weights, component + " ('" + folder + "')");
}

}  // namespace dragdiff::models
