#pragma once
// One golden case folder (see ../shared/golden/README.md): the model in diffusers layout, its
// single-file copy, case.json and io.safetensors with reference inputs and outputs.
#include "io/safetensors.h"

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

namespace dragdiff::test {

inline constexpr const char* kStableDiffusionPipeline = "StableDiffusionPipeline";
inline constexpr const char* kImageVariationPipeline = "StableDiffusionImageVariationPipeline";
inline constexpr const char* kStableDiffusionXLPipeline = "StableDiffusionXLPipeline";

class GoldenCase {
public:
    explicit GoldenCase(const std::string& dir);

    const std::string& dir() const { return dir_; }
    std::string name() const;
    std::string path(const std::string& relative) const { return dir_ + "/" + relative; }
    const nlohmann::json& spec() const { return spec_; }  // case.json
    // model_index.json's _class_name (one of the k...Pipeline names above).
    const std::string& pipelineClass() const { return pipelineClass_; }
    // Whether the case folder holds `relative` (a component folder such as text_encoder/, or a file).
    bool holds(const std::string& relative) const;
    bool isSDXL() const { return pipelineClass_ == kStableDiffusionXLPipeline; }

    bool has(const std::string& tensor) const;
    at::Tensor tensor(const std::string& tensor) const;  // owned copy, stored dtype
    double atol(const std::string& tensor) const;
    double rtol(const std::string& tensor) const;
    // Tensors of io.safetensors whose name starts with `prefix`.
    std::vector<std::string> tensorsWithPrefix(const std::string& prefix) const;

    // "" when `ours` matches the reference `tensor` within its tolerance, else what went wrong.
    std::string compare(const std::string& tensor, const at::Tensor& ours) const;

private:
    std::string dir_;
    nlohmann::json spec_;
    std::string pipelineClass_;
    std::shared_ptr<io::SafetensorsFile> io_;
};

// Every case under goldenRoots(); REQUIREs each golden folder to exist and hold at least one case
// (a missing golden folder is a failure).
std::vector<GoldenCase> allGoldenCases();
// The cases of allGoldenCases() that hold `relative` (e.g. "text_encoder", "image_encoder",
// "model.ldm.safetensors"): the tests of one component run on every case that has it, and
// golden_files_test checks that each case holds what its family needs.
std::vector<GoldenCase> goldenCasesWith(const std::string& relative);

}  // namespace dragdiff::test

// Checks one reference tensor and reports case, tensor and the worst element on failure.
// (The tensor parameter must not be called `name`: it would replace the `.name()` call.)
#define CHECK_GOLDEN(goldenCase, tensorName, ours)                                      \
    do {                                                                                \
        const std::string golden_failure_ = (goldenCase).compare((tensorName), (ours)); \
        INFO((goldenCase).name() << ": " << (tensorName) << ": " << golden_failure_);   \
        CHECK(golden_failure_.empty());                                                 \
    } while (0)
