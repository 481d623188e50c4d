#pragma once
// A loaded Stable-Diffusion-style model: UNet, VAE, optional text encoder and tokenizer (or, for
// image-conditioned SD, the CLIP image encoder and its processor), and the scheduler config, read
// from a diffusers folder, a single-file checkpoint, or the embedded model.
#include "drag/working_image.h"
#include "dragdiff/engine.h"
#include "models/clip/clip_image_processor.h"
#include "models/clip/clip_text_model.h"
#include "models/clip/clip_vision_model.h"
#include "models/clip/clip_text_model_with_projection.h"
#include "models/clip/clip_tokenizer.h"
#include "models/model_configs.h"
#include "models/unet/unet_2d_condition.h"
#include "models/vae/autoencoder_kl.h"
#include "models/vae/autoencoder_tiny.h"

#include <optional>
#include <string>

namespace dragdiff::drag {

struct Pipeline {
    models::UNet2DConditionModel unet{nullptr};
    models::AutoencoderKL vae{nullptr};
    models::CLIPTextModel textEncoder{nullptr};  // null when the model has none
    models::AutoencoderTiny previewDecoder{nullptr};  // TAESD for previews; null = VAE or latent->RGB projection
    std::optional<models::CLIPTokenizer> tokenizer;
    // sd-image-variations: the context is the picture's own CLIP image embedding.
    models::CLIPVisionModelWithProjection imageEncoder{nullptr};
    std::optional<models::CLIPImageProcessor> imageProcessor;
    models::CLIPTextModelWithProjection textEncoder2{nullptr};  // SDXL's second encoder, else null
    std::optional<models::CLIPTokenizer> tokenizer2;            // SDXL's tokenizer_2
    bool forceZerosForEmptyPrompt = false;  // SDXL model_index.json: a blank prompt conditions on zeros
    models::DDIMConfig scheduler;
    at::Tensor constantContext;  // [1, L, C] used when there is no text encoder
    at::Device device = at::kCPU;
    bool fp16Autocast = false;   // run the models under CUDA fp16 autocast (see AutocastScope)
    ModelInfo info;

    int latentScale() const;       // image pixels per latent pixel
    int sizeMultiple() const;      // working image sides must be multiples of this
    int nativeImageSize() const;   // long side the model was trained at
    // `image` as the model works on it: its long side `longSide` pixels (0 = nativeImageSize()).
    WorkingImage workingImage(const RgbaImage& image, int longSide) const;
    int defaultFeatureBlock() const;
    // The up-block whose output gives the features for EditParameters::featureBlock `requested`
    // (-1 = defaultFeatureBlock()); InvalidRequest naming the UNet's up-blocks for one it lacks.
    int featureBlock(int requested) const;
    bool isSDXL() const { return unet->config().hasTextTimeEmbedding(); }
    // The UNet's conditioning for `prompt`: the context [1, L, C] and, for SDXL, the pooled text
    // embedding [1, P] (a blank prompt gives zeros when forceZerosForEmptyPrompt). InvalidRequest
    // for a prompt the model cannot read. SDXL also needs addSizeConditioning.
    models::UNetConditioning encodePrompt(const std::string& prompt);
    // The UNet's conditioning for an edit (or the features) of `work`: encodePrompt(prompt), or for
    // an image-conditioned model encodeImage of the picture at its working size (a prompt is refused).
    models::UNetConditioning encodeContext(const std::string& prompt, const WorkingImage& work,
                                           const std::string& imageTransform);
    // SDXL: sets the size/crop ids for a whole picture worked on at height × width pixels
    // ((H, W, 0, 0, H, W)); nothing for other models.
    void addSizeConditioning(models::UNetConditioning& conditioning, int64_t height, int64_t width) const;
    // StableDiffusionImageVariationPipeline._encode_image: image_embeds of `rgb8` (CV_8UC3) as
    // [1, 1, C]; with classifierFreeGuidance [2, 1, C], the unconditional (zeros) first.
    // `transform`: "processor" (CLIPImageProcessor) or "modelcard" (see EditParameters::imageTransform).
    at::Tensor encodeImage(const cv::Mat& rgb8, const std::string& transform, bool classifierFreeGuidance = false);
    // The image encoder's input for `rgb8` under `transform`: [1, 3, S, S].
    at::Tensor imagePixelValues(const cv::Mat& rgb8, const std::string& transform) const;
};

// While alive, CUDA ops run under fp16 autocast when the pipeline asks for it (no-op otherwise).
class AutocastScope {
public:
    explicit AutocastScope(const Pipeline& p);
    ~AutocastScope();
    AutocastScope(const AutocastScope&) = delete;
    AutocastScope& operator=(const AutocastScope&) = delete;

private:
    bool active_ = false;
    bool previous_ = false;
};

// Resolves "embedded" to the shipped weights folder: $DRAGDIFF_WEIGHTS_DIR/embedded, the install
// prefix's share/dragdiff/weights/embedded, or the source tree's weights/embedded.
std::string embeddedModelFolder();

// Throws LoadError naming the file and what is wrong.
Pipeline loadPipeline(const ModelSpec& spec);

}  // namespace dragdiff::drag
