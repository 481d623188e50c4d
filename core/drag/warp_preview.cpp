#include "drag/warp_preview.h"

#include "drag/hole_fill.h"
#include "drag/latent_ops.h"
#include "dragdiff/error.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>

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

at::Tensor warpGridAt(const PartWarp& warp, int64_t H, int64_t W) {
    const at::Tensor grid = warp.boundary ? pixelGridOf(*warp.boundary) : warp.grid.detach().to(at::kCPU, at::kFloat);
    if (grid.size(1) == H && grid.size(2) == W) return grid;
    return at::upsample_bilinear2d(grid.permute({0, 3, 1, 2}), {H, W}, false).permute({0, 2, 3, 1});
}

namespace {

at::Tensor upsampled(const at::Tensor& map, int64_t H, int64_t W) {  // [h, w] latent -> [1, 1, H, W]
    const at::Tensor m = map.detach().to(at::kCPU, at::kFloat);
    return at::upsample_bilinear2d(m.view({1, 1, m.size(0), m.size(1)}), {H, W}, false);
}

at::Tensor userLimit(const PartMove& move, int64_t H, int64_t W) {
    return move.userMask.defined() ? upsampled(move.userMask, H, W) : at::ones({1, 1, H, W});
}

// The object's outline [1, 1, H, W], softened by about a pixel like the picture's own anti-aliasing.
at::Tensor softened(const cv::Mat& pixels) {
    cv::Mat f;
    pixels.convertTo(f, CV_32F);
    cv::GaussianBlur(f, f, cv::Size(0, 0), 0.7);
    return at::from_blob(f.data, {1, 1, f.rows, f.cols}, at::kFloat).clone();
}

// Where an object with known pixels was and is not any more (within the user's mask), CV_8UC1.
cv::Mat leftBehind(const PartMove& move, int64_t H, int64_t W) {
    const at::Tensor limit = userLimit(move, H, W);
    cv::Mat holes = cv::Mat::zeros(int(H), int(W), CV_8UC1);
    for (const PartWarp& warp : move.warps) {
        if (warp.pixels.empty() || warp.boundary) continue;  // a pushed edge resamples all its zone
        cv::Mat left = warp.pixels & binaryMat(warpThrough(softened(warp.pixels), warpGridAt(warp, H, W)) < 0.5);
        left &= binaryMat(limit >= 0.5);
        if (!warp.stays.empty()) left &= warp.stays == 0;
        holes |= left;
    }
    return holes;
}

}  // namespace

cv::Mat carryPixels(const cv::Mat& base, const WorkingImage& work, const PartMove& move, int latentScale) {
    const int64_t H = work.rgb.rows, W = work.rgb.cols;
    const at::Tensor original = toTensor(work.rgb), limit = userLimit(move, H, W);
    const cv::Mat holes = leftBehind(move, H, W);
    at::Tensor out = toTensor(fillThinHoles(base, holes, double(latentScale)));
    for (const PartWarp& warp : move.warps) {
        if (warp.stays.empty()) continue;
        const at::Tensor m = softened(warp.stays) * limit;
        out = out * (1 - m) + original * m;
    }
    for (const PartWarp& warp : move.warps) {
        const at::Tensor grid = warpGridAt(warp, H, W);
        at::Tensor carried;
        if (warp.boundary) {
            const at::Tensor m = softened(warp.pixels) * limit;
            out = out * (1 - m) + warpThrough(original, grid) * m;
            continue;
        }
        // A reshaped object stays partly where it was (a stretch's far end, a bend's body): its
        // own anti-aliased rim, carried a pixel past the region, already holds the right blend,
        // where the softened region's rim blended it with what lies under it (the decoder's
        // output or the fill: an edge a pixel off, a fifth of a short drag). By the drag bench,
        // whole method, 100 cases of each kind, seeds 1-3: 409/412/400 -> 425/421/409 of 500
        // (stretch 85/77/77 -> 92/84/84, bend 82/81/83 -> 85/81/85, multi 84/89/84 -> 90/91/84;
        // move and peak unchanged).
        if (warp.pixels.empty()) {
            carried = upsampled(warp.part, H, W);
        } else if (warp.mode == DragMode::Reshape) {
            cv::Mat rimmed;
            cv::dilate(warp.pixels, rimmed, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(3, 3)));
            carried = softened(rimmed);
        } else {
            carried = softened(warp.pixels);
        }
        const at::Tensor m = warpThrough(carried, grid) * limit;
        out = out * (1 - m) + warpThrough(original, grid) * m;
    }
    return toMat(out.clamp(0, 1));
}

