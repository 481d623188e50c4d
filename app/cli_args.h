#pragma once
// A small command-line parser: `--name value`, `--name=value`, repeatable options and flags.
#include "dragdiff/engine.h"

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace dragdiff::cli {

struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class Args {
public:
    // `flags` take no value; every other `--name` takes one. Unknown names are UsageErrors.
    Args(const std::vector<std::string>& argv, const std::vector<std::string>& options,
         const std::vector<std::string>& flags);

    bool has(const std::string& name) const;
    std::string get(const std::string& name, const std::string& fallback = "") const;
    std::string require(const std::string& name) const;
    const std::vector<std::string>& all(const std::string& name) const;
    int getInt(const std::string& name, int fallback) const;

private:
    std::map<std::string, std::vector<std::string>> values_;
};

// `--lora FILE[:STRENGTH]`: the text after the last ':' is the strength when it is a finite number
// (otherwise the ':' belongs to the file name); strength 1 when absent. UsageError for an empty name.
LoraSpec parseLoraArgument(const std::string& text);

}  // namespace dragdiff::cli
