#include "io/checkpoint_format.h"

#include "dragdiff/error.h"

#include <algorithm>
#include <cctype>
#include <fstream>

namespace dragdiff::io {

void refusePickleCheckpoint(const std::string& path) {
    std::string lower = path;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    auto endsWith = [&](const std::string& s) {
        return lower.size() >= s.size() && lower.compare(lower.size() - s.size(), s.size(), s) == 0;
    };
    bool pickle = endsWith(".ckpt") || endsWith(".pt") || endsWith(".pth") || endsWith(".bin");
    if (!pickle) {
        std::ifstream in(path, std::ios::binary);
        unsigned char head[2] = {0, 0};
        if (in.read(reinterpret_cast<char*>(head), 2))
            pickle = (head[0] == 0x80 && head[1] >= 2 && head[1] <= 5) || (head[0] == 'P' && head[1] == 'K');
    }
    if (pickle)
        throw LoadError("'" + path + "' is a PyTorch pickle checkpoint; DragDiff does not open those because "
                        "loading a pickle can run arbitrary code. Use the model's .safetensors file instead "
                        "(most model pages offer one), or convert the checkpoint to safetensors with a tool you trust.");
}

}  // namespace dragdiff::io
