#pragma once
// The original branch of a drag edit (the picture's latent and its DDIM inversion trajectory),
// kept between edits. The trajectory depends on the picture, the model, the prompt and the steps,
// not on the points or the other parameters, so a second edit of the same picture skips the VAE
// encoding and the inversion. The strength only says how far up it goes: an entry that stops
// short (a prepared picture's, inverted as far as its heatmaps' step) is carried on from where it
// stopped, one that goes further serves as it is. Bounded: the newest kCapacity trajectories (an SD 1.5
// default edit's is 37 latents of 64 KB plus the 512² working picture's 3 MB of floats, about 5.4 MB).
#include "diffusion/ddim_inversion.h"

#include <ATen/core/Tensor.h>

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <vector>

namespace dragdiff::drag {

// Everything the original branch's latents depend on. The picture is the working image's bytes (what the
// VAE encodes), compared in full; the model is the identity of its loaded networks.
struct InversionKey {
    const void* unet = nullptr;
    const void* vae = nullptr;
    std::string prompt;
    std::string imageTransform;  // image-variation models only ("" for text models: it does not condition them)
    int steps = 0;
    int width = 0;   // working image
    int height = 0;
    std::vector<uint8_t> rgb;  // working image's bytes (CV_32FC3, row-major)

    bool operator==(const InversionKey& o) const;
};

struct InvertedImage {
    at::Tensor z0;                         // [1, c, h, w] the working image's latent (scaled)
    diffusion::InversionResult inversion;  // latents[k]: z0 after k inverse steps
    size_t tensorBytes() const;
    // Whether it was inverted `steps` steps up, or further.
    bool reaches(int steps) const { return int(inversion.latents.size()) - 1 >= steps; }
};

// Not thread-safe: the engine uses it under its model mutex. Entries are shared and immutable
// (no one writes into their tensors), so an edit keeps using one that a newer entry evicts.
class InversionCache {
public:
    static constexpr size_t kCapacity = 2;

    std::shared_ptr<const InvertedImage> find(const InversionKey& key);  // null when absent; marks it newest
    void store(InversionKey key, std::shared_ptr<const InvertedImage> value);
    void clear() { entries_.clear(); }
    size_t size() const { return entries_.size(); }
    size_t bytes() const;  // tensors plus the keys' pictures

private:
    struct Entry {
        InversionKey key;
        std::shared_ptr<const InvertedImage> value;
    };
    std::list<Entry> entries_;  // newest first
};

}  // namespace dragdiff::drag
