#pragma once
// How many network passes one drag edit made, per phase: the UNet's forwards (whole, or partial:
// stopped after an up-block), the backward passes of the guided steps, and the VAE's encodes and
// decodes. The editor increments it where it calls the networks; the facade reports it in
// EditResult::counts. Torch-free.
#include <map>
#include <string>

namespace dragdiff::drag {

// The phases' names, as they appear in EditResult::counts ("<phase>.<what>").
namespace phase {
inline constexpr const char* kEncode = "encode";                      // VAE encoding of the picture
inline constexpr const char* kInversion = "inversion";                // DDIM inversion forwards
inline constexpr const char* kPartFeatures = "part_features";         // features that identify the parts
inline constexpr const char* kPlainSteps = "plain_steps";             // denoising steps without guidance
inline constexpr const char* kGuidedSteps = "guided_steps";           // forward + backward of a guided step
inline constexpr const char* kOriginalFeatures = "original_features";  // the original branch's features per guided step
inline constexpr const char* kSharedAttention = "shared_attention";   // the original's K/V for share_attention
inline constexpr const char* kPreviews = "previews";                  // VAE decodes of the step previews
inline constexpr const char* kDecode = "decode";                      // the result's decode (and the composite's)
}  // namespace phase

struct PassCounts {
    int unetForwards = 0;         // whole UNet forwards
    int unetPartialForwards = 0;  // forwards stopped after an up-block (features only)
    int unetBackwards = 0;        // backward passes to the latent
    int vaeEncodes = 0;
    int vaeDecodes = 0;
};

class PassCounter {
public:
    void forward(const char* phase) { ++phases_[phase].unetForwards; }
    void partialForward(const char* phase) { ++phases_[phase].unetPartialForwards; }
    void backward(const char* phase) { ++phases_[phase].unetBackwards; }
    void vaeEncode(const char* phase) { ++phases_[phase].vaeEncodes; }
    void vaeDecode(const char* phase) { ++phases_[phase].vaeDecodes; }

    const std::map<std::string, PassCounts>& phases() const { return phases_; }
    PassCounts total() const;
    // "<phase>.unet_forwards", ".unet_partial_forwards", ".unet_backwards", ".vae_encodes",
    // ".vae_decodes" for every phase that made a pass, and the same five keys without a phase for
    // the totals (all present, zero or not).
    std::map<std::string, double> flatten() const;

private:
    std::map<std::string, PassCounts> phases_;
};

}  // namespace dragdiff::drag
