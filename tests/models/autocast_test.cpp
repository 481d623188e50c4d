// The VAE runs in fp32 under CUDA fp16 autocast (SDXL's overflows in fp16). Without a GPU the
// switch itself is what can be checked: FullPrecisionScope turns it off and restores it, and the
// VAE's output stays fp32 while autocast is on.
#include "support/catch.h"

#include "models/blocks/autocast.h"
#include "models/vae/autoencoder_kl.h"
#include "tiny_configs.h"

using namespace dragdiff;

TEST_CASE("FullPrecisionScope turns CUDA autocast off and restores it", "[unit][models]") {
    REQUIRE_FALSE(models::cudaAutocastEnabled());
    {
        models::FullPrecisionScope none;  // off stays off
        CHECK_FALSE(models::cudaAutocastEnabled());
    }
    CHECK_FALSE(models::cudaAutocastEnabled());
    models::setCudaAutocastEnabled(true);
    {
        models::FullPrecisionScope fp32;
        CHECK_FALSE(models::cudaAutocastEnabled());
        {
            models::FullPrecisionScope nested;
            CHECK_FALSE(models::cudaAutocastEnabled());
        }
        CHECK_FALSE(models::cudaAutocastEnabled());
    }
    CHECK(models::cudaAutocastEnabled());
    models::setCudaAutocastEnabled(false);
}

TEST_CASE("the VAE leaves autocast as it found it and answers in its weights' dtype", "[unit][models]") {
    at::manual_seed(5);
    models::AutoencoderKL vae(test::tinyVAEConfig());
    vae->eval();
    at::NoGradGuard noGrad;
    const at::Tensor image = at::rand({1, 3, 16, 16}) * 2 - 1;
    const at::Tensor reference = vae->decode(vae->encode(image).mean);
    models::setCudaAutocastEnabled(true);
    const at::Tensor latents = vae->encode(image.to(at::kDouble)).mean;  // another dtype in, fp32 out
    const at::Tensor decoded = vae->decode(latents);
    CHECK(models::cudaAutocastEnabled());
    models::setCudaAutocastEnabled(false);
    CHECK(latents.scalar_type() == at::kFloat);
    CHECK(decoded.scalar_type() == at::kFloat);
    CHECK(at::allclose(decoded, reference, 1e-5, 1e-5));
    CHECK_THROWS_WITH(vae->decode(latents.to(at::kInt)), Catch::Contains("Int") && Catch::Contains("Float"));
}
