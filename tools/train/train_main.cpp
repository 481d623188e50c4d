// dragdiff-train: trains DragDiff's small embedded default model (AutoencoderKL, then
// UNet2DConditionModel on its latents) on procedural scenes, and exports it as a diffusers folder.
//   dragdiff-train vae    --ckpt /work/train-ckpt/vae [--resume] [--steps 3000] [--batch 16]
//   dragdiff-train export --vae-ckpt /work/train-ckpt/vae --out weights/embedded
//   dragdiff-train unet   --ckpt /work/train-ckpt/unet --vae weights/embedded/vae [--resume]
//   dragdiff-train export --unet-ckpt /work/train-ckpt/unet --out weights/embedded
//   dragdiff-train eval   --model weights/embedded --samples weights/samples_unet.png
// See weights/README.md for the run that produced weights/embedded.
#include "dragdiff/error.h"
#include "io/atomic_file.h"
#include "train/eval_command.h"
#include "train/export_model.h"
#include "train/train_loop.h"
#include "train/train_options.h"
#include "train/unet_trainer.h"
#include "train/vae_trainer.h"

#include <c10/util/Exception.h>

#include <cstdio>

using namespace dragdiff;

int main(int argc, char** argv) {
    const train::TrainOptions o = train::parseTrainOptions(argc, argv);
    try {
        if (o.command == "vae" || o.command == "unet") {
            train::installStopHandlers();
            return o.command == "vae" ? train::trainVAE(o) : train::trainUNet(o);
        }
        nlohmann::json report;
        if (o.command == "export") {
            if (o.vaeCheckpoint.empty() && o.unetCheckpoint.empty()) {
                std::fprintf(stderr, "dragdiff-train: export needs --vae-ckpt and/or --unet-ckpt\n");
                return 2;
            }
            if (!o.vaeCheckpoint.empty()) train::exportVAE(o, report);
            if (!o.unetCheckpoint.empty()) train::exportUNet(o, report);
        } else {
            train::runEval(o, report);
        }
        if (!o.report.empty()) io::writeFileAtomically(o.report, report.dump(2) + "\n");
        return 0;
    } catch (const Error& e) {
        std::fprintf(stderr, "dragdiff-train: %s\n", e.what());
    } catch (const c10::Error& e) {
        std::fprintf(stderr, "dragdiff-train: torch: %s\n", e.what_without_backtrace());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "dragdiff-train: %s\n", e.what());
    }
    return 1;
}
