// Sky, sun or moon, stars, clouds, mountain ridges and ground: their parameters from a seed, and
// their pixels on the supersampled canvas.
#include "scenes/scene_layout.h"
#include "scenes/scene_render.h"
#include "scenes/scene_rng.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace dragdiff::scenes {
namespace {

constexpr uint64_t kStreamSky = 1;
constexpr uint64_t kStreamClouds = 2;
constexpr uint64_t kStreamMountains = 3;
constexpr uint64_t kStreamGround = 4;
constexpr float kPi = 3.14159265358979f;

cv::Vec3f mix(const cv::Vec3f& a, const cv::Vec3f& b, float t) { return a + (b - a) * t; }

// A palette colour varied a little per seed: brightness and each channel.
cv::Vec3f vary(Rng& rng, cv::Vec3f c, float channel, float brightness) {
    const float k = float(rng.uniform(1.0 - brightness, 1.0 + brightness));
    for (int i = 0; i < 3; ++i) c[i] = std::clamp((c[i] + float(rng.uniform(-channel, channel))) * k, 0.f, 255.f);
    return c;
}

template <size_t N>
const cv::Vec3f& pick(Rng& rng, const cv::Vec3f (&options)[N]) {
    return options[rng.uniformInt(0, int(N) - 1)];
}

// Midpoint displacement on kRidgeSamples points, rescaled to [0,1]. `roughness` is the factor the
// displacement shrinks by per halving: 0.5 gives rounded hills, 0.65 jagged peaks.
std::vector<float> midpointDisplacement(Rng& rng, float roughness) {
    std::vector<float> h(kRidgeSamples);
    h.front() = float(rng.uniform());
    h.back() = float(rng.uniform());
    float amplitude = 0.9f;
    for (int step = kRidgeSamples - 1; step > 1; step /= 2) {
        for (int i = step / 2; i < kRidgeSamples; i += step)
            h[i] = 0.5f * (h[i - step / 2] + h[i + step / 2]) + float(rng.uniform(-amplitude, amplitude));
        amplitude *= roughness;
    }
    auto [lo, hi] = std::minmax_element(h.begin(), h.end());
    const float low = *lo, span = std::max(*hi - *lo, 1e-6f);
    for (float& v : h) v = (v - low) / span;
    return h;
}

float sampleProfile(const std::vector<float>& profile, float x) {
    const float at = std::clamp(x, 0.f, 1.f) * float(kRidgeSamples - 1);
    const int i = std::min(int(at), kRidgeSamples - 2);
    const float t = at - float(i);
    return profile[i] + (profile[i + 1] - profile[i]) * t;
}

float latticeValue(uint64_t seed, int64_t i, int64_t j) {
    return float(splitMix64(seed ^ (uint64_t(i) * 0x9e3779b97f4a7c15ULL) ^ (uint64_t(j) * 0xc2b2ae3d27d4eb4fULL)) >> 40) *
           (1.0f / 16777216.0f);
}

// Smooth value noise in [0,1] on an integer lattice hashed from `seed`.
float valueNoise(uint64_t seed, float x, float y) {
    const float fx = std::floor(x), fy = std::floor(y);
    const int64_t ix = int64_t(fx), iy = int64_t(fy);
    float tx = x - fx, ty = y - fy;
    tx = tx * tx * (3 - 2 * tx);
    ty = ty * ty * (3 - 2 * ty);
    const float top = latticeValue(seed, ix, iy) + (latticeValue(seed, ix + 1, iy) - latticeValue(seed, ix, iy)) * tx;
    const float bottom = latticeValue(seed, ix, iy + 1) + (latticeValue(seed, ix + 1, iy + 1) - latticeValue(seed, ix, iy + 1)) * tx;
    return top + (bottom - top) * ty;
}

// Value noise like valueNoise(), on a lattice tabulated once: the ground texture evaluates it at
// every canvas pixel, and hashing four corners per pixel was most of the render time.
class LatticeNoise {
public:
    struct Axis {
        int cell = 0;
        float t = 0;  // smoothstepped position inside the cell
    };
    static constexpr int kRows = 64;  // lattice rows; depth * yScale stays below this

