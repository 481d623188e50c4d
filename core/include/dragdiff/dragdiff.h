#pragma once
// DragDiff's public facade: everything the GUI and the command-line tools use from the core.
// Torch-, OpenCV- and Qt-free on purpose: plain value types only.
#include "dragdiff/error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace dragdiff {

const char* version();

// 8-bit RGBA pixels, row-major, 4 bytes per pixel, no padding.
struct RgbaImage {
    int width = 0;
    int height = 0;
    std::vector<uint8_t> pixels;
    bool empty() const { return width == 0 || height == 0; }
};

// Loads any image DragDiff accepts (PNG, JPEG, WebP, BMP, TIFF; 8/16-bit; gray; alpha kept).
RgbaImage loadImage(const std::string& path);
// Writes PNG/JPEG/WebP (by extension) atomically; alpha is kept where the format allows it.
void saveImage(const RgbaImage& image, const std::string& path);
// Writes a text file atomically (temporary + rename): never a half-written file.
void writeTextFileAtomically(const std::string& path, const std::string& text);

}  // namespace dragdiff
