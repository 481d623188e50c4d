#pragma once
#include <string>

namespace dragdiff::io {

// Throws LoadError for PyTorch pickle checkpoints (.ckpt/.pt/.pth/.bin, or pickle/zip bytes behind
// another name): unpickling can run arbitrary code, so DragDiff only reads .safetensors.
void refusePickleCheckpoint(const std::string& path);

}  // namespace dragdiff::io
