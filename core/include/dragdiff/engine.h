#pragma once
// The drag engine behind the facade: load a model, prepare an image's features for live
// correspondence heatmaps, and run drag edits with progress, previews and cancellation.
// Torch-free on purpose; every type here is a plain value.
#include "dragdiff/dragdiff.h"
#include "dragdiff/parameters.h"

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace dragdiff {

struct PointF {
    double x = 0;
    double y = 0;
};

// How a pair's part follows its drag. Move: the part translates whole. Reshape: the part
// deforms smoothly (a peak of a ridge, one edge of an object, a limb) while the structure it
// belongs to stays. Auto: decided per pair from what the handle's heatmap found.
enum class DragMode { Auto, Move, Reshape };
const char* dragModeName(DragMode mode);             // "auto", "move", "reshape"
DragMode parseDragMode(const std::string& name);     // InvalidRequest naming the accepted words

struct DragPair {
    PointF handle;  // image pixels
    PointF target;
    DragMode mode = DragMode::Auto;
    // The target is on the handle (under half a pixel away): nothing to drag; an edit refuses it.
    bool targetOnHandle() const;
};

// Where change is allowed: 8-bit, the image's size, non-zero = editable. Empty = everywhere.
struct Mask {
    int width = 0;
    int height = 0;
    std::vector<uint8_t> values;
    bool empty() const { return width == 0 || height == 0; }
};

// The picture as the edit would start to deform it: pixels warped by the engine's displacement
// field (no model pass), and the mode each pair resolved to.
struct WarpPreview {
    RgbaImage image;              // the picture at the model's working size (as edit previews), warped
    std::vector<DragMode> modes;  // one per pair; never Auto
};

// A heatmap at image resolution, values in [0, 1].
struct HeatMap {
    int width = 0;
    int height = 0;
    std::vector<float> values;
    bool empty() const { return width == 0 || height == 0; }
};

// A kohya-format LoRA file merged into the weights at load: W += strength · (alpha / rank) · up · down.
struct LoraSpec {
    std::string path;       // .safetensors (lora_unet_*, lora_te_*, lora_te1_*, lora_te2_* modules)
    double strength = 1.0;  // any finite number; 0 leaves the weights as they are
};

struct ModelSpec {
    std::string path = "embedded";  // "embedded", a diffusers folder, or a single-file .safetensors
    std::string configDir;          // optional: config folder for a single file (unet/, vae/, ...)
    std::string device = "cpu";     // "cpu" or "cuda"
    std::string predictionType;     // "", "epsilon" or "v_prediction" (single files cannot tell)
    bool fp16Autocast = false;      // GPU only: UNet and VAE under fp16 autocast (refused on the CPU)
    std::vector<LoraSpec> loras;    // merged in this order
    std::string previewDecoder;     // optional: a TAESD (AutoencoderTiny) folder or .safetensors for previews
};

struct ModelInfo {
    std::string path;
    std::string family;          // "sd1", "sd2", "sd-image-variations", "embedded", ...
    std::string format;          // "diffusers" or "single-file"
    std::string predictionType;  // "epsilon" / "v_prediction"
    std::string dtype;
    std::string device;
    int imageSize = 0;           // native working size (long side), pixels (EditParameters::workingSize: another)
    int latentChannels = 0;
    int latentScale = 0;         // image pixels per latent pixel
    bool hasTextEncoder = false;
    bool hasTokenizer = false;
    // false when the model refuses a prompt: sd-image-variations is conditioned on the picture
    // itself (its CLIP image embedding), models without a text encoder on a fixed context.
    bool usesPrompt = false;
    int upBlocks = 0;            // the UNet's up-blocks: feature_block is -1 (default) or 0 .. upBlocks - 1
    // The CLIP image encoder of an image-conditioned model (sd-image-variations); 0 when none.
    int imageEncoderSize = 0;    // input side, pixels
    int imageEncoderPatch = 0;   // patch side, pixels
    int imageEncoderWidth = 0;   // hidden size
    int imageEncoderLayers = 0;
    int imageEmbeddingDim = 0;   // the projected embedding, the UNet's context width
    std::map<std::string, int64_t> parameterCounts;  // per component
    std::vector<LoraSpec> loras;     // merged at load
    std::vector<int> loraModules;    // per LoRA: the number of weights it changed
    std::string previewDecoder;      // "" = previews from the VAE or the latent->RGB projection
};

struct EditRequest {
    RgbaImage image;
    std::vector<DragPair> drags;
    Mask mask;
    EditParameters parameters;
};

struct EditProgress {
    std::string phase;  // "encoding", "inversion", "editing", "decoding"
    int step = 0;       // 1-based within the phase
    int totalSteps = 0;
    double moveEnergy = 0;
    double appearanceEnergy = 0;
    std::vector<PointF> centroids;  // each handle's current centroid, image pixels
    RgbaImage preview;              // predicted result at this step (may be empty)
    double elapsedSeconds = 0;
    double etaSeconds = 0;
};

struct EditStepRecord {
    int step = 0;
    int64_t timestep = 0;
    bool guided = false;
    double moveEnergy = 0;
    double appearanceEnergy = 0;
    std::vector<PointF> centroids;
};

struct EditResult {
    RgbaImage image;  // full input resolution
    std::vector<EditStepRecord> steps;
    std::map<std::string, double> timings;  // seconds per phase and "total"
    EditParameters parameters;              // what was used
    std::vector<DragMode> modes;            // what each pair resolved to (empty without the latent move)
    // The network passes the edit made. Totals: "unet_forwards" (whole UNet forwards),
    // "unet_partial_forwards" (forwards stopped after an up-block, for features),
    // "unet_backwards" (guided steps' backward passes to the latent), "vae_encodes",
    // "vae_decodes"; the same per phase as "<phase>.<key>" for the phases that made passes:
    // encode, inversion, part_features, plain_steps, guided_steps, original_features,
    // shared_attention, previews, decode. "inversion_cached": 1 when the picture's encoding and
    // inversion came from the engine's cache (no pass), else 0.
    std::map<std::string, double> counts;
};

using ProgressCallback = std::function<void(const EditProgress&)>;

// Masks from files: any image; a pixel is editable where its luminance is above one half (or,
// for images with alpha, where it is opaque and bright).
Mask loadMask(const std::string& path);
void saveMask(const Mask& mask, const std::string& path);
Mask resizeMask(const Mask& mask, int width, int height);  // nearest neighbour
bool maskIsBlank(const Mask& mask);                          // no editable pixel at all
// A heatmap drawn with a perceptual colour map, alone or over `base` with the given opacity.
RgbaImage colorizeHeatmap(const HeatMap& heatmap, const RgbaImage* base = nullptr, double opacity = 0.6);

std::vector<std::string> availableDevices();  // "cpu", and "cuda" when the LibTorch build has it
void setThreadCount(int threads);              // 0 = all cores
int threadCount();

// Threads. loadModel(), prepareImage() and edit() run the model; the engine serialises them (a
// call made while another runs on another thread waits for it, so cancel a running edit or
// preparation first). hasModel(), modelInfo(), imagePrepared() and heatmap() never wait for a
// model pass: call them from any thread at any time, including while loadModel() replaces the
// model or prepareImage() prepares another picture. heatmap() answers from the features of the
// picture last prepared with the current model; while there are none (nothing prepared yet, a
// model loading, another picture being prepared, its preparation cancelled or failed) it throws
// NotReady and never touches the model. Do not call loadModel(), prepareImage() or edit() from
// inside a progress callback (they would wait for themselves).
class Engine {
public:
    Engine();
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    // Loads (replacing any previous model). Throws LoadError with the precise reason; after a
    // failure no model is loaded.
    ModelInfo loadModel(const ModelSpec& spec);
    bool hasModel() const;  // false while loadModel() runs
    ModelInfo modelInfo() const;  // throws InvalidRequest when no model is loaded

    // Extracts and caches the image's correspondence features: the ones an edit identifies its
    // parts by (prompt encoding, VAE encoding, the DDIM inversion as far as the part step, one
    // partial UNet pass), so heatmaps and warp previews show what the edit will do. The inversion
    // is kept: an edit or prepareInversion() of the picture carries it on. Throws Cancelled when
    // `cancel` is set (checked before every pass). `progress`, if given, is called on the calling
    // thread with phase "preparing", step = stages finished (0 at the start, rising to
    // totalSteps; stages already cached are skipped over), a totalSteps that stays the same
    // through one preparation, and elapsedSeconds.
    void prepareImage(const RgbaImage& image, const std::string& prompt = "",
                      const std::atomic<bool>* cancel = nullptr, const ProgressCallback& progress = nullptr);
    // The same, as an edit with `parameters` would see the picture: its prompt, its working size,
    // its feature block, its steps and strength and, for an image-variation model, its image
    // transform (the other parameters do not matter here; see samePreparation()). InvalidRequest
    // for a feature block the model lacks or invalid parameters.
    void prepareImage(const RgbaImage& image, const EditParameters& parameters,
                      const std::atomic<bool>* cancel = nullptr, const ProgressCallback& progress = nullptr);
    bool imagePrepared() const;
    // Correspondence heatmap of `point` (image pixels) against the prepared image. Fast (cached
    // features); callable from any thread, also while an edit runs or a model loads (see above:
    // NotReady when there are no features). InvalidRequest for a point outside the picture.
    HeatMap heatmap(PointF point, const EditParameters& parameters = EditParameters()) const;
    // The prepared picture warped by the displacement field an edit with these pairs (and mask,
    // empty = everywhere) starts from; pixels only, a few milliseconds at 512 px. Same threading
    // and NotReady rules as heatmap(); InvalidRequest for a point outside the picture.
    // The warp works at the size the picture was prepared at.
    WarpPreview warpPreview(const std::vector<DragPair>& drags, const Mask& mask = Mask(),
                            const EditParameters& parameters = EditParameters()) const;

    // Computes and keeps what an edit of `image` with these parameters starts from: the picture's
    // VAE latent and its DDIM inversion, which depend on the picture, the model, the prompt, the
    // working size and the steps only (not on the points, the mask or the other parameters; the
    // strength says how far up it goes: a kept trajectory that stops short, a prepared picture's,
    // is carried on). An edit() that matches them then begins denoising at once. The engine keeps the two newest such
    // trajectories (a few MB for SD 1.5) and drops them all when a model loads. Serialised like
    // edit(); Cancelled when `cancel` is set (checked before every pass; nothing is kept then).
    // `progress` gets phases "encoding" (unless kept) and "inversion". Returns false when the trajectory was
    // already there (no pass made), true when it was computed.
    bool prepareInversion(const RgbaImage& image, const EditParameters& parameters,
                          const std::atomic<bool>* cancel = nullptr, const ProgressCallback& progress = nullptr);

    // Runs a drag edit. Throws InvalidRequest for bad input, Cancelled when `cancel` is set (within
    // one step), Error for failures (NaN latent, out of memory) — the engine stays usable. The
    // picture's encoding and inversion come from prepareInversion() or an earlier edit when they
    // match (EditResult::counts["inversion_cached"]); the result's bytes are the same either way.
    EditResult edit(const EditRequest& request, const ProgressCallback& progress = nullptr,
                    const std::atomic<bool>* cancel = nullptr);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace dragdiff
