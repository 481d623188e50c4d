#include "cli_args.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace dragdiff::cli {

Args::Args(const std::vector<std::string>& argv, const std::vector<std::string>& options,
           const std::vector<std::string>& flags) {
    auto known = [](const std::vector<std::string>& list, const std::string& n) {
        return std::find(list.begin(), list.end(), n) != list.end();
    };
    for (size_t i = 0; i < argv.size(); ++i) {
        std::string a = argv[i];
        if (a.rfind("--", 0) != 0) throw UsageError("unexpected argument '" + a + "'");
        std::string name = a.substr(2), value;
        bool inlineValue = false;
        if (auto eq = name.find('='); eq != std::string::npos) {
            value = name.substr(eq + 1);
            name = name.substr(0, eq);
            inlineValue = true;
        }
        if (known(flags, name)) {
            if (inlineValue) throw UsageError("--" + name + " takes no value");
            values_[name].push_back("true");
        } else if (known(options, name)) {
            if (!inlineValue) {
                if (i + 1 >= argv.size()) throw UsageError("--" + name + " needs a value");
                value = argv[++i];
            }
            values_[name].push_back(value);
        } else {
            throw UsageError("unknown option --" + name);
        }
    }
}

bool Args::has(const std::string& name) const { return values_.count(name) != 0; }

std::string Args::get(const std::string& name, const std::string& fallback) const {
    auto it = values_.find(name);
    return it == values_.end() ? fallback : it->second.back();
}

std::string Args::require(const std::string& name) const {
    if (!has(name)) throw UsageError("--" + name + " is required");
    return get(name);
}

const std::vector<std::string>& Args::all(const std::string& name) const {
    static const std::vector<std::string> none;
    auto it = values_.find(name);
    return it == values_.end() ? none : it->second;
}

int Args::getInt(const std::string& name, int fallback) const {
    if (!has(name)) return fallback;
    const std::string v = get(name);
    char* end = nullptr;
    long x = std::strtol(v.c_str(), &end, 10);
    if (v.empty() || *end) throw UsageError("--" + name + " needs a whole number, got '" + v + "'");
    return static_cast<int>(x);
}

LoraSpec parseLoraArgument(const std::string& text) {
    LoraSpec spec;
    spec.path = text;
    if (auto colon = text.rfind(':'); colon != std::string::npos) {
        const std::string tail = text.substr(colon + 1);
        char* end = nullptr;
        const double v = std::strtod(tail.c_str(), &end);
        if (!tail.empty() && end && *end == '\0' && std::isfinite(v)) {
            spec.path = text.substr(0, colon);
            spec.strength = v;
        }
    }
    if (spec.path.empty()) throw UsageError("--lora '" + text + "' must be FILE[:STRENGTH], e.g. style.safetensors:0.8");
    return spec;
}

}  // namespace dragdiff::cli
