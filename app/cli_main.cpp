// dragdiff-cli: the command-line front end. Parses arguments and hands over to the core.
#include "dragdiff/dragdiff.h"

#include <cstring>
#include <iostream>
#include <string>
#include <vector>

namespace {

constexpr int kExitOk = 0;
constexpr int kExitError = 1;
constexpr int kExitUsage = 2;

void printUsage(std::ostream& out) {
    out << "Usage: dragdiff-cli <command> [options]\n"
           "\n"
           "Drag-based image editing with diffusion models.\n"
           "\n"
           "Commands:\n"
           "  info --model PATH|embedded   describe a model (family, sizes, parameter counts) or say why it does not load\n"
           "\n"
           "Options:\n"
           "  -h, --help       show this help and exit\n"
           "  -V, --version    print the version and exit\n";
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty()) {
        printUsage(std::cerr);
        return kExitUsage;
    }
    const std::string& command = args[0];
    if (command == "-h" || command == "--help" || command == "help") {
        printUsage(std::cout);
        return kExitOk;
    }
    if (command == "-V" || command == "--version") {
        std::cout << "dragdiff-cli " << dragdiff::version() << "\n";
        return kExitOk;
    }
    try {
        std::cerr << "dragdiff-cli: unknown command '" << command << "'\n\n";
        printUsage(std::cerr);
        return kExitUsage;
    } catch (const dragdiff::Error& e) {
        std::cerr << "dragdiff-cli: " << e.what() << "\n";
        return kExitError;
    }
}
