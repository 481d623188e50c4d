#include "drag/drag_editor.h"

#include "dragdiff/error.h"

#include <cmath>
#include <string>

namespace dragdiff::drag {

void validateEditRequest(const EditRequest& r) {
    if (r.image.empty()) throw InvalidRequest("no image to edit");
    if (r.image.pixels.size() != size_t(r.image.width) * r.image.height * 4)
        throw InvalidRequest("the image buffer does not match its size");
    if (r.drags.empty()) throw InvalidRequest("add at least one handle/target pair to drag");
    auto inside = [&](PointF p) { return p.x >= 0 && p.y >= 0 && p.x <= r.image.width && p.y <= r.image.height; };
    for (size_t i = 0; i < r.drags.size(); ++i) {
        const auto& d = r.drags[i];
        const std::string which = "pair " + std::to_string(i + 1);
        if (!std::isfinite(d.handle.x) || !std::isfinite(d.handle.y) || !std::isfinite(d.target.x) ||
            !std::isfinite(d.target.y))
            throw InvalidRequest(which + " has a point that is not a number");
        if (!inside(d.handle))
            throw InvalidRequest(which + ": the handle (" + std::to_string(d.handle.x) + ", " + std::to_string(d.handle.y) +
                                 ") is outside the " + std::to_string(r.image.width) + "x" + std::to_string(r.image.height) +
                                 " image");
        if (!inside(d.target))
            throw InvalidRequest(which + ": the target (" + std::to_string(d.target.x) + ", " + std::to_string(d.target.y) +
                                 ") is outside the " + std::to_string(r.image.width) + "x" + std::to_string(r.image.height) +
                                 " image");
        if (d.targetOnHandle())
            throw InvalidRequest(which + ": the handle and its target are the same point; place the target where the part should go");
    }
    if (!r.mask.empty()) {
        if (r.mask.width != r.image.width || r.mask.height != r.image.height)
            throw InvalidRequest("the mask is " + std::to_string(r.mask.width) + "x" + std::to_string(r.mask.height) +
                                 " but the image is " + std::to_string(r.image.width) + "x" +
                                 std::to_string(r.image.height) + "; resize it to the image");
        if (r.mask.values.size() != size_t(r.mask.width) * r.mask.height)
            throw InvalidRequest("the mask buffer does not match its size");
        if (maskIsBlank(r.mask))
            throw InvalidRequest("the mask is empty, so nothing may change; paint where the edit may happen or clear the mask");
    }
    validateParameters(r.parameters);
}

}  // namespace dragdiff::drag