    LatticeNoise(uint64_t seed, float xScale, float yScale) : xScale_(xScale), yScale_(yScale), columns_(int(xScale) + 2) {
        values_.resize(size_t(columns_ * kRows));
        for (int j = 0; j < kRows; ++j)
            for (int i = 0; i < columns_; ++i) values_[size_t(j * columns_ + i)] = latticeValue(seed, i, j);
    }
    Axis xAxis(float x) const { return axis(x * xScale_, columns_ - 2); }
    Axis yAxis(float y) const { return axis(y * yScale_, kRows - 2); }
    float at(const Axis& x, const Axis& y) const {
        const float* r0 = &values_[size_t(y.cell * columns_ + x.cell)];
        const float* r1 = r0 + columns_;
        const float a = r0[0] + (r0[1] - r0[0]) * x.t, b = r1[0] + (r1[1] - r1[0]) * x.t;
        return a + (b - a) * y.t;
    }

private:
    static Axis axis(float v, int lastCell) {
        v = std::clamp(v, 0.f, float(lastCell) + 0.999f);
        const float f = std::floor(v), t = v - f;
        return {int(f), t * t * (3 - 2 * t)};
    }
    float xScale_, yScale_;
    int columns_;
    std::vector<float> values_;
};

void layoutSky(Rng& rng, BackgroundLayout& bg) {
    const double kind = rng.uniform();
    bg.sky = kind < 0.5 ? SkyKind::Day : kind < 0.8 ? SkyKind::Dusk : SkyKind::Night;
    bg.horizon = float(rng.uniform(0.58, 0.72));
    bg.skyMidAt = float(rng.uniform(0.35, 0.65));
    switch (bg.sky) {
        case SkyKind::Day: {
            static const cv::Vec3f tops[] = {{40, 100, 200}, {60, 130, 220}, {30, 80, 170}, {80, 150, 225}};
            static const cv::Vec3f horizons[] = {{205, 228, 245}, {225, 235, 240}, {240, 228, 205}, {190, 220, 240}};
            bg.skyTop = vary(rng, pick(rng, tops), 8, 0.06f);
            bg.skyHorizon = vary(rng, pick(rng, horizons), 6, 0.03f);
            bg.skyMid = mix(bg.skyTop, bg.skyHorizon, float(rng.uniform(0.4, 0.6)));
            bg.sunAt = {float(rng.uniform(0.1, 0.9)), float(rng.uniform(0.08, 0.26))};
            bg.sunRadius = float(rng.uniform(0.05, 0.07));
            bg.sunColour = mix({255, 246, 190}, {255, 225, 110}, float(rng.uniform()));
            bg.glowColour = cv::Vec3f(255, 235, 180) * float(rng.uniform(0.2, 0.32));
            bg.glowRadius = bg.sunRadius * float(rng.uniform(2.2, 3.0));
            break;
        }
        case SkyKind::Dusk: {
            static const cv::Vec3f tops[] = {{35, 35, 95}, {60, 40, 110}, {45, 55, 120}};
            static const cv::Vec3f mids[] = {{200, 90, 120}, {225, 110, 90}, {170, 90, 150}};
            static const cv::Vec3f horizons[] = {{255, 180, 90}, {255, 200, 120}, {250, 150, 80}};
            bg.skyTop = vary(rng, pick(rng, tops), 8, 0.08f);
            bg.skyMid = vary(rng, pick(rng, mids), 10, 0.06f);
            bg.skyHorizon = vary(rng, pick(rng, horizons), 6, 0.03f);
            bg.sunRadius = float(rng.uniform(0.06, 0.085));
            bg.sunAt = {float(rng.uniform(0.12, 0.88)), bg.horizon - float(rng.uniform(0.1, 0.22))};
            bg.sunColour = mix({255, 235, 150}, {255, 150, 80}, float(rng.uniform()));
            bg.glowColour = cv::Vec3f(255, 150, 70) * float(rng.uniform(0.35, 0.55));
            bg.glowRadius = bg.sunRadius * float(rng.uniform(3.0, 4.5));
            break;
        }
        case SkyKind::Night: {
            bg.skyTop = vary(rng, {6, 10, 30}, 4, 0.1f);
            bg.skyMid = vary(rng, {16, 26, 62}, 5, 0.1f);
            bg.skyHorizon = vary(rng, {40, 55, 100}, 8, 0.1f);
            bg.moon = true;
            bg.sunAt = {float(rng.uniform(0.1, 0.9)), float(rng.uniform(0.08, 0.3))};
            bg.sunRadius = float(rng.uniform(0.04, 0.06));
            bg.sunColour = vary(rng, {240, 238, 222}, 4, 0.02f);
            bg.moonShadow = rng.chance(0.5) ? 0.f : float(rng.uniform(0.45, 0.8)) * (rng.chance(0.5) ? 1.f : -1.f);
            bg.glowColour = cv::Vec3f(150, 170, 220) * float(rng.uniform(0.2, 0.3));
            bg.glowRadius = bg.sunRadius * float(rng.uniform(2.5, 3.5));
            const int stars = rng.uniformInt(25, 45);
            for (int i = 0; i < stars; ++i) {
                Star s;
                s.at = {float(rng.uniform()), float(rng.uniform(0.0, bg.horizon - 0.08))};
                s.radius = float(rng.uniform(0.004, 0.008));
                s.brightness = float(rng.uniform(0.4, 1.0));
                bg.stars.push_back(s);
            }
            break;
        }
    }
    const cv::Point2f toLight = bg.sunAt - cv::Point2f(0.5f, 0.6f);
    const float len = std::max(float(cv::norm(toLight)), 1e-3f);
    bg.lightDirection = toLight / len;
}

void layoutClouds(Rng& rng, BackgroundLayout& bg) {
    if (bg.sky == SkyKind::Night) return;
    const int count = bg.sky == SkyKind::Day ? rng.uniformInt(0, 3) : rng.uniformInt(0, 2);
    for (int c = 0; c < count; ++c) {
        Cloud cloud;
        const float width = float(rng.uniform(0.16, 0.32));
        const float cx = float(rng.uniform(0.05, 0.95));
        cloud.bottom = float(rng.uniform(0.1, std::max(0.12, bg.horizon - 0.2)));
        const int puffs = rng.uniformInt(3, 5);
        for (int p = 0; p < puffs; ++p) {
            const float along = (float(p) + 0.5f) / float(puffs);
            const float bulge = std::sin(along * kPi);  // biggest puffs in the middle
            const float r = width * float(rng.uniform(0.15, 0.22)) * (0.6f + 0.7f * bulge);
            const float x = cx - width / 2 + width * along + float(rng.uniform(-0.015, 0.015));
            cloud.puffs.push_back({x, cloud.bottom - r * float(rng.uniform(0.2, 0.55)), r});
        }
        if (bg.sky == SkyKind::Day) {
            cloud.lit = vary(rng, {252, 252, 255}, 3, 0.0f);
            cloud.shade = vary(rng, {200, 208, 226}, 6, 0.03f);
        } else {
            cloud.lit = vary(rng, {255, 190, 160}, 8, 0.04f);
            cloud.shade = vary(rng, {150, 100, 140}, 8, 0.05f);
        }
        bg.clouds.push_back(std::move(cloud));
    }
}

void layoutMountains(Rng& rng, BackgroundLayout& bg) {
    cv::Vec3f rock;
    switch (bg.sky) {
        case SkyKind::Day: {
            static const cv::Vec3f rocks[] = {{95, 110, 140}, {105, 115, 105}, {120, 104, 96}, {85, 100, 125}};
            rock = vary(rng, pick(rng, rocks), 8, 0.08f);
            break;
        }
        case SkyKind::Dusk: rock = vary(rng, {95, 62, 105}, 8, 0.08f); break;
        case SkyKind::Night: rock = vary(rng, {32, 36, 64}, 4, 0.1f); break;
    }
    const int layers = rng.chance(0.6) ? 2 : 1;
    for (int l = 0; l < layers; ++l) {
        const bool far = layers == 2 && l == 0;
        MountainLayer layer;
        const float base = float(far ? rng.uniform(0.02, 0.06) : rng.uniform(0.0, 0.03));
        const float peak = float(far || layers == 1 ? rng.uniform(0.12, 0.3) : rng.uniform(0.06, 0.15));
        const std::vector<float> profile = midpointDisplacement(rng, float(rng.uniform(0.48, 0.62)));
        layer.ridge.resize(kRidgeSamples);
        for (int i = 0; i < kRidgeSamples; ++i) layer.ridge[i] = bg.horizon - base - peak * profile[i];
        // Atmospheric perspective: the far ridge takes more of the horizon's colour.
        const float haze = far ? float(rng.uniform(0.4, 0.55)) : layers == 2 ? float(rng.uniform(0.05, 0.15)) : 0.25f;
        layer.colour = mix(rock, bg.skyHorizon, haze) * (far ? 1.0f : 0.85f);
        layer.haze = mix(layer.colour, bg.skyHorizon, 0.35f);
        if (bg.sky == SkyKind::Day && (far || layers == 1) && peak > 0.17f && rng.chance(0.6))
            layer.snowLine = bg.horizon - base - peak * float(rng.uniform(0.62, 0.78));
        bg.mountains.push_back(std::move(layer));
    }
}

void layoutGround(Rng& rng, BackgroundLayout& bg) {
    static const cv::Vec3f nears[] = {{60, 130, 45}, {90, 155, 55}, {185, 150, 60}, {205, 175, 115}, {75, 115, 50}};
    static const cv::Vec3f fars[] = {{120, 170, 80}, {150, 190, 100}, {215, 190, 110}, {230, 210, 160}, {125, 150, 85}};
    const int kind = rng.uniformInt(0, 4);
    cv::Vec3f near = vary(rng, nears[kind], 8, 0.06f), far = vary(rng, fars[kind], 8, 0.05f);
    if (bg.sky == SkyKind::Dusk) {
        near = mix(near.mul(cv::Vec3f(0.55f, 0.45f, 0.5f)), {60, 30, 50}, 0.2f);
        far = mix(far.mul(cv::Vec3f(0.75f, 0.6f, 0.55f)), bg.skyHorizon, 0.15f);
    } else if (bg.sky == SkyKind::Night) {
        near = near.mul(cv::Vec3f(0.16f, 0.2f, 0.3f));
        far = far.mul(cv::Vec3f(0.22f, 0.26f, 0.38f));
    }
    bg.groundNear = near;
    bg.groundFar = mix(far, bg.skyHorizon, 0.2f);
    bg.groundTexture = float(rng.uniform(0.06, 0.12));
    bg.textureSeed = rng.next();
    const float a1 = float(rng.uniform(0.0, 0.014)), a2 = float(rng.uniform(0.0, 0.006));
    const float f1 = float(rng.uniform(0.7, 1.6)), f2 = float(rng.uniform(2.5, 4.5));
    const float p1 = float(rng.uniform(0, 2 * kPi)), p2 = float(rng.uniform(0, 2 * kPi));
    bg.groundEdge.resize(kRidgeSamples);
    for (int i = 0; i < kRidgeSamples; ++i) {
        const float x = float(i) / float(kRidgeSamples - 1);
        bg.groundEdge[i] = bg.horizon + a1 * std::sin(2 * kPi * f1 * x + p1) + a2 * std::sin(2 * kPi * f2 * x + p2);
    }
}

// Calls fn(pixel, distance, x, y) for every canvas pixel whose centre lies within `radius` of
// `centre` (canvas units).
template <typename Fn>
void forDisc(cv::Mat& canvas, cv::Point2f centre, float radius, Fn&& fn) {
    const int x0 = std::max(0, int(std::floor(centre.x - radius))), x1 = std::min(canvas.cols - 1, int(std::ceil(centre.x + radius)));
    const int y0 = std::max(0, int(std::floor(centre.y - radius))), y1 = std::min(canvas.rows - 1, int(std::ceil(centre.y + radius)));
    for (int y = y0; y <= y1; ++y) {
        auto* row = canvas.ptr<cv::Vec3f>(y);
        for (int x = x0; x <= x1; ++x) {
            const float dx = float(x) + 0.5f - centre.x, dy = float(y) + 0.5f - centre.y;
            const float d2 = dx * dx + dy * dy;
            if (d2 <= radius * radius) fn(row[x], std::sqrt(d2), float(x) + 0.5f, float(y) + 0.5f);
        }
    }
}

}  // namespace

