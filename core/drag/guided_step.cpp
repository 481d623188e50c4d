#include "drag/guided_step.h"

#include "drag/energies.h"
#include "dragdiff/error.h"

#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <algorithm>
#include <cmath>

namespace dragdiff::drag {
namespace {

at::Tensor readoutOf(const at::Tensor& moveEnergy, const at::Tensor& appearanceEnergy,
                     const std::vector<at::Tensor>& centroids) {
    std::vector<at::Tensor> parts{moveEnergy.detach().to(at::kDouble).view({1}),
                                  appearanceEnergy.detach().to(at::kDouble).view({1})};
    for (const at::Tensor& c : centroids) parts.push_back(c.detach().to(at::kDouble).view({2}));
    return at::cat(parts);
}

// The appearance energy between the current features and the original branch's.
at::Tensor appearanceTerm(const EditContext& c, const models::UNetOutput& out, const at::Tensor& feat,
                          const at::Tensor& origFeat, const at::Tensor& original, int64_t t) {
    if (c.params.appearanceLoss != "l1") return appearanceEnergyMse(feat, origFeat);
    at::Tensor app = appearanceEnergyL1(feat, origFeat);
    const int next = c.featureBlock + 1;
    if (next < static_cast<int>(c.p.unet->numUpBlocks())) {
        // The reference compares two consecutive up-blocks' means.
        at::Tensor current = resizeFeatures(out.upBlockOutputs[next], c.h, c.w);
        at::Tensor before;
        {
            at::NoGradGuard noGrad;
            models::UNetForwardOptions o;
            o.stopAfterUpBlock = next;
            c.passes.partialForward(phase::kOriginalFeatures);
            before = resizeFeatures(c.p.unet->forward(original, c.timestep(t), c.context, o).upBlockOutputs[next], c.h, c.w);
        }
        app = app + appearanceEnergyL1(current, before);
    }
    return app;
}

}  // namespace

StepPrediction guidedPrediction(const EditContext& c, const at::Tensor& zIn, int64_t t, double alphaT,
                                const at::Tensor& original, const DragGeometry& geo,
                                const models::SelfAttentionKVHook& hook, const std::atomic<bool>* cancel) {
    const EditParameters& prm = c.params;
    const at::Tensor origFeat = c.features(original, t, phase::kOriginalFeatures);
    const at::Tensor origMean = origFeat[0].mean({1, 2});
    std::vector<at::Tensor> queries, origHeats;
    for (size_t i = 0; i < geo.size(); ++i) {
        queries.push_back(sampleFeature(origFeat, geo.handles[i]));
        origHeats.push_back(c.heatmap(origFeat, queries[i], origMean));
    }
    StepPrediction r;
    r.z = zIn;
    for (int it = 0; it < prm.gradientIterations; ++it) {
        if (cancel && cancel->load()) throw Cancelled();
        at::AutoGradMode enable(true);
        at::Tensor zg = r.z.detach().requires_grad_(true);
        models::UNetForwardOptions o;
        o.returnUpBlockOutputs = true;
        o.selfAttentionHook = hook;
        // The energies read up_blocks[k] (and k + 1 for the L1 appearance); ε is used detached, so
        // nothing after them needs a graph.
        const int numUp = static_cast<int>(c.p.unet->numUpBlocks());
        o.gradientUpToUpBlock = std::min(numUp - 1, c.featureBlock + (prm.appearanceLoss == "l1" ? 1 : 0));
        o.checkpointUpBlocks = prm.checkpointUpBlocks;
        c.passes.forward(phase::kGuidedSteps);
        const models::UNetOutput out = c.p.unet->forward(zg, c.timestep(t), c.context, o);
        const at::Tensor eps = c.epsilon(out.sample, zg, t);
        const at::Tensor feat = resizeFeatures(out.upBlockOutputs[c.featureBlock], c.h, c.w);
        at::Tensor energy = at::zeros({}, zg.options());
        at::Tensor moveSum = at::zeros({}, zg.options());
        std::vector<at::Tensor> centroids;
        for (size_t i = 0; i < geo.size(); ++i) {
            const at::Tensor heat = c.heatmap(feat, queries[i], origMean);
            const at::Tensor centroid = softCentroid(heat);
            centroids.push_back(centroid);
            moveSum = moveSum + moveEnergy(centroid, geo.targetsNormalized[int64_t(i)], prm.distanceScaledMove);
            if (prm.objectAppearanceWeight > 0)
                energy = energy + prm.objectAppearanceWeight * objectAppearanceEnergy(feat, heat, origFeat, origHeats[i]);
            if (prm.objectSizeWeight > 0) energy = energy + prm.objectSizeWeight * objectSizeEnergy(heat, origHeats[i]);
        }
        const at::Tensor app = appearanceTerm(c, out, feat, origFeat, original, t);
        energy = energy + prm.moveWeight * moveSum + prm.appearanceWeight * app;
        r.readout = readoutOf(moveSum, app, centroids);
        c.passes.backward(phase::kGuidedSteps);
        const at::Tensor g = torch::autograd::grad({energy}, {zg}, {}, /*retain_graph=*/false)[0];
        at::Tensor shift = prm.guidanceWeight * std::sqrt(1.0 - alphaT) * g;
        if (prm.guidanceCap > 0) shift = shift.clamp(-prm.guidanceCap, prm.guidanceCap);
        r.eps = eps.detach() + shift;
        if (it + 1 < prm.gradientIterations) {
            // Another iteration: move z_t along the direction the guided ε implies for x0, then
            // evaluate the gradient again there.
            r.z = r.z - std::sqrt(1.0 - alphaT) * shift.detach();
        }
    }
    return r;
}

StepPrediction plainPrediction(const EditContext& c, const at::Tensor& z, int64_t t, const DragGeometry& geo,
                               const std::vector<at::Tensor>& queries, const at::Tensor& queryMean,
                               const models::SelfAttentionKVHook& hook) {
    at::NoGradGuard noGrad;
    models::UNetForwardOptions o;
    o.returnUpBlockOutputs = true;
    o.selfAttentionHook = hook;
    c.passes.forward(phase::kPlainSteps);
    const models::UNetOutput out = c.p.unet->forward(z, c.timestep(t), c.context, o);
    StepPrediction r;
    r.z = z;
    r.eps = c.epsilon(out.sample, z, t);
    const at::Tensor feat = resizeFeatures(out.upBlockOutputs[c.featureBlock], c.h, c.w);
    at::Tensor moveSum = at::zeros({}, z.options());
    std::vector<at::Tensor> centroids;
    for (size_t i = 0; i < geo.size(); ++i) {
        centroids.push_back(softCentroid(c.heatmap(feat, queries[i], queryMean)));
        moveSum = moveSum + moveEnergy(centroids.back(), geo.targetsNormalized[int64_t(i)], false);
    }
    r.readout = readoutOf(moveSum, at::zeros({}, z.options()), centroids);
    return r;
}

StepReadout readStep(const StepPrediction& step, const at::Tensor& latentAfter) {
    const at::Tensor finite = at::isfinite(latentAfter).all().to(at::kDouble).view({1});
    const at::Tensor host = at::cat({step.readout, finite}).to(at::kCPU).contiguous();
    const double* v = host.data_ptr<double>();
    const int64_t n = host.numel();
    StepReadout r;
    r.moveEnergy = v[0];
    r.appearanceEnergy = v[1];
    for (int64_t i = 2; i + 1 < n - 1; i += 2) r.centroids.push_back({v[i], v[i + 1]});
    r.latentFinite = v[n - 1] != 0;
    return r;
}

}  // namespace dragdiff::drag
