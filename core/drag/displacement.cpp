#include "drag/displacement.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace dragdiff::drag {
namespace {

// A latent map is upsampled this much before its distance transform, so a handle's depth inside a
// part of a few latent pixels is not rounded to whole pixels.
constexpr int kDepthUpsample = 4;
// Pairs whose parts share this fraction of the smaller part carry one part together.
constexpr double kSamePartOverlap = 0.5;
// Fixed-point iterations that invert a reshape field (damped: converges while it does not fold).
constexpr int kInversionIterations = 12;

struct Coordinates {
    at::Tensor x, y;  // [h, w] pixel centres (i + 0.5), continuous latent coordinates
};

Coordinates pixelCentres(int64_t h, int64_t w, const at::TensorOptions& o) {
    at::Tensor xs = at::arange(w, o) + 0.5, ys = at::arange(h, o) + 0.5;
    return {xs.view({1, w}).expand({h, w}).contiguous(), ys.view({h, 1}).expand({h, w}).contiguous()};
}

// Continuous source positions -> grid_sampler's normalised grid [1, h, w, 2] (align_corners=false).
at::Tensor toGrid(const at::Tensor& sx, const at::Tensor& sy) {
    const int64_t h = sx.size(0), w = sx.size(1);
    return at::stack({sx / double(w) * 2 - 1, sy / double(h) * 2 - 1}, -1).unsqueeze(0);
}

cv::Mat toMat(const at::Tensor& map) {
    at::Tensor m = map.detach().to(at::kCPU, at::kFloat).contiguous();
    return cv::Mat(int(m.size(0)), int(m.size(1)), CV_32FC1, m.data_ptr<float>()).clone();
}

// Enough of one side of the picture: a structure continuing beyond the view, not an object
// whose grown outline grazes the edge.
bool touchesBorder(const cv::Mat& part) {
    auto covered = [](const cv::Mat& line) { return cv::countNonZero(line > 0.5); };
    const int needRows = std::max(2, part.cols / 10), needCols = std::max(2, part.rows / 10);
    return covered(part.row(0)) >= needRows || covered(part.row(part.rows - 1)) >= needRows ||
           covered(part.col(0)) >= needCols || covered(part.col(part.cols - 1)) >= needCols;
}

// The handle's distance to the part's edge over the part's deepest point's, in [0, 1].
double relativeDepth(const cv::Mat& part, PointF handle) {
    cv::Mat big, binary, padded, distance;
    cv::resize(part, big, cv::Size(part.cols * kDepthUpsample, part.rows * kDepthUpsample), 0, 0, cv::INTER_LINEAR);
    binary = big > 0.5;
    // The picture's border is not an edge of the part: a structure continues beyond it.
    cv::copyMakeBorder(binary, padded, 1, 1, 1, 1, cv::BORDER_REPLICATE);
    cv::distanceTransform(padded, distance, cv::DIST_L2, cv::DIST_MASK_PRECISE);
    distance = distance(cv::Rect(1, 1, binary.cols, binary.rows));
    double deepest = 0;
    cv::minMaxLoc(distance, nullptr, &deepest);
    if (deepest <= 0) return 0;
    const int x = std::clamp(int(handle.x * kDepthUpsample), 0, distance.cols - 1);
    const int y = std::clamp(int(handle.y * kDepthUpsample), 0, distance.rows - 1);
    return distance.at<float>(y, x) / deepest;
}

PartWarp translation(const at::Tensor& part, PointF offset) {
    const Coordinates c = pixelCentres(part.size(0), part.size(1), part.options());
    PartWarp warp;
    warp.grid = toGrid(c.x - offset.x, c.y - offset.y);
    return warp;
}

// The reshape of one pair (see the header): a weight in [0, 1] per position times the drag.
PartWarp reshape(const at::Tensor& part, PointF handle, PointF target, const EditParameters& params) {
    const at::TensorOptions o = part.options();
    const Coordinates c = pixelCentres(part.size(0), part.size(1), o);
    const double dx = target.x - handle.x, dy = target.y - handle.y, length = std::hypot(dx, dy);
    const double ux = dx / length, uy = dy / length;
    const at::Tensor inside = part > 0.5;
    const at::Tensor along = (c.x - handle.x) * ux + (c.y - handle.y) * uy;
    double behind = 0, ahead = 0;  // the part's extent along the drag from the handle
    if (inside.any().item<bool>()) {
        behind = std::max(0.0, -along.masked_select(inside).min().item<double>());
        ahead = std::max(0.0, along.masked_select(inside).max().item<double>());
    }
    // The far end along the drag axis stays; the displacement ramps up to the handle.
    const bool fixedBehind = behind >= ahead;
    const double depth = std::max(1.0, fixedBehind ? behind : ahead);
    const bool lateralFalloff = touchesBorder(toMat(part));
    const double sigma = std::max(1.0, params.reshapeFalloff * depth);
    auto weight = [&](const at::Tensor& x, const at::Tensor& y) {
        const at::Tensor s = (x - handle.x) * ux + (y - handle.y) * uy;
        at::Tensor w = fixedBehind ? ((s + depth) / depth).clamp(0, 1) : ((depth - s) / depth).clamp(0, 1);
        if (lateralFalloff) {
            const at::Tensor t = (x - handle.x) * -uy + (y - handle.y) * ux;
            w = w * at::exp(-(t * t) / (2 * sigma * sigma));
        }
        return w;
    };
    // Output q reads the source p with p + weight(p) D = q.
    at::Tensor px = c.x.clone(), py = c.y.clone();
    for (int k = 0; k < kInversionIterations; ++k) {
        const at::Tensor wgt = weight(px, py);
        px = 0.5 * px + 0.5 * (c.x - wgt * dx);
        py = 0.5 * py + 0.5 * (c.y - wgt * dy);
    }
    PartWarp warp;
    warp.grid = toGrid(px, py);
    return warp;
}

// Least-squares transform q = A p + b carrying `from` to `to`: similarity for two points, affine
// for three or more. Returns false when the points are degenerate (coincident or collinear).
bool fitTransform(const std::vector<PointF>& from, const std::vector<PointF>& to, double A[2][2], double b[2]) {
    const size_t n = from.size();
    double mfx = 0, mfy = 0, mtx = 0, mty = 0;
    for (size_t i = 0; i < n; ++i) mfx += from[i].x, mfy += from[i].y, mtx += to[i].x, mty += to[i].y;
    mfx /= double(n), mfy /= double(n), mtx /= double(n), mty /= double(n);
    if (n == 2) {
        // q - mt = [a -c; c a] (p - mf)
        double num_a = 0, num_c = 0, den = 0;
        for (size_t i = 0; i < n; ++i) {
            const double px = from[i].x - mfx, py = from[i].y - mfy, qx = to[i].x - mtx, qy = to[i].y - mty;
            num_a += px * qx + py * qy;
            num_c += px * qy - py * qx;
            den += px * px + py * py;
        }
        if (den < 1e-6) return false;
        A[0][0] = num_a / den, A[0][1] = -num_c / den, A[1][0] = num_c / den, A[1][1] = num_a / den;
    } else {
        double sxx = 0, sxy = 0, syy = 0, qxpx = 0, qxpy = 0, qypx = 0, qypy = 0;
        for (size_t i = 0; i < n; ++i) {
            const double px = from[i].x - mfx, py = from[i].y - mfy, qx = to[i].x - mtx, qy = to[i].y - mty;
            sxx += px * px, sxy += px * py, syy += py * py;
            qxpx += qx * px, qxpy += qx * py, qypx += qy * px, qypy += qy * py;
        }
        const double det = sxx * syy - sxy * sxy;
        if (std::abs(det) < 1e-6) return false;
        const double i00 = syy / det, i01 = -sxy / det, i11 = sxx / det;
        A[0][0] = qxpx * i00 + qxpy * i01, A[0][1] = qxpx * i01 + qxpy * i11;
        A[1][0] = qypx * i00 + qypy * i01, A[1][1] = qypx * i01 + qypy * i11;
    }
    b[0] = mtx - (A[0][0] * mfx + A[0][1] * mfy);
    b[1] = mty - (A[1][0] * mfx + A[1][1] * mfy);
    return true;
}

PartWarp transform(const at::Tensor& part, const std::vector<PointF>& handles, const std::vector<PointF>& targets) {
    double A[2][2], b[2];
    const double det = fitTransform(handles, targets, A, b) ? A[0][0] * A[1][1] - A[0][1] * A[1][0] : 0;
    if (std::abs(det) < 1e-3) {
        // Degenerate pairs (all handles on one point or line): the mean drag, whole.
        PointF mean{0, 0};
        for (size_t i = 0; i < handles.size(); ++i) mean.x += targets[i].x - handles[i].x, mean.y += targets[i].y - handles[i].y;
        return translation(part, {mean.x / double(handles.size()), mean.y / double(handles.size())});
    }
    const Coordinates c = pixelCentres(part.size(0), part.size(1), part.options());
    const at::Tensor qx = c.x - b[0], qy = c.y - b[1];
    PartWarp warp;
    warp.grid = toGrid((A[1][1] * qx - A[0][1] * qy) / det, (-A[1][0] * qx + A[0][0] * qy) / det);
    return warp;
}

std::vector<std::vector<size_t>> groupPairs(const std::vector<at::Tensor>& parts) {
    const size_t n = parts.size();
    std::vector<size_t> root(n);
    std::iota(root.begin(), root.end(), size_t(0));
    auto find = [&](size_t i) {
        while (root[i] != i) i = root[i] = root[root[i]];
        return i;
    };
    for (size_t i = 0; i < n; ++i)
        for (size_t j = i + 1; j < n; ++j) {
            const double common = (parts[i] * parts[j]).sum().item<double>();
            const double smaller = std::min(parts[i].sum().item<double>(), parts[j].sum().item<double>());
            if (smaller > 0 && common >= kSamePartOverlap * smaller) root[find(j)] = find(i);
        }
    std::vector<std::vector<size_t>> groups;
    std::vector<int> groupOf(n, -1);
    for (size_t i = 0; i < n; ++i) {
        const size_t r = find(i);
        if (groupOf[r] < 0) {
            groupOf[r] = int(groups.size());
            groups.emplace_back();
        }
        groups[size_t(groupOf[r])].push_back(i);
    }
    return groups;
}

}  // namespace