BackgroundLayout layoutBackground(uint64_t seed) {
    BackgroundLayout bg;
    Rng sky(mixSeed(seed, kStreamSky)), clouds(mixSeed(seed, kStreamClouds));
    Rng mountains(mixSeed(seed, kStreamMountains)), ground(mixSeed(seed, kStreamGround));
    layoutSky(sky, bg);
    layoutClouds(clouds, bg);
    layoutMountains(mountains, bg);
    layoutGround(ground, bg);
    return bg;
}

cv::Mat renderBackgroundCanvas(const BackgroundLayout& bg, int side) {
    cv::Mat canvas(side, side, CV_32FC3);
    const float s = float(side);

    // Sky: a three-stop gradient down to the horizon.
    for (int y = 0; y < side; ++y) {
        const float t = std::min(1.f, (float(y) + 0.5f) / s / bg.horizon);
        const cv::Vec3f c = t < bg.skyMidAt ? mix(bg.skyTop, bg.skyMid, t / bg.skyMidAt)
                                            : mix(bg.skyMid, bg.skyHorizon, (t - bg.skyMidAt) / (1 - bg.skyMidAt));
        canvas.row(y).setTo(cv::Scalar(c[0], c[1], c[2]));
    }

    const cv::Point2f sun = bg.sunAt * s;
    const float sunR = bg.sunRadius * s, glowR = bg.glowRadius * s;
    {
        // exp(-d^2/R^2) is separable into a row and a column factor: two small tables instead of
        // an exp per pixel (the dusk glow covers most of the canvas).
        std::vector<float> gx(static_cast<size_t>(side)), gy(static_cast<size_t>(side));
        for (int i = 0; i < side; ++i) {
            const float dx = (float(i) + 0.5f - sun.x) / glowR, dy = (float(i) + 0.5f - sun.y) / glowR;
            gx[size_t(i)] = std::exp(-dx * dx);
            gy[size_t(i)] = std::exp(-dy * dy);
        }
        for (int y = 0; y < side; ++y) {
            if (gy[size_t(y)] < 1e-3f) continue;
            auto* row = canvas.ptr<cv::Vec3f>(y);
            for (int x = 0; x < side; ++x) {
                const float w = gx[size_t(x)] * gy[size_t(y)];
                if (w < 1e-3f) continue;
                for (int i = 0; i < 3; ++i) row[x][i] = std::min(255.f, row[x][i] + bg.glowColour[i] * w);
            }
        }
    }

    for (const Star& star : bg.stars) {
        forDisc(canvas, star.at * s, star.radius * s, [&](cv::Vec3f& px, float d, float, float) {
            px = mix(px, {255, 250, 235}, star.brightness * (1 - 0.5f * d / (star.radius * s)));
        });
    }

    // Sun: slightly darker limb. Moon: a crescent cut by a sky-coloured disc, plus grey maria.
    const cv::Point2f shadow = sun + cv::Point2f(bg.moonShadow * sunR, -0.25f * std::abs(bg.moonShadow) * sunR);
    forDisc(canvas, sun, sunR, [&](cv::Vec3f& px, float d, float x, float y) {
        if (!bg.moon) {
            px = bg.sunColour * (1 - 0.08f * (d / sunR) * (d / sunR));
            return;
        }
        if (bg.moonShadow != 0 && std::hypot(x - shadow.x, y - shadow.y) < sunR) return;
        const float mare = valueNoise(bg.textureSeed, x / sunR * 1.6f, y / sunR * 1.6f);
        px = bg.sunColour * (mare > 0.62f ? 0.84f : 1.0f);
    });

    for (const Cloud& cloud : bg.clouds) {
        float top = cloud.bottom;
        for (const cv::Vec3f& p : cloud.puffs) top = std::min(top, p[1] - p[2]);
        for (const cv::Vec3f& p : cloud.puffs) {
            forDisc(canvas, {p[0] * s, p[1] * s}, p[2] * s, [&](cv::Vec3f& px, float, float, float y) {
                if (y > cloud.bottom * s) return;
                const float t = std::clamp((y / s - top) / std::max(cloud.bottom - top, 1e-3f), 0.f, 1.f);
                px = mix(cloud.lit, cloud.shade, t * t);
            });
        }
    }

    // Mountains, far to near: each column from its ridge down past the ground's edge.
    for (const MountainLayer& layer : bg.mountains) {
        for (int x = 0; x < side; ++x) {
            const float xn = (float(x) + 0.5f) / s;
            const float ridge = sampleProfile(layer.ridge, xn) * s;
            const float foot = (bg.horizon + 0.04f) * s;
            const float snow = layer.snowLine < 0 ? -1.f : (layer.snowLine + 0.012f * std::sin(xn * 90.f)) * s;
            for (int y = std::max(0, int(std::ceil(ridge - 0.5f))); y < std::min(side, int(foot)); ++y) {
                const float yc = float(y) + 0.5f;
                const float t = std::clamp((yc - ridge) / std::max(foot - ridge, 1.f), 0.f, 1.f);
                cv::Vec3f c = mix(layer.colour, layer.haze, t);
                if (yc < snow) c = mix(c, {245, 248, 252}, 0.85f);
                canvas.at<cv::Vec3f>(y, x) = c;
            }
        }
    }

    // Ground: hazy at the horizon, richer in front, with a field texture that is stretched
    // sideways and compressed towards the horizon as perspective would. Two octaves of value
    // noise, with their lattice values tabulated once per scene and the per-column and per-row
    // interpolation weights once per canvas.
    const LatticeNoise coarse(bg.textureSeed, 9.f, 1.6f), fine(bg.textureSeed + 1, 30.f, 5.f);
    std::vector<float> edge(static_cast<size_t>(side));
    std::vector<LatticeNoise::Axis> coarseX(static_cast<size_t>(side)), fineX(static_cast<size_t>(side));
    int top = side;
    for (int x = 0; x < side; ++x) {
        const float xn = (float(x) + 0.5f) / s;
        edge[size_t(x)] = sampleProfile(bg.groundEdge, xn) * s;
        coarseX[size_t(x)] = coarse.xAxis(xn);
        fineX[size_t(x)] = fine.xAxis(xn);
        top = std::min(top, std::max(0, int(std::ceil(edge[size_t(x)] - 0.5f))));
    }
    for (int y = top; y < side; ++y) {
        const float yn = (float(y) + 0.5f) / s, yc = float(y) + 0.5f;
        const float t = std::clamp((yn - bg.horizon) / (1 - bg.horizon), 0.f, 1.f);
        const float depth = 1.f / (t + 0.12f);
        const LatticeNoise::Axis coarseY = coarse.yAxis(depth), fineY = fine.yAxis(depth);
        const cv::Vec3f colour = mix(bg.groundFar, bg.groundNear, std::sqrt(t));
        auto* row = canvas.ptr<cv::Vec3f>(y);
        for (int x = 0; x < side; ++x) {
            if (yc < edge[size_t(x)]) continue;
            const float n = 0.65f * coarse.at(coarseX[size_t(x)], coarseY) + 0.35f * fine.at(fineX[size_t(x)], fineY);
            row[x] = colour * (1 + bg.groundTexture * (2 * n - 1));
        }
    }
    return canvas;
}

cv::Mat renderBackground(const BackgroundLayout& background, int size) {
    cv::Mat canvas = renderBackgroundCanvas(background, size * kSupersample), small, out;
    cv::resize(canvas, small, cv::Size(size, size), 0, 0, cv::INTER_AREA);
    small.convertTo(out, CV_8UC3);
    return out;
}

}  // namespace dragdiff::scenes
