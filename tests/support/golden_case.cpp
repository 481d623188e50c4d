#include "support/golden_case.h"

#include "io/atomic_file.h"
#include "support/test_support.h"

#include "support/catch.h"

#include <algorithm>
#include <filesystem>

namespace dragdiff::test {

GoldenCase::GoldenCase(const std::string& dir) : dir_(dir) {
    spec_ = nlohmann::json::parse(io::readTextFile(dir + "/case.json"));
    io_ = std::make_shared<io::SafetensorsFile>(dir + "/io.safetensors");
    const auto index = nlohmann::json::parse(io::readTextFile(dir + "/model_index.json"));
    pipelineClass_ = index.value("_class_name", std::string());
}

std::string GoldenCase::name() const { return std::filesystem::path(dir_).filename().string(); }

bool GoldenCase::has(const std::string& t) const { return io_->contains(t); }

at::Tensor GoldenCase::tensor(const std::string& t) const { return io_->load(t); }

double GoldenCase::atol(const std::string& t) const { return spec_.at("tensors").at(t).at("atol").get<double>(); }

double GoldenCase::rtol(const std::string& t) const { return spec_.at("tensors").at(t).at("rtol").get<double>(); }

std::vector<std::string> GoldenCase::tensorsWithPrefix(const std::string& prefix) const {
    std::vector<std::string> out;
    for (const auto& e : io_->entries())
        if (e.name.compare(0, prefix.size(), prefix) == 0) out.push_back(e.name);
    return out;
}

std::string GoldenCase::compare(const std::string& t, const at::Tensor& ours) const {
    at::Tensor ref = tensor(t);
    if (ref.scalar_type() == at::kLong || ref.scalar_type() == at::kInt || ref.scalar_type() == at::kByte) {
        // Integer tensors (token ids, uint8 pictures) must be equal.
        if (ours.sizes() != ref.sizes()) return "shape differs";
        return at::equal(ours.to(at::kCPU, at::kLong), ref.to(at::kLong)) ? "" : "integer values differ";
    }
    return compareTensors(ours, ref, atol(t), rtol(t));
}

bool GoldenCase::holds(const std::string& relative) const {
    std::error_code ec;
    return std::filesystem::exists(std::filesystem::path(dir_) / relative, ec);
}

std::vector<GoldenCase> allGoldenCases() {
    std::vector<GoldenCase> cases;
    for (const auto& root : goldenRoots()) {
        const auto dirs = goldenCasesUnder(root);
        INFO("golden folder: " << root << " (set DRAGDIFF_GOLDEN_DIR to point elsewhere, ':' between folders)");
        REQUIRE(!dirs.empty());
        for (const auto& dir : dirs) cases.emplace_back(dir);
    }
    return cases;
}

std::vector<GoldenCase> goldenCasesWith(const std::string& relative) {
    std::vector<GoldenCase> cases;
    for (auto& c : allGoldenCases())
        if (c.holds(relative)) cases.push_back(std::move(c));
    return cases;
}

}  // namespace dragdiff::test