cv::Mat removeGhosts(const cv::Mat& decoded, const WorkingImage& work, const PartMove& move, int margin) {
    const int64_t H = work.rgb.rows, W = work.rgb.cols;
    cv::Mat objects = cv::Mat::zeros(int(H), int(W), CV_8UC1);
    for (const PartWarp& warp : move.warps)
        if (!warp.pixels.empty() && !warp.boundary) objects |= warp.pixels;
    if (cv::countNonZero(objects) == 0) return decoded.clone();
    // What lies behind, from the picture itself (the decoder's surroundings of the place carry the
    // object's colour too). The decoder spreads the object past its outline: its old place is
    // cleaned as far as the composite shows the decoder there (carriedFootprint's margin), where
    // it lands included: its own pixels are pasted there afterwards, and under their soft rim the
    // decoder's copy was a halo. (Sparing the landing place, or a reshaped object's only, lost
    // most of the gain on the drag bench.)
    cv::Mat hidden, rimmed;
    cv::dilate(objects, hidden, cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(5, 5)));
    cv::dilate(objects, rimmed, cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * margin + 3, 2 * margin + 3)));
    rimmed &= binaryMat(userLimit(move, H, W) >= 0.5);
    return removeObjectTint(decoded, rimmed, objectPalette(work.rgb, objects), fillHoles(work.rgb, hidden, 3.0));
}

int seamMargin(int latentScale) { return std::max(2, latentScale / 2); }

cv::Mat carriedFootprint(const PartMove& move, cv::Size size, int margin) {
    const int64_t H = size.height, W = size.width;
    // Where an object was, the seam is grown by `margin` (the model fills what it leaves); where it
    // lands, by a pixel for its anti-aliased rim only: around it the picture's own pixels are the
    // right background, and the decoder's there showed a halo (a star moved and stretched).
    cv::Mat left = cv::Mat::zeros(size, CV_8UC1), lands = cv::Mat::zeros(size, CV_8UC1);
    for (const PartWarp& warp : move.warps) {
        if (warp.pixels.empty()) continue;
        const cv::Mat landing = binaryMat(warpThrough(softened(warp.pixels), warpGridAt(warp, H, W)) >= 0.25);
        left |= warp.pixels;
        (warp.boundary ? left : lands) |= landing;  // a pushed edge's zone is resampled, seams and all
    }
    cv::Mat both;
    cv::dilate(left, both, cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * margin + 1, 2 * margin + 1)));
    cv::dilate(lands, lands, cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(3, 3)));
    both |= lands;
    const at::Tensor region = (softened(both) * userLimit(move, H, W)).clamp(0, 1).contiguous();
    return cv::Mat(int(H), int(W), CV_32FC1, region.data_ptr<float>()).clone();
}

RgbaImage warpPicture(const WorkingImage& work, const PartMove& move, int latentScale) {
    const int64_t H = work.rgb.rows, W = work.rgb.cols;
    // The area the parts leave, filled from the picture around it: estimated at latent size (a
    // blur that wide at full size would cost more than the rest), then upsampled.
    cv::Mat small;
    cv::resize(work.rgb, small, cv::Size(int(W / latentScale), int(H / latentScale)), 0, 0, cv::INTER_AREA);
    const at::Tensor source = move.source.detach().to(at::kCPU, at::kFloat);
    const at::Tensor background =
        at::upsample_bilinear2d(backgroundEstimate(toTensor(small), 1 - source, /*sigma=*/2.0), {H, W}, false);
    // The latent parts' vacated area is coarse: where the object's own pixels are known, what
    // they leave is filled too (else a short drag's preview shows the object twice).
    const at::Tensor vacated = at::maximum(upsampled((move.source * (1 - move.destination)).clamp(0, 1), H, W),
                                           softened(leftBehind(move, H, W))) *
                               userLimit(move, H, W);
    const at::Tensor filled = toTensor(work.rgb) * (1 - vacated) + background * vacated;
    return workingPreview(work, carryPixels(toMat(filled), work, move, latentScale));
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
    const PartMove move = identifyParts(heats, geo, params, userMask, requested, work.rgb, latentScale);
    return {warpPicture(work, move, latentScale), move.modes};
}

}  // namespace dragdiff::drag
