#pragma once
// Reads diffusers/transformers-style config.json files. A missing key (or a JSON null) takes the
// caller's default, the reference implementation's; an unknown key is ignored; a value of the
// wrong type is a LoadError naming the file and the key.
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace dragdiff::io {

class ConfigReader {
public:
    ConfigReader(nlohmann::json root, std::string file);
    static ConfigReader fromFile(const std::string& path);
    static ConfigReader fromText(const std::string& text, const std::string& file);

    const std::string& file() const { return file_; }
    bool has(const std::string& key) const;  // present and not null

    int getInt(const std::string& key, int fallback) const;
    std::optional<int> getOptionalInt(const std::string& key) const;
    double getDouble(const std::string& key, double fallback) const;
    bool getBool(const std::string& key, bool fallback) const;
    std::string getString(const std::string& key, const std::string& fallback) const;
    std::optional<std::string> getOptionalString(const std::string& key) const;
    std::vector<int> getIntList(const std::string& key, const std::vector<int>& fallback) const;
    std::vector<double> getDoubleList(const std::string& key, const std::vector<double>& fallback) const;
    std::vector<std::string> getStringList(const std::string& key, const std::vector<std::string>& fallback) const;
    // An int that may also be written as a per-block list (`attention_head_dim`): returns `count`
    // values, an int repeated or the list checked to have `count` entries.
    std::vector<int> getIntOrList(const std::string& key, int fallback, size_t count) const;

    const nlohmann::json& root() const { return root_; }

private:
    const nlohmann::json* find(const std::string& key) const;
    [[noreturn]] void wrongType(const std::string& key, const char* expected) const;

    nlohmann::json root_;
    std::string file_;
};

}  // namespace dragdiff::io
