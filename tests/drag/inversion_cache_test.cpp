// The engine's pass counts and its inversion cache: a second edit of the same picture makes no
// inversion pass, gives the bytes a fresh engine gives, and any input the trajectory depends on
// (picture, prompt, steps, model) makes it invert again; a higher strength carries the kept
// trajectory on, a lower one is served by it. Small golden model, 10 steps.
#include "support/catch.h"

#include "drag/inversion_cache.h"
#include "dragdiff/engine.h"
#include "dragdiff/error.h"
#include "support/model_loading.h"
#include "support/test_support.h"

#include <opencv2/imgproc.hpp>

#include <atomic>
#include <memory>

using namespace dragdiff;

namespace {

EditRequest request(PointF target = {36, 24}) {
    EditRequest r;
    r.image = test::discScene(64, 48);
    r.drags = {{{21, 24}, target}};
    r.parameters.steps = 10;
    r.parameters.strength = 0.6;
    r.parameters.guidanceWeight = 320;  // guided steps too (off by default), so every phase is counted
    return r;
}

struct LoadedEngine {
    Engine engine;
    LoadedEngine() { engine.loadModel(test::goldenSpec()); }
};

double count(const EditResult& r, const std::string& key) {
    auto it = r.counts.find(key);
    return it == r.counts.end() ? 0 : it->second;
}

bool cached(const EditResult& r) {
    INFO("inversion.unet_forwards " << count(r, "inversion.unet_forwards"));
    REQUIRE(r.counts.count("inversion_cached"));
    const bool hit = count(r, "inversion_cached") == 1;
    // A hit makes neither the VAE encoding nor an inversion pass; a miss makes both.
    CHECK((count(r, "vae_encodes") == 0) == hit);
    CHECK((count(r, "inversion.unet_forwards") == 0) == hit);
    return hit;
}

}  // namespace

TEST_CASE("an edit counts its passes per phase", "[engine][passes]") {
    LoadedEngine e;
    const EditRequest req = request();
    const EditResult r = e.engine.edit(req);
    const int denoise = static_cast<int>(r.steps.size());  // 10 steps at strength 0.6: 6
    REQUIRE(denoise == 6);
    int guided = 0;
    for (const auto& s : r.steps) guided += s.guided ? 1 : 0;
    REQUIRE(guided > 0);
    REQUIRE(guided < denoise);
    CHECK(count(r, "inversion_cached") == 0);
    CHECK(count(r, "encode.vae_encodes") == 1);
    CHECK(count(r, "inversion.unet_forwards") == denoise);       // one per inverted step
    CHECK(count(r, "part_features.unet_partial_forwards") == 1);
    CHECK(count(r, "plain_steps.unet_forwards") == denoise - guided);
    CHECK(count(r, "guided_steps.unet_forwards") == guided);     // one gradient iteration each
    CHECK(count(r, "guided_steps.unet_backwards") == guided);
    CHECK(count(r, "original_features.unet_partial_forwards") == guided);
    CHECK(count(r, "previews.vae_decodes") == 0);                // no progress callback, no previews
    CHECK(count(r, "decode.vae_decodes") >= 1);
    CHECK(count(r, "unet_forwards") == 2 * denoise);
    CHECK(count(r, "unet_backwards") == guided);
    CHECK(count(r, "unet_partial_forwards") == 1 + guided);

    // Previews are VAE decodes too (this small model decodes them in full).
    int previews = 0;
    const EditResult withPreviews = e.engine.edit(req, [&](const EditProgress& p) { previews += !p.preview.empty(); });
    CHECK(count(withPreviews, "previews.vae_decodes") == previews);
    CHECK(previews == denoise);
}

TEST_CASE("a second edit of the same picture does no inversion and gives a fresh engine's bytes", "[engine][passes]") {
    LoadedEngine warm;
    const EditRequest first = request();
    const EditResult a = warm.engine.edit(first);
    CHECK_FALSE(cached(a));
    // Other points, another guidance weight, a mask: the trajectory is the same.
    EditRequest second = request({30, 34});
    second.parameters.guidanceWeight = 200;
    second.mask.width = 64;
    second.mask.height = 48;
    second.mask.values.assign(64 * 48, 255);
    const EditResult b = warm.engine.edit(second);
    CHECK(cached(b));
    CHECK(count(b, "unet_forwards") == count(a, "unet_forwards") - count(a, "inversion.unet_forwards"));

    LoadedEngine fresh;
    const EditResult c = fresh.engine.edit(second);
    CHECK_FALSE(cached(c));
    REQUIRE(b.image.pixels.size() == c.image.pixels.size());
    CHECK(b.image.pixels == c.image.pixels);  // the cache changes the cost, not a single byte
    // And the first request again, now from the cache, equals its cold run.
    const EditResult again = warm.engine.edit(first);
    CHECK(cached(again));
    CHECK(again.image.pixels == a.image.pixels);
}

