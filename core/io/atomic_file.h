#pragma once
// Writing files so that a reader never sees a half-written one: the bytes go to a temporary
// file in the target's folder, are flushed to disk, and the temporary is renamed over the target.
#include <string>
#include <vector>

namespace dragdiff::io {

// Throws WriteError naming the path and the system's reason; on failure the target is untouched
// and no temporary is left behind.
void writeFileAtomically(const std::string& path, const void* data, size_t size);
void writeFileAtomically(const std::string& path, const std::string& bytes);

std::string readTextFile(const std::string& path);  // throws LoadError

}  // namespace dragdiff::io
