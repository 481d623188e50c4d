#include "drag/warp_preview.h"

#include "drag/latent_ops.h"
#include "dragdiff/error.h"

#include <opencv2/imgproc.hpp>

namespace dragdiff::drag {
namespace {

at::Tensor toTensor(const cv::Mat& rgb) {  // CV_32FC3 -> [1, 3, H, W]
    return at::from_blob(rgb.data, {rgb.rows, rgb.cols, 3}, at::kFloat).permute({2, 0, 1}).unsqueeze(0).clone();
}

cv::Mat toMat(const at::Tensor& image) {  // [1, 3, H, W] -> CV_32FC3
    at::Tensor hwc = image[0].permute({1, 2, 0}).contiguous();
    return cv::Mat(int(hwc.size(0)), int(hwc.size(1)), CV_32FC3, hwc.data_ptr<float>()).clone();
}

}  // namespace

RgbaImage warpPicture(const WorkingImage& work, const PartMove& move, int latentScale) {
    const int64_t H = work.rgb.rows, W = work.rgb.cols;
    const at::Tensor original = toTensor(work.rgb);
    auto up = [&](const at::Tensor& map) {  // [h, w] latent -> [1, 1, H, W]
        const at::Tensor m = map.detach().to(at::kCPU, at::kFloat);
        return at::upsample_bilinear2d(m.view({1, 1, m.size(0), m.size(1)}), {H, W}, false);
    };
    const at::Tensor limit = move.userMask.defined() ? up(move.userMask) : at::ones({1, 1, H, W});

    // The area the parts leave, filled from the picture around it: estimated at latent size (a
    // blur that wide at full size would cost more than the rest), then upsampled.
    cv::Mat small;
    cv::resize(work.rgb, small, cv::Size(int(W / latentScale), int(H / latentScale)), 0, 0, cv::INTER_AREA);
    const at::Tensor source = move.source.detach().to(at::kCPU, at::kFloat);
    const at::Tensor background =
        at::upsample_bilinear2d(backgroundEstimate(toTensor(small), 1 - source, /*sigma=*/2.0), {H, W}, false);
    const at::Tensor vacated = up((move.source * (1 - move.destination)).clamp(0, 1)) * limit;
    at::Tensor out = original * (1 - vacated) + background * vacated;

    for (const PartWarp& warp : move.warps) {
        const at::Tensor grid = at::upsample_bilinear2d(warp.grid.detach().to(at::kCPU, at::kFloat).permute({0, 3, 1, 2}),
                                                        {H, W}, false)
                                    .permute({0, 2, 3, 1});
        const at::Tensor moved = warpThrough(original, grid);
        const at::Tensor m = warpThrough(up(warp.part), grid) * limit;
        out = out * (1 - m) + moved * m;
    }
    return workingPreview(work, toMat(out.clamp(0, 1)));
}

WarpPreview previewWarp(const FeatureCache& features, const WorkingImage& work, int latentScale,
                        const std::vector<DragPair>& drags, const Mask& mask, const EditParameters& params) {
    if (drags.empty()) throw InvalidRequest("add a handle/target pair to preview its warp");
    auto inside = [&](PointF p) { return p.x >= 0 && p.y >= 0 && p.x <= work.original.width && p.y <= work.original.height; };
    const HeatmapSettings settings = HeatmapSettings::from(params);
    const at::Device device = features.features().device();
    at::Tensor userMask;
    if (!mask.empty()) {
        if (mask.width != work.original.width || mask.height != work.original.height)
            throw InvalidRequest("the mask is " + std::to_string(mask.width) + "x" + std::to_string(mask.height) +
                                 " but the picture is " + std::to_string(work.original.width) + "x" +
                                 std::to_string(work.original.height));
        userMask = maskToLatent(mask, work.content, work.rgb.size(), latentScale, device);
    }
    DragGeometry geo;
    std::vector<at::Tensor> heats;
    std::vector<DragMode> requested;
    for (const DragPair& d : drags) {
        if (!inside(d.handle) || !inside(d.target)) throw InvalidRequest("a point of the pair is outside the picture");
        const PointF h = work.toWorking(d.handle), t = work.toWorking(d.target);
        geo.handles.push_back({h.x / latentScale, h.y / latentScale});
        geo.targets.push_back({t.x / latentScale, t.y / latentScale});
        at::Tensor heat = features.heatmap(geo.handles.back(), settings);
        if (userMask.defined()) heat = heat * userMask;
        heats.push_back(heat);
        requested.push_back(d.mode);
    }
    const PartMove move = identifyParts(heats, geo, params, userMask, requested);
    return {warpPicture(work, move, latentScale), move.modes};
}

}  // namespace dragdiff::drag