TEST_CASE("the inversion cache is dropped by a change of picture, prompt, steps or model", "[engine][passes]") {
    LoadedEngine e;
    const EditRequest base = request();
    CHECK_FALSE(cached(e.engine.edit(base)));
    CHECK(cached(e.engine.edit(base)));

    EditRequest otherPicture = base;
    otherPicture.image = test::discScene(64, 48, 31);  // the disc one shade redder
    CHECK_FALSE(cached(e.engine.edit(otherPicture)));
    EditRequest otherPrompt = base;
    otherPrompt.parameters.prompt = "a horse";
    CHECK_FALSE(cached(e.engine.edit(otherPrompt)));
    EditRequest otherSteps = base;
    otherSteps.parameters.steps = 12;
    CHECK_FALSE(cached(e.engine.edit(otherSteps)));
    EditRequest otherPrompt2 = base;
    otherPrompt2.parameters.prompt = "a cow";
    CHECK_FALSE(cached(e.engine.edit(otherPrompt2)));
    // Two trajectories are kept: the newest two answer, the older ones were evicted.
    CHECK(cached(e.engine.edit(otherPrompt2)));
    CHECK(cached(e.engine.edit(otherSteps)));
    CHECK_FALSE(cached(e.engine.edit(base)));

    e.engine.loadModel(test::goldenSpec());  // the same model again: a new model all the same
    CHECK_FALSE(cached(e.engine.edit(base)));
}

TEST_CASE("the strength says how far the kept trajectory goes: a lower one is served, a higher one carried on",
          "[engine][passes]") {
    LoadedEngine e;
    const EditRequest base = request();  // 10 steps, strength 0.6: 6 inverted steps
    CHECK_FALSE(cached(e.engine.edit(base)));
    EditRequest lower = base;
    lower.parameters.strength = 0.4;
    CHECK(cached(e.engine.edit(lower)));
    EditRequest higher = base;
    higher.parameters.strength = 0.8;
    const EditResult carried = e.engine.edit(higher);
    CHECK(count(carried, "inversion_cached") == 0);
    CHECK(count(carried, "vae_encodes") == 0);
    CHECK(count(carried, "inversion.unet_forwards") == 2);  // steps 7 and 8 only
    // The same bytes as a fresh engine's inversion from the start.
    LoadedEngine fresh;
    CHECK(fresh.engine.edit(higher).image.pixels == carried.image.pixels);
    CHECK(cached(e.engine.edit(higher)));
    CHECK(cached(e.engine.edit(base)));  // the longer trajectory replaced the shorter one
}

TEST_CASE("prepareInversion computes what the edit starts from, cancelled, it keeps nothing", "[engine][passes]") {
    LoadedEngine e;
    const EditRequest req = request();
    std::vector<std::string> phases;
    CHECK(e.engine.prepareInversion(req.image, req.parameters, nullptr,
                                    [&](const EditProgress& p) { phases.push_back(p.phase); }));
    REQUIRE(!phases.empty());
    CHECK(phases.front() == "encoding");
    CHECK(phases.back() == "inversion");
    CHECK_FALSE(e.engine.prepareInversion(req.image, req.parameters));  // already there
    EditParameters pointsOnly = req.parameters;
    pointsOnly.guidanceWeight = 10;  // not part of the trajectory
    CHECK_FALSE(e.engine.prepareInversion(req.image, pointsOnly));
    const EditResult r = e.engine.edit(req);
    CHECK(cached(r));

    // Cancelled in the middle of the inversion: Cancelled, and the next call computes it all.
    EditParameters other = req.parameters;
    other.strength = 0.8;
    std::atomic<bool> cancel{false};
    CHECK_THROWS_AS(e.engine.prepareInversion(req.image, other, &cancel,
                                              [&](const EditProgress& p) {
                                                  if (p.phase == "inversion" && p.step == 2) cancel = true;
                                              }),
                    Cancelled);
    CHECK(e.engine.prepareInversion(req.image, other));
    CHECK_THROWS_AS(e.engine.prepareInversion(req.image, EditParameters{}, &cancel), Cancelled);  // set before

    CHECK_THROWS_AS(e.engine.prepareInversion(RgbaImage(), req.parameters), InvalidRequest);
    EditParameters bad = req.parameters;
    bad.steps = 0;
    CHECK_THROWS_AS(e.engine.prepareInversion(req.image, bad), InvalidRequest);
    Engine empty;
    CHECK_THROWS_AS(empty.prepareInversion(req.image, req.parameters), InvalidRequest);
}

TEST_CASE("InversionCache keeps the newest two trajectories and counts their bytes", "[unit][passes]") {
    using drag::InversionCache;
    using drag::InversionKey;
    auto entry = [](int latents) {
        auto v = std::make_shared<drag::InvertedImage>();
        v->z0 = at::zeros({1, 4, 8, 8});
        for (int i = 0; i <= latents; ++i) v->inversion.latents.push_back(at::zeros({1, 4, 8, 8}));
        return std::shared_ptr<const drag::InvertedImage>(v);
    };
    auto key = [](int steps, uint8_t pixel) {
        InversionKey k;
        k.steps = steps;
        k.width = 2;
        k.height = 1;
        k.rgb = {pixel, 0, 0, 0, 0, 0};
        return k;
    };
    InversionCache cache;
    CHECK(cache.find(key(50, 1)) == nullptr);
    cache.store(key(50, 1), entry(3));
    CHECK(cache.bytes() == 6 + 5 * 4 * 8 * 8 * 4);
    CHECK(cache.find(key(50, 1)) != nullptr);
    CHECK(cache.find(key(50, 2)) == nullptr);  // one byte of the picture differs
    CHECK(cache.find(key(40, 1)) == nullptr);
    cache.store(key(50, 2), entry(3));
    CHECK(cache.find(key(50, 1)) != nullptr);  // now the newest
    cache.store(key(40, 1), entry(3));         // evicts (50, 2)
    CHECK(cache.size() == InversionCache::kCapacity);
    CHECK(cache.find(key(50, 2)) == nullptr);
    CHECK(cache.find(key(50, 1)) != nullptr);
    CHECK(cache.find(key(40, 1)) != nullptr);
    cache.clear();
    CHECK(cache.size() == 0);
    CHECK(cache.bytes() == 0);
}
