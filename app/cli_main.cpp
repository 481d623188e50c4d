// dragdiff-cli: the command-line front end. Parses the command and hands over to cli_commands.
#include "cli_args.h"
#include "cli_commands.h"
#include "dragdiff/dragdiff.h"

#include <atomic>
#include <csignal>
#include <iostream>
#include <string>
#include <vector>

namespace {

std::atomic<bool> gCancel{false};

extern "C" void onInterrupt(int) { gCancel.store(true); }

void printUsage(std::ostream& out) {
    out << "Usage: dragdiff-cli <command> [options]\n"
           "\n"
           "Drag-based image editing with diffusion models.\n"
           "\n"
           "Commands:\n"
           "  info     --model PATH|embedded [--json]\n"
           "           describe a model (family, sizes, dtype, parameter counts) or say why it does not load\n"
           "  edit     --model PATH|embedded --image IN --drag X1,Y1:X2,Y2[:move|:reshape] [--drag ...] --out OUT.png\n"
           "           [--mask MASK.png] [--prompt TEXT] [--steps N] [--strength F] [--seed N]\n"
           "           [--set key=value ...] [--previews DIR] [--report REPORT.json] [--spec EDIT.json]\n"
           "           move the part under each handle to its target\n"
           "  heatmap  --model PATH|embedded --image IN --point X,Y --out HEAT.png [--overlay] [--set key=value]\n"
           "           the correspondence heatmap of a point: what the model thinks the point \"is\"\n"
           "\n"
           "Model options (all commands):\n"
           "  --model PATH      'embedded' (default), a diffusers folder, or a single-file .safetensors\n"
           "  --config DIR      config folder for a single-file checkpoint (unet/, vae/, scheduler/ ...)\n"
           "  --prediction-type epsilon|v_prediction   for single files (they do not say)\n"
           "  --device cpu|cuda\n"
           "  --threads N       CPU threads (default: all cores; or set DRAGDIFF_THREADS)\n"
           "  --precision fp32|fp16   fp16 autocast on a CUDA device (refused on the CPU)\n"
           "  --lora FILE[:STRENGTH]  merge a kohya-format LoRA .safetensors (strength 1 if omitted);\n"
           "                    repeatable, applied in order; replaces an edit spec's \"loras\"\n"
           "  --preview-decoder PATH  decode the edit's previews with TAESD (a diffusers AutoencoderTiny\n"
           "                    folder or .safetensors: taesd for SD 1.x/2.x) instead of the latent projection\n"
           "\n"
           "  -h, --help        show this help and exit\n"
           "  -V, --version     print the version and exit\n"
           "\n"
           "Exit codes: 0 done, 1 error, 2 usage, 130 cancelled (Ctrl-C).\n";
}

}  // namespace

int main(int argc, char** argv) {
    using namespace dragdiff::cli;
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty()) {
        printUsage(std::cerr);
        return kExitUsage;
    }
    const std::string command = args[0];
    if (command == "-h" || command == "--help" || command == "help") {
        printUsage(std::cout);
        return kExitOk;
    }
    if (command == "-V" || command == "--version") {
        std::cout << "dragdiff-cli " << dragdiff::version() << "\n";
        return kExitOk;
    }
    std::signal(SIGINT, onInterrupt);
    std::signal(SIGTERM, onInterrupt);
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    try {
        if (command == "info") return runInfo(rest);
        if (command == "edit") return runEdit(rest, gCancel);
        if (command == "heatmap") return runHeatmap(rest, gCancel);
        throw UsageError("unknown command '" + command + "'");
    } catch (const UsageError& e) {
        std::cerr << "dragdiff-cli: " << e.what() << "\n\n";
        printUsage(std::cerr);
        return kExitUsage;
    } catch (const dragdiff::Cancelled&) {
        std::cerr << "\ndragdiff-cli: cancelled; nothing was written\n";
        return kExitCancelled;
    } catch (const dragdiff::Error& e) {
        std::cerr << "dragdiff-cli: " << e.what() << "\n";
        return kExitError;
    } catch (const std::exception& e) {
        std::cerr << "dragdiff-cli: unexpected error: " << e.what() << "\n";
        return kExitError;
    }
}
