// Whole-model golden checks through the engine's own loader: DIFT feature extraction (VAE
// encoding, add_noise, prompt encoding, UNet up-block features) from the diffusers folder, and
// the same model loaded from its single-file checkpoint.
#include "support/catch.h"

#include "diffusion/ddim_scheduler.h"
#include "drag/pipeline.h"
#include "support/golden_case.h"
#include "support/test_support.h"

using namespace dragdiff;

namespace {

drag::Pipeline load(const std::string& path, const std::string& configDir = "") {
    ModelSpec spec;
    spec.path = path;
    spec.configDir = configDir;
    return drag::loadPipeline(spec);
}

}  // namespace

TEST_CASE("DIFT features match the reference through the pipeline loader", "[golden]") {
    for (const auto& c : test::allGoldenCases()) {
        if (!c.has("dift/feature")) continue;
        INFO(c.name());
        at::NoGradGuard noGrad;
        drag::Pipeline p = load(c.dir());
        const auto& dift = c.spec().at("dift");
        const int64_t t = dift.at("t").get<int64_t>();
        const int index = dift.at("up_ft_index").get<int>();

        auto posterior = p.vae->encode(c.tensor("dift/image"));
        at::Tensor latents = (posterior.mean + at::exp(0.5 * posterior.logvar) * c.tensor("dift/posterior_eps")) *
                             p.vae->scalingFactor();
        CHECK_GOLDEN(c, "dift/latents", latents);
        diffusion::DDIMScheduler scheduler(p.scheduler);
        at::Tensor noisy = scheduler.addNoise(c.tensor("dift/latents"), c.tensor("dift/noise"), t);
        CHECK_GOLDEN(c, "dift/noisy_latents", noisy);
        // Text-conditioned cases: the prompt's embedding (SDXL: with the pooled embedding and the size
        // ids); image-conditioned ones: the picture's (unet/encoder_hidden_states, checked against the
        // reference in golden_imgvar_test).
        models::UNetConditioning reference;
        if (p.imageEncoder) {
            REQUIRE_FALSE(dift.contains("prompt"));
            reference = c.tensor("unet/encoder_hidden_states");
        } else {
            models::UNetConditioning embeds = p.encodePrompt(dift.at("prompt").get<std::string>());
            CHECK_GOLDEN(c, "dift/prompt_embeds", embeds.encoderHiddenStates);
            const at::Tensor image = c.tensor("dift/image");
            p.addSizeConditioning(embeds, image.size(2), image.size(3));
            CHECK(p.isSDXL() == c.isSDXL());
            CHECK(embeds.textEmbeds.defined() == c.isSDXL());
            CHECK(embeds.timeIds.defined() == c.isSDXL());
            if (c.isSDXL()) {
                CHECK(p.info.family == "sdxl");
                CHECK_GOLDEN(c, "dift/pooled_prompt_embeds", embeds.textEmbeds);
                CHECK_GOLDEN(c, "dift/add_time_ids", embeds.timeIds);
                // The empty prompt: encoded like any other, or zeros with force_zeros_for_empty_prompt.
                const bool forceZeros = c.spec().value("force_zeros_for_empty_prompt", true);
                CHECK(p.forceZerosForEmptyPrompt == forceZeros);
                const models::UNetConditioning empty = p.encodePrompt("");
                if (forceZeros) {
                    CHECK(at::equal(empty.encoderHiddenStates, at::zeros_like(embeds.encoderHiddenStates)));
                    CHECK(at::equal(empty.textEmbeds, at::zeros_like(embeds.textEmbeds)));
                } else if (c.has("sdxl/negative_prompt_embeds")) {
                    const std::string context = "sdxl/negative_prompt_embeds";
                    const std::string pooled = "sdxl/negative_pooled_prompt_embeds";
                    CHECK(test::compareTensors(empty.encoderHiddenStates, c.tensor(context).narrow(0, 0, 1),
                                               c.atol(context), c.rtol(context)) == "");
                    CHECK(test::compareTensors(empty.textEmbeds, c.tensor(pooled).narrow(0, 0, 1), c.atol(pooled),
                                               c.rtol(pooled)) == "");
                }
            }
            reference = c.tensor("dift/prompt_embeds");
            if (c.isSDXL()) {
                reference.textEmbeds = c.tensor("dift/pooled_prompt_embeds");
                reference.timeIds = c.tensor("dift/add_time_ids");
            }
        }

        const int64_t batch = noisy.size(0);
        models::UNetForwardOptions o;
        o.returnUpBlockOutputs = true;
        reference.encoderHiddenStates = reference.encoderHiddenStates.expand({batch, -1, -1});
        if (reference.textEmbeds.defined()) reference.textEmbeds = reference.textEmbeds.expand({batch, -1});
        if (reference.timeIds.defined()) reference.timeIds = reference.timeIds.expand({batch, -1});
        auto out = p.unet->forward(c.tensor("dift/noisy_latents"), at::scalar_tensor(t, at::kLong), reference, o);
        for (size_t i = 0; i < out.upBlockOutputs.size(); ++i) {
            const std::string name = "dift/up_ft" + std::to_string(i);
            if (c.has(name)) CHECK_GOLDEN(c, name, out.upBlockOutputs[i]);
        }
        CHECK_GOLDEN(c, "dift/feature", out.upBlockOutputs.at(size_t(index)).mean(0, /*keepdim=*/true));
    }
}

TEST_CASE("a single-file checkpoint with its config folder reproduces the reference", "[golden]") {
    for (const auto& c : test::goldenCasesWith("model.ldm.safetensors")) {
        INFO(c.name());
        at::NoGradGuard noGrad;
        drag::Pipeline p = load(c.path("model.ldm.safetensors"), c.dir());
        CHECK(p.info.format == "single-file");
        at::Tensor timesteps = c.tensor("unet/timesteps");
        const int64_t t = timesteps[0].item<int64_t>();
        models::UNetConditioning cond(c.tensor("unet/encoder_hidden_states"));
        if (c.isSDXL()) cond = {cond.encoderHiddenStates, c.tensor("unet/text_embeds"), c.tensor("unet/time_ids")};
        auto out = p.unet->forward(c.tensor("unet/sample"), at::scalar_tensor(t, at::kLong), cond);
        CHECK_GOLDEN(c, "unet/t" + std::to_string(t) + "/out", out.sample);
        CHECK_GOLDEN(c, "vae/posterior_mean", p.vae->encode(c.tensor("vae/image")).mean);
        REQUIRE(p.textEncoder);
        CHECK_GOLDEN(c, "text/last_hidden_state", p.textEncoder->forward(c.tensor("text/input_ids")).lastHiddenState);
        CHECK(p.isSDXL() == c.isSDXL());
        if (c.isSDXL()) {
            CHECK(p.info.family == "sdxl");
            REQUIRE(p.textEncoder2);
            CHECK_GOLDEN(c, "text_2/text_embeds", p.textEncoder2->forward(c.tensor("text_2/input_ids")).textEmbeds);
        }
    }
}
