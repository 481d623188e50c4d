#include "dragdiff/engine.h"
#include "dragdiff/error.h"

#include <cmath>

namespace dragdiff {

const char* dragModeName(DragMode mode) {
    switch (mode) {
        case DragMode::Move: return "move";
        case DragMode::Reshape: return "reshape";
        case DragMode::Auto: break;
    }
    return "auto";
}

bool DragPair::targetOnHandle() const { return std::hypot(target.x - handle.x, target.y - handle.y) < 0.5; }

DragMode parseDragMode(const std::string& name) {
    if (name == "auto") return DragMode::Auto;
    if (name == "move") return DragMode::Move;
    if (name == "reshape") return DragMode::Reshape;
    throw InvalidRequest("drag mode '" + name + "' is not known; use auto, move or reshape");
}

}  // namespace dragdiff
