#include "dragdiff/edit_spec.h"

#include "dragdiff/error.h"
#include "io/atomic_file.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>

namespace fs = std::filesystem;
using nlohmann::json;

namespace dragdiff {
namespace {

constexpr int kSpecVersion = 1;
constexpr size_t kMaxDrags = 64;
constexpr size_t kMaxLoras = 64;

[[noreturn]] void bad(const std::string& name, const std::string& what) {
    throw LoadError("edit spec '" + name + "': " + what);
}

std::string resolve(const std::string& baseDir, const std::string& p) {
    if (p.empty() || fs::path(p).is_absolute() || p == "embedded") return p;
    return (fs::path(baseDir) / p).lexically_normal().string();
}

std::string relativeTo(const std::string& folder, const std::string& p) {
    if (p.empty() || p == "embedded") return p;
    std::error_code ec;
    fs::path abs = fs::absolute(p, ec);
    fs::path base = fs::absolute(folder, ec);
    fs::path rel = abs.lexically_relative(base);
    if (!rel.empty() && rel.begin()->string() != "..") return rel.string();
    return abs.string();
}

PointF readPoint(const json& v, const std::string& name, const std::string& where) {
    if (!v.is_array() || v.size() != 2 || !v[0].is_number() || !v[1].is_number())
        bad(name, where + " must be [x, y] in image pixels");
    PointF p{v[0].get<double>(), v[1].get<double>()};
    if (!std::isfinite(p.x) || !std::isfinite(p.y)) bad(name, where + " is not a finite point");
    return p;
}

std::string readString(const json& root, const char* key, const std::string& name, bool required) {
    auto it = root.find(key);
    if (it == root.end() || it->is_null()) {
        if (required) bad(name, std::string("the key '") + key + "' is missing");
        return "";
    }
    if (!it->is_string()) bad(name, std::string("'") + key + "' must be a string");
    return it->get<std::string>();
}

std::vector<LoraSpec> readLoras(const json& root, const std::string& baseDir, const std::string& name) {
    std::vector<LoraSpec> loras;
    auto l = root.find("loras");
    if (l == root.end() || l->is_null()) return loras;
    const std::string shape = "'loras' must be a list of {\"path\": \"file.safetensors\", \"strength\": 1.0}";
    if (!l->is_array()) bad(name, shape);
    if (l->size() > kMaxLoras) bad(name, "more than " + std::to_string(kMaxLoras) + " LoRA files");
    for (size_t i = 0; i < l->size(); ++i) {
        const json& item = (*l)[i];
        const std::string where = "loras[" + std::to_string(i) + "]";
        if (!item.is_object()) bad(name, where + ": " + shape);
        LoraSpec spec;
        auto path = item.find("path");
        if (path == item.end() || !path->is_string() || path->get<std::string>().empty())
            bad(name, where + ".path must name the LoRA file (a non-empty string)");
        spec.path = resolve(baseDir, path->get<std::string>());
        if (auto s = item.find("strength"); s != item.end() && !s->is_null()) {
            if (!s->is_number() || !std::isfinite(s->get<double>()))
                bad(name, where + ".strength must be a finite number");
            spec.strength = s->get<double>();
        }
        loras.push_back(spec);
    }
    return loras;
}

}  // namespace

EditSpec parseEditSpec(const std::string& text, const std::string& baseDir, const std::string& name) {
    json root;
    try {
        root = json::parse(text);
    } catch (const json::exception& e) {
        bad(name, std::string("not valid JSON (") + e.what() + ")");
    }
    if (!root.is_object()) bad(name, "not a JSON object");
    if (auto f = root.find("format"); f != root.end() && (!f->is_string() || f->get<std::string>() != "dragdiff-edit"))
        bad(name, "'format' is not \"dragdiff-edit\"");
    if (auto v = root.find("version"); v != root.end()) {
        if (!v->is_number_integer()) bad(name, "'version' must be an integer");
        if (v->get<int64_t>() > kSpecVersion)
            bad(name, "written by a newer DragDiff (version " + v->dump() + "); update DragDiff to open it");
    }
    EditSpec spec;
    spec.imagePath = resolve(baseDir, readString(root, "image", name, true));
    std::string model = readString(root, "model", name, false);
    spec.modelPath = model.empty() ? "embedded" : resolve(baseDir, model);
    spec.loras = readLoras(root, baseDir, name);
    spec.maskPath = resolve(baseDir, readString(root, "mask", name, false));
    spec.outputPath = resolve(baseDir, readString(root, "output", name, false));
    if (auto d = root.find("drags"); d != root.end() && !d->is_null()) {
        if (!d->is_array()) bad(name, "'drags' must be a list of {\"handle\": [x, y], \"target\": [x, y]}");
        if (d->size() > kMaxDrags) bad(name, "more than " + std::to_string(kMaxDrags) + " drags");
        for (size_t i = 0; i < d->size(); ++i) {
            const json& pair = (*d)[i];
            const std::string where = "drags[" + std::to_string(i) + "]";
            if (!pair.is_object() || !pair.contains("handle") || !pair.contains("target"))
                bad(name, where + " must be {\"handle\": [x, y], \"target\": [x, y]}");
            DragPair drag{readPoint(pair["handle"], name, where + ".handle"),
                          readPoint(pair["target"], name, where + ".target")};
            if (auto m = pair.find("mode"); m != pair.end() && !m->is_null()) {
                if (!m->is_string()) bad(name, where + ".mode must be \"auto\", \"move\" or \"reshape\"");
                try {
                    drag.mode = parseDragMode(m->get<std::string>());
                } catch (const InvalidRequest& e) {
                    bad(name, where + ": " + e.what());
                }
            }
            spec.drags.push_back(drag);
        }
    }
    if (auto p = root.find("parameters"); p != root.end() && !p->is_null()) {
        if (!p->is_object()) bad(name, "'parameters' must be an object of key: value");
        for (auto it = p->begin(); it != p->end(); ++it) {
            std::string value;
            if (it->is_string()) value = it->get<std::string>();
            else if (it->is_boolean()) value = it->get<bool>() ? "true" : "false";
            else if (it->is_number()) value = it->dump();
            else bad(name, "parameter '" + it.key() + "' must be a number, a boolean or a string");
            try {
                setParameter(spec.parameters, it.key(), value);
            } catch (const InvalidRequest& e) {
                bad(name, e.what());
            }
        }
    }
    return spec;
}

EditSpec readEditSpec(const std::string& path) {
    std::string base = fs::path(path).parent_path().string();
    return parseEditSpec(io::readTextFile(path), base.empty() ? "." : base, path);
}

void writeEditSpec(const EditSpec& spec, const std::string& path) {
    std::string folder = fs::path(path).parent_path().string();
    if (folder.empty()) folder = ".";
    json root;
    root["format"] = "dragdiff-edit";
    root["version"] = kSpecVersion;
    root["image"] = relativeTo(folder, spec.imagePath);
    root["model"] = relativeTo(folder, spec.modelPath);
    if (!spec.loras.empty()) {
        json loras = json::array();
        for (const auto& l : spec.loras) loras.push_back({{"path", relativeTo(folder, l.path)}, {"strength", l.strength}});
        root["loras"] = loras;
    }
    json drags = json::array();
    for (const auto& d : spec.drags)
        drags.push_back({{"handle", {d.handle.x, d.handle.y}}, {"target", {d.target.x, d.target.y}}, {"mode", dragModeName(d.mode)}});
    root["drags"] = drags;
    root["mask"] = spec.maskPath.empty() ? json(nullptr) : json(relativeTo(folder, spec.maskPath));
    if (!spec.outputPath.empty()) root["output"] = relativeTo(folder, spec.outputPath);
    json params = json::object();
    for (const auto& info : parameterTable()) {
        const std::string v = getParameter(spec.parameters, info.key);
        if (info.type == "int") params[info.key] = json::parse(v);
        else if (info.type == "double") params[info.key] = std::stod(v);
        else if (info.type == "bool") params[info.key] = (v == "true");
        else params[info.key] = v;
    }
    root["parameters"] = params;
    std::string text;
    try {
        text = root.dump(2) + "\n";
    } catch (const json::type_error& e) {  // a Linux file name (bytes) or a prompt that is not UTF-8
        throw WriteError("cannot save edit spec '" + path + "': a path or the prompt in it is not valid UTF-8 text (" +
                         e.what() + "); rename the file to a UTF-8 name or retype the prompt, then save again");
    }
    io::writeFileAtomically(path, text);
}

}  // namespace dragdiff