at::Tensor warpThrough(const at::Tensor& z, const at::Tensor& grid) {
    const at::Tensor g = grid.to(z.scalar_type()).expand({z.size(0), grid.size(1), grid.size(2), 2});
    return at::grid_sampler(z, g, /*bilinear*/ 0, /*zeros*/ 0, /*align_corners=*/false);
}

DragMode resolveMode(const at::Tensor& part, PointF handle, DragMode requested, const EditParameters& params) {
    if (requested != DragMode::Auto) return requested;
    const cv::Mat m = toMat(part);
    if (touchesBorder(m)) return DragMode::Reshape;
    return relativeDepth(m, handle) < params.reshapeEdgeDepth ? DragMode::Reshape : DragMode::Move;
}

std::vector<PartWarp> buildPartWarps(const std::vector<at::Tensor>& parts, const DragGeometry& geo,
                                     const std::vector<DragMode>& modes, const EditParameters& params) {
    std::vector<PartWarp> warps;
    for (const std::vector<size_t>& group : groupPairs(parts)) {
        at::Tensor part = parts[group[0]];
        for (size_t i : group) part = at::maximum(part, parts[i]);
        PartWarp warp;
        if (group.size() == 1) {
            const size_t i = group[0];
            warp = modes[i] == DragMode::Reshape
                       ? reshape(part, geo.handles[i], geo.targets[i], params)
                       : translation(part, {geo.targets[i].x - geo.handles[i].x, geo.targets[i].y - geo.handles[i].y});
            warp.mode = modes[i];
        } else {
            std::vector<PointF> from, to;
            for (size_t i : group) from.push_back(geo.handles[i]), to.push_back(geo.targets[i]);
            warp = transform(part, from, to);
            warp.mode = DragMode::Reshape;
        }
        warp.part = part;
        warp.pairs = group;
        const int64_t h = part.size(0), w = part.size(1);
        warp.destination = warpThrough(part.view({1, 1, h, w}), warp.grid).view({h, w});
        warps.push_back(std::move(warp));
    }
    return warps;
}

}  // namespace dragdiff::drag
