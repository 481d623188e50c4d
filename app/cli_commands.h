#pragma once
// The dragdiff-cli commands. Each returns the process exit code.
#include <atomic>
#include <string>
#include <vector>

namespace dragdiff::cli {

constexpr int kExitOk = 0;
constexpr int kExitError = 1;
constexpr int kExitUsage = 2;
constexpr int kExitCancelled = 130;

int runInfo(const std::vector<std::string>& args);
int runEdit(const std::vector<std::string>& args, const std::atomic<bool>& cancel);
int runHeatmap(const std::vector<std::string>& args, const std::atomic<bool>& cancel);

}  // namespace dragdiff::cli
