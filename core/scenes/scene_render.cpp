// Objects onto the supersampled background, then the box-filter down and the ground truth.
#include "scenes/scene_render.h"

#include "dragdiff/error.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <string>

namespace dragdiff::scenes {
namespace {

// fillPoly's sub-pixel vertices: 4 fractional bits.
constexpr int kShiftBits = 4;
constexpr double kFixedOne = 1 << kShiftBits;
// Dark rim just inside the outline (normalised width): gives each object a crisp edge at 64 px.
constexpr float kRimWidth = 0.012f;
// Strength of the directional shading across an object (brighter towards the light).
constexpr float kShadeStrength = 0.22f;

float fract(float v) { return v - std::floor(v); }

struct ObjectRaster {
    cv::Rect roi;      // on the canvas, aligned to kSupersample
    cv::Mat mask;      // CV_8UC1 over roi, 255 inside
};

// The object's hard-edged footprint on the canvas. `centre` is in canvas pixels (continuous: pixel
// i spans [i, i+1)); the ROI is aligned to whole output pixels so the footprint box-filters into
// the output grid exactly, and an integer output shift moves it exactly.
ObjectRaster rasterise(const ObjectLayout& obj, cv::Point2d centre, int canvasSide) {
    const double scale = double(canvasSide);
    // The outline, and the limb when there is one: each filled on its own, so the shape is their union.
    std::vector<std::vector<cv::Point>> polygons;
    double minX = 1e9, minY = 1e9, maxX = -1e9, maxY = -1e9;
    for (const std::vector<cv::Point2f>* part : {&obj.outline, &obj.limb}) {
        if (part->empty()) continue;
        std::vector<cv::Point>& fixed = polygons.emplace_back();
        fixed.reserve(part->size());
        for (const cv::Point2f& p : *part) {
            // fillPoly puts pixel centres on integers, hence the half pixel.
            const double x = centre.x + double(p.x) * scale - 0.5, y = centre.y + double(p.y) * scale - 0.5;
            fixed.emplace_back(int(std::llround(x * kFixedOne)), int(std::llround(y * kFixedOne)));
            minX = std::min(minX, x), maxX = std::max(maxX, x), minY = std::min(minY, y), maxY = std::max(maxY, y);
        }
    }
    auto alignDown = [](double v) { return int(std::floor(std::floor(v) / kSupersample)) * kSupersample; };
    auto alignUp = [](double v) { return int(std::ceil((std::ceil(v) + 1) / kSupersample)) * kSupersample; };
    const int x0 = alignDown(minX), y0 = alignDown(minY);
    cv::Rect roi(x0, y0, alignUp(maxX) - x0, alignUp(maxY) - y0);
    roi &= cv::Rect(0, 0, canvasSide, canvasSide);
    ObjectRaster raster{roi, cv::Mat::zeros(std::max(roi.height, 0), std::max(roi.width, 0), CV_8UC1)};
    if (roi.empty()) return raster;
    const cv::Point origin(int(roi.x * kFixedOne), int(roi.y * kFixedOne));
    for (std::vector<cv::Point>& fixed : polygons) {
        for (cv::Point& p : fixed) p -= origin;
        const cv::Point* polys[] = {fixed.data()};
        const int counts[] = {int(fixed.size())};
        cv::fillPoly(raster.mask, polys, counts, 1, cv::Scalar(255), cv::LINE_8, kShiftBits);
    }
    return raster;
}

// Shades the object's pixels onto the canvas. Everything is relative to the object's centre, so a
// moved object looks exactly like itself.
void paintObject(cv::Mat& canvas, const ObjectLayout& obj, const ObjectRaster& raster, cv::Point2d centre,
                 cv::Point2f light) {
    const float side = float(canvas.cols);
    const float radius = obj.radius * side, rim = std::max(1.5f, kRimWidth * side);
    const float period = obj.texturePeriod * side;
    const float ca = std::cos(obj.textureAngle), sa = std::sin(obj.textureAngle);
    const cv::Point2f highlight = light * 0.42f;
    cv::Mat distance;
    cv::distanceTransform(raster.mask, distance, cv::DIST_L2, cv::DIST_MASK_PRECISE);
    const cv::Vec3f base(obj.colour[0], obj.colour[1], obj.colour[2]);
    for (int y = 0; y < raster.roi.height; ++y) {
        const uchar* m = raster.mask.ptr<uchar>(y);
        const float* d = distance.ptr<float>(y);
        auto* out = canvas.ptr<cv::Vec3f>(raster.roi.y + y) + raster.roi.x;
        const float ryRow = float(double(raster.roi.y + y) + 0.5 - centre.y);
        for (int x = 0; x < raster.roi.width; ++x) {
            if (!m[x]) continue;
            float rx = float(double(raster.roi.x + x) + 0.5 - centre.x);
            float ry = ryRow;
            if (obj.hasPaintFrame) {
                // The frame works on normalised offsets; the canvas offsets are `side` times larger.
                const cv::Matx23f& f = obj.paintFrame;
                const float nx = rx / side, ny = ry / side;
                rx = (f(0, 0) * nx + f(0, 1) * ny + f(0, 2)) * side;
                ry = (f(1, 0) * nx + f(1, 1) * ny + f(1, 2)) * side;
            }
            const cv::Point2f u(rx / radius, ry / radius);
            float k = 1 + kShadeStrength * std::clamp(u.dot(light), -1.f, 1.f);
            float white = 0;
            switch (obj.texture) {
                case ObjectTexture::Plain: break;
                case ObjectTexture::Glossy: {
                    const cv::Point2f h = u - highlight;
                    white = 0.55f * std::exp(-h.dot(h) / 0.05f);
                    break;
                }
                case ObjectTexture::Stripes:
                    if (fract((ca * rx + sa * ry) / period) < 0.5f) k *= 0.78f;
                    break;
                case ObjectTexture::Dots: {
                    const float a = fract((ca * rx + sa * ry) / period) - 0.5f, b = fract((-sa * rx + ca * ry) / period) - 0.5f;
                    if (a * a + b * b < 0.08f) white = 0.45f;
                    break;
                }
            }
            if (d[x] < rim) k *= 0.7f + 0.3f * d[x] / rim;
            cv::Vec3f c = base * k;
            c += (cv::Vec3f(255, 255, 255) - c) * white;
            for (int i = 0; i < 3; ++i) c[i] = std::min(c[i], 255.f);
            out[x] = c;
        }
    }
}

}  // namespace

Scene renderScene(const SceneLayout& layout, int size, int shiftedObject, cv::Point2f shiftPixels) {
    if (shiftedObject >= int(layout.objects.size()))
        throw InvalidRequest("scene seed " + std::to_string(layout.seed) + ": object " + std::to_string(shiftedObject) +
                             " does not exist (the scene has " + std::to_string(layout.objects.size()) + ")");
    const int side = size * kSupersample;
    cv::Mat canvas = renderBackgroundCanvas(layout.background, side);

    Scene scene;
    scene.seed = layout.seed;
    std::vector<ObjectRaster> rasters;
    for (size_t i = 0; i < layout.objects.size(); ++i) {
        const ObjectLayout& obj = layout.objects[i];
        // Centre in output pixels first, so an integer shift stays an exact multiple of the canvas grid.
        cv::Point2d centre(double(obj.centre.x) * size, double(obj.centre.y) * size);
        if (int(i) == shiftedObject) centre += cv::Point2d(shiftPixels.x, shiftPixels.y);
        centre *= double(kSupersample);
        rasters.push_back(rasterise(obj, centre, side));
        paintObject(canvas, obj, rasters.back(), centre, layout.background.lightDirection);
    }

    cv::Mat small;
    cv::resize(canvas, small, cv::Size(size, size), 0, 0, cv::INTER_AREA);
    small.convertTo(scene.rgb, CV_8UC3);

    for (size_t i = 0; i < layout.objects.size(); ++i) {
        const ObjectRaster& raster = rasters[i];
        SceneObject so;
        so.kind = layout.objects[i].kind;
        so.colour = layout.objects[i].colour;
        so.coverage = cv::Mat::zeros(size, size, CV_8UC1);
        if (!raster.roi.empty()) {
            const cv::Rect out(raster.roi.x / kSupersample, raster.roi.y / kSupersample, raster.roi.width / kSupersample,
                               raster.roi.height / kSupersample);
            cv::Mat coverage;
            cv::resize(raster.mask, coverage, out.size(), 0, 0, cv::INTER_AREA);
            coverage.copyTo(so.coverage(out));
        }
        cv::threshold(so.coverage, so.mask, 127, 255, cv::THRESH_BINARY);
        so.area = cv::countNonZero(so.mask);
        so.box = cv::boundingRect(so.mask);
        const cv::Moments m = cv::moments(so.mask, true);
        if (m.m00 > 0) so.centroid = cv::Point2f(float(m.m10 / m.m00), float(m.m01 / m.m00));
        scene.objects.push_back(std::move(so));
    }
    return scene;
}

}  // namespace dragdiff::scenes
