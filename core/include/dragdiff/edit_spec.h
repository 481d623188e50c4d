#pragma once
// Edit-spec / project files (`*.dragdiff.json`): what `dragdiff-cli edit --spec` replays and what
// the GUI saves as a project. Format (version 1):
//   {
//     "format": "dragdiff-edit", "version": 1,
//     "image": "photo.png",                 // relative paths are relative to the spec's folder
//     "model": "embedded",                  // or a diffusers folder / single-file .safetensors
//     "loras": [ {"path": "style.safetensors", "strength": 0.8}, ... ],  // optional; strength 1 if absent
//     "drags": [ {"handle": [x, y], "target": [x, y]}, ... ],   // image pixels
//     "mask": "photo.mask.png",             // optional: 8-bit PNG, white = change allowed
//     "parameters": { "steps": 50, "strength": 0.7, ... },       // keys of parameterTable()
//     "output": "edited.png"                // optional
//   }
#include "dragdiff/engine.h"

#include <string>
#include <vector>

namespace dragdiff {

struct EditSpec {
    std::string imagePath;
    std::string modelPath = "embedded";
    std::vector<LoraSpec> loras;  // paths resolved like the others
    std::vector<DragPair> drags;
    std::string maskPath;
    EditParameters parameters;
    std::string outputPath;
};

// Paths in the result are resolved against `baseDir`. Throws LoadError naming `name` and the key.
EditSpec parseEditSpec(const std::string& json, const std::string& baseDir, const std::string& name);
EditSpec readEditSpec(const std::string& path);
// Writes atomically; paths inside the spec's folder are stored relative to it.
void writeEditSpec(const EditSpec& spec, const std::string& path);

}  // namespace dragdiff
