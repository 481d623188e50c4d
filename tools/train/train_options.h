#pragma once
// Command line of dragdiff-train. Every option has one meaning across subcommands.
#include <cstdint>
#include <string>

namespace dragdiff::train {

struct TrainOptions {
    std::string command;          // vae | unet | export | eval
    std::string checkpointDir;    // --ckpt: this part's checkpoint folder
    bool resume = false;          // --resume: continue from checkpointDir's latest checkpoint
    int64_t steps = 3000;         // --steps: schedule horizon (cosine decay ends here), then stop
    int batch = 16;               // --batch
    double lr = 5e-4;             // --lr: peak learning rate
    int warmup = 100;             // --warmup: linear warm-up steps
    double minLrFraction = 0.1;   // --min-lr-fraction: cosine floor as a fraction of --lr
    double weightDecay = 1e-2;    // --weight-decay (AdamW; matrices and kernels only)
    double clip = 1.0;            // --clip: global gradient-norm clip (0 = off)
    double emaDecay = 0.999;      // --ema-decay
    double klWeight = 1e-5;       // --kl-weight: VAE KL term (per-element mean)
    uint64_t seed = 1;            // --seed: the run's seed (data, noise, init)
    double checkpointMinutes = 3; // --checkpoint-minutes
    int logEvery = 25;            // --log-every: steps between progress lines
    int threads = 1;              // --threads: torch intra-op threads (1: the 2 cores are shared,
                                  // and OpenMP threads waiting on a busy core cost more than they give)
    bool mkldnn = true;           // --mkldnn 0|1: oneDNN convolutions
    bool channelsLast = false;    // --channels-last 0|1: NHWC weights and activations
    double stopAfterMinutes = 0;  // --stop-after-minutes: checkpoint and stop (0 = run to --steps)
    std::string initFrom;         // --init-from: start from this checkpoint folder's weights (UNet: EMA,
                                  // VAE: raw), with a fresh optimizer and schedule
    bool decoderOnly = false;     // --decoder-only 0|1: train only the VAE's decoder side (post_quant_conv,
                                  // decoder), so its latents, and a UNet trained on them, stay valid
    std::string vaeDir;           // --vae: an exported vae/ folder (unet training, eval)
    std::string vaeCheckpoint;    // --vae-ckpt: export the VAE from this checkpoint folder
    std::string unetCheckpoint;   // --unet-ckpt: export the UNet from this checkpoint folder
    std::string out;              // --out: export folder (diffusers layout)
    std::string model;            // --model: a diffusers folder to evaluate
    std::string samples;          // --samples: sample grid PNG (eval)
    std::string report;           // --report: JSON with the evaluation numbers (eval, export)
    std::string unetDtype = "fp16";  // --unet-dtype fp16|fp32 of the exported UNet weights
    int evalImages = 64;          // --eval-images: held-out scenes for the VAE PSNR
    int sampleSteps = 50;         // --sample-steps: DDIM steps for samples and inversion
    int sampleCount = 16;         // --sample-count: unconditional samples in the grid (eval)
    // Model size overrides (tests use tiny models): 0 keeps the embedded config.
    int vaeWidth = 0;             // --vae-width: first VAE block channels (x1, x2, x4)
    int unetWidth = 0;            // --unet-width: first UNet block channels (x1, x2, x2)
};

// Exits with usage text on a bad command line.
TrainOptions parseTrainOptions(int argc, char** argv);

}  // namespace dragdiff::train
