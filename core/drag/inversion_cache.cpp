#include "drag/inversion_cache.h"

namespace dragdiff::drag {

bool InversionKey::operator==(const InversionKey& o) const {
    return unet == o.unet && vae == o.vae && prompt == o.prompt && imageTransform == o.imageTransform && steps == o.steps &&
           width == o.width && height == o.height && rgb == o.rgb;
}

size_t InvertedImage::tensorBytes() const {
    size_t n = z0.defined() ? z0.nbytes() : 0;
    for (const at::Tensor& z : inversion.latents) n += z.defined() ? z.nbytes() : 0;
    return n;
}

std::shared_ptr<const InvertedImage> InversionCache::find(const InversionKey& key) {
    for (auto it = entries_.begin(); it != entries_.end(); ++it)
        if (it->key == key) {
            entries_.splice(entries_.begin(), entries_, it);
            return entries_.front().value;
        }
    return nullptr;
}

void InversionCache::store(InversionKey key, std::shared_ptr<const InvertedImage> value) {
    for (auto it = entries_.begin(); it != entries_.end(); ++it)
        if (it->key == key) {
            entries_.erase(it);
            break;
        }
    entries_.push_front({std::move(key), std::move(value)});
    while (entries_.size() > kCapacity) entries_.pop_back();
}

size_t InversionCache::bytes() const {
    size_t n = 0;
    for (const Entry& e : entries_) n += e.key.rgb.size() + e.value->tensorBytes();
    return n;
}

}  // namespace dragdiff::drag
