#include "io/config_json.h"

#include "dragdiff/error.h"
#include "io/atomic_file.h"

#include <cmath>
#include <limits>

namespace dragdiff::io {

using nlohmann::json;

ConfigReader::ConfigReader(json root, std::string file) : root_(std::move(root)), file_(std::move(file)) {
    if (!root_.is_object()) throw LoadError("'" + file_ + "' is not a JSON object; expected a config.json");
}

ConfigReader ConfigReader::fromText(const std::string& text, const std::string& file) {
    try {
        return ConfigReader(json::parse(text), file);
    } catch (const json::exception& e) {
        throw LoadError("'" + file + "' is not valid JSON: " + e.what());
    }
}

ConfigReader ConfigReader::fromFile(const std::string& path) { return fromText(readTextFile(path), path); }

const json* ConfigReader::find(const std::string& key) const {
    auto it = root_.find(key);
    if (it == root_.end() || it->is_null()) return nullptr;
    return &*it;
}

bool ConfigReader::has(const std::string& key) const { return find(key) != nullptr; }

void ConfigReader::wrongType(const std::string& key, const char* expected) const {
    throw LoadError("'" + file_ + "': key '" + key + "' should be " + expected + " but is " +
                    root_.at(key).dump().substr(0, 80));
}

namespace {
bool isIntegral(const json& v) {
    if (v.is_number_integer()) return true;
    if (v.is_number_float()) {
        double d = v.get<double>();
        return std::isfinite(d) && std::floor(d) == d && std::fabs(d) < 2e9;
    }
    return false;
}
int asInt(const json& v) {
    if (v.is_number_integer()) {
        auto x = v.get<int64_t>();
        if (x < std::numeric_limits<int>::min() || x > std::numeric_limits<int>::max()) return 0;
        return static_cast<int>(x);
    }
    return static_cast<int>(v.get<double>());
}
bool intFits(const json& v) {
    if (!isIntegral(v)) return false;
    if (v.is_number_integer()) {
        auto x = v.is_number_unsigned() ? (v.get<uint64_t>() > 2000000000ull ? int64_t(3e9) : int64_t(v.get<uint64_t>()))
                                        : v.get<int64_t>();
        return x >= std::numeric_limits<int>::min() && x <= std::numeric_limits<int>::max();
    }
    return true;
}
}  // namespace

int ConfigReader::getInt(const std::string& key, int fallback) const {
    auto v = getOptionalInt(key);
    return v ? *v : fallback;
}

std::optional<int> ConfigReader::getOptionalInt(const std::string& key) const {
    const json* v = find(key);
    if (!v) return std::nullopt;
    if (!intFits(*v)) wrongType(key, "an integer");
    return asInt(*v);
}

double ConfigReader::getDouble(const std::string& key, double fallback) const {
    const json* v = find(key);
    if (!v) return fallback;
    if (!v->is_number()) wrongType(key, "a number");
    return v->get<double>();
}

bool ConfigReader::getBool(const std::string& key, bool fallback) const {
    const json* v = find(key);
    if (!v) return fallback;
    if (!v->is_boolean()) wrongType(key, "true or false");
    return v->get<bool>();
}

std::string ConfigReader::getString(const std::string& key, const std::string& fallback) const {
    auto v = getOptionalString(key);
    return v ? *v : fallback;
}

std::optional<std::string> ConfigReader::getOptionalString(const std::string& key) const {
    const json* v = find(key);
    if (!v) return std::nullopt;
    if (!v->is_string()) wrongType(key, "a string");
    return v->get<std::string>();
}

std::vector<int> ConfigReader::getIntList(const std::string& key, const std::vector<int>& fallback) const {
    const json* v = find(key);
    if (!v) return fallback;
    if (!v->is_array()) wrongType(key, "a list of integers");
    std::vector<int> out;
    for (const auto& e : *v) {
        if (!intFits(e)) wrongType(key, "a list of integers");
        out.push_back(asInt(e));
    }
    return out;
}

std::vector<double> ConfigReader::getDoubleList(const std::string& key, const std::vector<double>& fallback) const {
    const json* v = find(key);
    if (!v) return fallback;
    if (!v->is_array()) wrongType(key, "a list of numbers");
    std::vector<double> out;
    for (const auto& e : *v) {
        if (!e.is_number()) wrongType(key, "a list of numbers");
        out.push_back(e.get<double>());
    }
    return out;
}

std::vector<std::string> ConfigReader::getStringList(const std::string& key,
                                                     const std::vector<std::string>& fallback) const {
    const json* v = find(key);
    if (!v) return fallback;
    if (!v->is_array()) wrongType(key, "a list of strings");
    std::vector<std::string> out;
    for (const auto& e : *v) {
        if (!e.is_string()) wrongType(key, "a list of strings");
        out.push_back(e.get<std::string>());
    }
    return out;
}

std::vector<int> ConfigReader::getIntOrList(const std::string& key, int fallback, size_t count) const {
    const json* v = find(key);
    if (!v) return std::vector<int>(count, fallback);
    if (v->is_array()) {
        auto list = getIntList(key, {});
        if (list.size() != count)
            throw LoadError("'" + file_ + "': key '" + key + "' lists " + std::to_string(list.size()) +
                            " values but the model has " + std::to_string(count) + " blocks");
        return list;
    }
    if (!intFits(*v)) wrongType(key, "an integer or a list of integers");
    return std::vector<int>(count, asInt(*v));
}

}  // namespace dragdiff::io
