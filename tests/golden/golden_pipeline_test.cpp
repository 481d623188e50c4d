// Whole-model golden checks through the engine's own loader: DIFT feature extraction (VAE
// encoding, add_noise, prompt encoding, UNet up-block features) from the diffusers folder, and
// the same model loaded from its single-file checkpoint.
#include "support/catch.h"

#include "diffusion/ddim_scheduler.h"
#include "drag/pipeline.h"
#include "support/golden_case.h"

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
        // Text-conditioned cases: the prompt's embedding; image-conditioned ones: the picture's
        // (unet/encoder_hidden_states, checked against the reference in golden_imgvar_test).
        at::Tensor context;
        if (p.imageEncoder) {
            REQUIRE_FALSE(dift.contains("prompt"));
            context = c.tensor("unet/encoder_hidden_states");
        } else {
            at::Tensor embeds = p.encodePrompt(dift.at("prompt").get<std::string>());
            CHECK_GOLDEN(c, "dift/prompt_embeds", embeds);
            context = c.tensor("dift/prompt_embeds");
        }

        const int64_t batch = noisy.size(0);
        models::UNetForwardOptions o;
        o.returnUpBlockOutputs = true;
        auto out = p.unet->forward(c.tensor("dift/noisy_latents"), at::scalar_tensor(t, at::kLong),
                                   context.expand({batch, -1, -1}), o);
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
        auto out = p.unet->forward(c.tensor("unet/sample"), at::scalar_tensor(t, at::kLong),
                                   c.tensor("unet/encoder_hidden_states"));
        CHECK_GOLDEN(c, "unet/t" + std::to_string(t) + "/out", out.sample);
        CHECK_GOLDEN(c, "vae/posterior_mean", p.vae->encode(c.tensor("vae/image")).mean);
        REQUIRE(p.textEncoder);
        CHECK_GOLDEN(c, "text/last_hidden_state", p.textEncoder->forward(c.tensor("text/input_ids")).lastHiddenState);
    }
}
