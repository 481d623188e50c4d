// AutoencoderKL against diffusers on every golden case: posterior mean and logvar of the
// reference image, and the decoding of the posterior mean.
#include "support/catch.h"

#include "io/safetensors.h"
#include "models/component_files.h"
#include "models/vae/autoencoder_kl.h"
#include "support/golden_case.h"

#include <ATen/core/grad_mode.h>

#include <map>
#include <string>

using namespace dragdiff;

TEST_CASE("VAE parameter names and shapes equal the golden checkpoint's", "[golden][vae]") {
    for (const auto& c : test::allGoldenCases()) {
        INFO(c.name());
        auto vae =
            models::AutoencoderKL(models::VAEConfig::read(io::ConfigReader::fromFile(c.path("vae/config.json"))));
        io::SafetensorsFile file(models::findComponentWeights(c.path("vae"), "diffusion_pytorch_model"));
        std::map<std::string, std::vector<int64_t>> expected;
        for (const auto& e : file.entries()) expected[e.name] = e.shape;
        std::map<std::string, std::vector<int64_t>> ours;
        for (const auto& p : vae->named_parameters()) ours[p.key()] = p.value().sizes().vec();
        CHECK(ours.size() == expected.size());
        for (const auto& [name, shape] : expected) {
            INFO(name);
            REQUIRE(ours.count(name) == 1);
            CHECK(ours[name] == shape);
        }
    }
}

TEST_CASE("VAE reproduces diffusers' posterior and decoding", "[golden][vae]") {
    for (const auto& c : test::allGoldenCases()) {
        INFO(c.name());
        auto vae = models::loadVAE(c.path("vae"), at::kFloat, at::kCPU);
        at::NoGradGuard noGrad;
        const auto posterior = vae->encode(c.tensor("vae/image"));
        CHECK_GOLDEN(c, "vae/posterior_mean", posterior.mean);
        CHECK_GOLDEN(c, "vae/posterior_logvar", posterior.logvar);
        // decode(posterior_mean) of the reference mean, so an encoder error does not propagate.
        CHECK_GOLDEN(c, "vae/decoded", vae->decode(c.tensor("vae/posterior_mean")));
        CHECK(vae->scalingFactor() == Approx(c.spec().at("vae").at("scaling_factor").get<double>()));
    }
}
