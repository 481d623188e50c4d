#pragma once
// Merges kohya LoRA modules into loaded models: W += strength · (alpha / rank) · up · down, for
// linear weights and for convolutions (1×1 and k×k: up [out, r, 1, 1] · down [r, in, kh, kw]).
// A module name is `<prefix><path>` with '_' for '.'; it is resolved against the model's own
// module paths (which contain underscores themselves: `down_blocks`, `to_q`), and, for components
// whose original (ldm/sgm) layout LoRA trainers also use, through that layout's key mapping.
#include "models/lora/lora_file.h"

#include <torch/nn/module.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace dragdiff::models {

// Module paths of a model by their underscored spelling: "down_blocks_0_attentions_0_proj_in" ->
// "down_blocks.0.attentions.0.proj_in" for every module that has a `weight` parameter.
class ModuleNameIndex {
public:
    explicit ModuleNameIndex(torch::nn::Module& module);
    // nullopt when no module has that spelling. LoadError (naming both paths) when two do.
    std::optional<std::string> find(const std::string& underscored) const;

private:
    std::map<std::string, std::string> paths_;
    std::map<std::string, std::string> ambiguous_;  // spelling -> "a' and 'b"
};

// One model part a LoRA may adapt.
struct LoraTarget {
    std::string prefix;              // "lora_unet_", "lora_te_", "lora_te1_", "lora_te2_"
    std::string component;           // "UNet", "text encoder", for messages
    torch::nn::Module* module = nullptr;
    // For names in the component's original layout (e.g. the UNet's `input_blocks_4_1_...`): the
    // module path, nullopt when `name` is not in that layout, LoadError when it is but does not
    // map. `name` is the module name without the prefix. Null when no such layout exists.
    std::function<std::optional<std::string>(const LoraModule& module, const std::string& name)> originalLayout;
};

// Merges every module of `lora` into its target's weights (on their device, in their dtype), in
// place and without autograd. All names and shapes are checked first, so a LoadError (a key that
// matches no module, a shape that does not fit: naming the key, the weight and both shapes) leaves
// the weights untouched. Returns the number of weights changed.
int mergeLora(const LoraFile& lora, double strength, const std::vector<LoraTarget>& targets);

// The ldm/sgm UNet name `input_blocks_4_1_transformer_blocks_0_attn1_to_q` as the dotted key
// `input_blocks.4.1.transformer_blocks.0.attn1.to_q` (tokens such as `input_blocks`, `proj_in`,
// `to_q`, `emb_layers` rejoined); "" when the name does not start like an ldm UNet key.
std::string ldmUNetDottedName(const std::string& underscored);

}  // namespace dragdiff::models
