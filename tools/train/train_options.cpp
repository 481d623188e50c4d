#include "train/train_options.h"

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <string>

namespace dragdiff::train {

namespace {

[[noreturn]] void usage(const std::string& why) {
    std::fprintf(stderr,
                 "dragdiff-train: %s\n"
                 "usage:\n"
                 "  dragdiff-train vae    --ckpt DIR [--resume] [--steps N] [--batch B] [--lr LR] ...\n"
                 "  dragdiff-train unet   --ckpt DIR --vae VAE_DIR [--resume] [--steps N] [--batch B] ...\n"
                 "  dragdiff-train export --out DIR [--vae-ckpt DIR] [--unet-ckpt DIR] [--unet-dtype fp16|fp32]\n"
                 "  dragdiff-train eval   --model DIR [--samples GRID.png] [--report FILE.json]\n"
                 "common: --seed S --warmup N --min-lr-fraction F --weight-decay W --clip C --ema-decay D\n"
                 "        --kl-weight K --checkpoint-minutes M --stop-after-minutes M --log-every N --threads T\n"
                 "        --eval-images N --sample-steps N --sample-count N --vae-width W --unet-width W\n"
                 "        --mkldnn 0|1 --channels-last 0|1\n",
                 why.c_str());
    std::exit(2);
}

}  // namespace

TrainOptions parseTrainOptions(int argc, char** argv) {
    TrainOptions o;
    if (argc < 2) usage("missing command");
    o.command = argv[1];
    if (o.command != "vae" && o.command != "unet" && o.command != "export" && o.command != "eval")
        usage("unknown command '" + o.command + "'");

    using Setter = std::function<void(const std::string&)>;
    auto num = [](double& d) { return Setter([&d](const std::string& v) { d = std::stod(v); }); };
    auto integer = [](int& i) { return Setter([&i](const std::string& v) { i = std::stoi(v); }); };
    auto big = [](int64_t& i) { return Setter([&i](const std::string& v) { i = std::stoll(v); }); };
    auto text = [](std::string& s) { return Setter([&s](const std::string& v) { s = v; }); };
    const std::map<std::string, Setter> setters{
        {"--ckpt", text(o.checkpointDir)},        {"--steps", big(o.steps)},
        {"--batch", integer(o.batch)},            {"--lr", num(o.lr)},
        {"--warmup", integer(o.warmup)},          {"--min-lr-fraction", num(o.minLrFraction)},
        {"--weight-decay", num(o.weightDecay)},   {"--clip", num(o.clip)},
        {"--ema-decay", num(o.emaDecay)},         {"--kl-weight", num(o.klWeight)},
        {"--seed", Setter([&o](const std::string& v) { o.seed = std::stoull(v); })},
        {"--checkpoint-minutes", num(o.checkpointMinutes)},
        {"--stop-after-minutes", num(o.stopAfterMinutes)},
        {"--log-every", integer(o.logEvery)},     {"--threads", integer(o.threads)},
        {"--vae", text(o.vaeDir)},                {"--vae-ckpt", text(o.vaeCheckpoint)},
        {"--init-from", text(o.initFrom)},
        {"--unet-ckpt", text(o.unetCheckpoint)},  {"--out", text(o.out)},
        {"--model", text(o.model)},               {"--samples", text(o.samples)},
        {"--report", text(o.report)},             {"--unet-dtype", text(o.unetDtype)},
        {"--eval-images", integer(o.evalImages)}, {"--sample-steps", integer(o.sampleSteps)},
        {"--sample-count", integer(o.sampleCount)},
        {"--vae-width", integer(o.vaeWidth)},     {"--unet-width", integer(o.unetWidth)},
        {"--mkldnn", Setter([&o](const std::string& v) { o.mkldnn = v != "0"; })},
        {"--channels-last", Setter([&o](const std::string& v) { o.channelsLast = v != "0"; })},
        {"--decoder-only", Setter([&o](const std::string& v) { o.decoderOnly = v != "0"; })},
    };
    for (int i = 2; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--resume") {
            o.resume = true;
            continue;
        }
        auto it = setters.find(arg);
        if (it == setters.end()) usage("unknown option '" + arg + "'");
        if (i + 1 >= argc) usage(arg + " needs a value");
        try {
            it->second(argv[++i]);
        } catch (const std::exception&) {
            usage("bad value '" + std::string(argv[i]) + "' for " + arg);
        }
    }
    if ((o.command == "vae" || o.command == "unet") && o.checkpointDir.empty()) usage("--ckpt is required");
    if (o.command == "unet" && o.vaeDir.empty()) usage("unet training needs --vae (an exported vae/ folder)");
    if (!o.initFrom.empty() && o.command != "unet" && o.command != "vae") usage("--init-from applies to training only");
    if (o.decoderOnly && o.command != "vae") usage("--decoder-only applies to vae training only");
    if (o.command == "export" && o.out.empty()) usage("export needs --out");
    if (o.command == "eval" && o.model.empty()) usage("eval needs --model");
    if (o.unetDtype != "fp16" && o.unetDtype != "fp32") usage("--unet-dtype must be fp16 or fp32");
    if (o.batch <= 0 || o.steps <= 0 || o.threads <= 0 || o.sampleCount <= 0)
        usage("--batch, --steps, --threads and --sample-count must be positive");
    return o;
}

}  // namespace dragdiff::train
