#pragma once
// The drag benchmark's measurements on one edited image: find the dragged subject again by its
// colour, and compare where it ended up, how big it is and how much of the rest of the picture
// survived, against the drag case's ground truth. OpenCV only (no torch), so the tests of the
// metrics build fast.
#include <opencv2/core.hpp>

#include <string>
#include <vector>

namespace dragdiff::bench {

// Success thresholds (the definition of a successful drag).
constexpr double kMaxSuccessMdRatio = 0.25;
constexpr double kMinSuccessAreaRatio = 0.7;
constexpr double kMaxSuccessAreaRatio = 1.3;
constexpr double kMinSuccessBackgroundPsnr = 25.0;
// PSNR of identical pixels (an infinite PSNR would break medians and JSON).
constexpr double kPsnrCap = 99.0;

// How the subject looks: its mean colour and how far its pixels and its surroundings are from it,
// all in CIE Lab (OpenCV's 8-bit-free float Lab, L in 0..100).
struct SubjectColour {
    cv::Vec3f lab;          // mean Lab of the subject's pixels
    double spread = 0;      // 90th percentile of the subject's pixels' distance to `lab`
    double contrast = 0;    // 1st percentile of the surrounding background's distance to `lab`
    double tolerance = 0;   // a pixel within this distance of `lab` counts as the subject's colour
};

// Learns the subject's colour from `rgb` (CV_8UC3, RGB order), its mask (CV_8UC1, non-zero inside)
// and the background it must stand out from (CV_8UC1, non-zero there; empty = everything outside
// the mask grown by one pixel). The tolerance sits between the subject's own spread and the
// nearest background colours, closer to the spread (kToleranceFraction of the way: a decoded
// image blurs edges and shifts colours, and a loose tolerance then lets the background in), and
// never below kMinColourTolerance. Checked on generated cases, clean and blurred + brightened:
// the ideal result scores MD ratio < 0.1 and area ratio within [0.8, 1.2].
constexpr double kContrastPercentile = 0.01;
constexpr double kToleranceFraction = 0.3;
constexpr double kMinColourTolerance = 6.0;
SubjectColour learnSubjectColour(const cv::Mat& rgb, const cv::Mat& mask, const cv::Mat& surroundings = cv::Mat());

struct FoundSubject {
    bool found = false;
    cv::Point2d centroid;  // mean (x, y) of the component's pixels; pixel centres are integers
    int area = 0;          // pixels
    cv::Mat mask;          // CV_8UC1, 255 on the component (empty when not found)
};

// Pixels (CV_8UC1, 255) within the colour's tolerance.
cv::Mat colourMatches(const cv::Mat& rgb, const SubjectColour& colour);

// The largest 8-connected component of pixels within the colour's tolerance, leaving out the
// pixels where `ignore` (CV_8UC1, may be empty) is non-zero. Components smaller than `minArea`
// pixels do not count (speckle in a decoded image is not the subject).
FoundSubject findSubject(const cv::Mat& rgb, const SubjectColour& colour, const cv::Mat& ignore = cv::Mat(), int minArea = 4);

// PSNR (dB) between `a` and `b` (CV_8UC3) over the pixels where `region` (CV_8UC1) is non-zero;
// kPsnrCap when they are identical there (or the region is empty).
double regionPsnr(const cv::Mat& a, const cv::Mat& b, const cv::Mat& region);

// The ground truth of one drag, in image pixels.
struct DragTruth {
    cv::Mat input;           // CV_8UC3 RGB: the image that was edited
    cv::Mat subjectMask;     // CV_8UC1: the subject in the input
    cv::Mat expectedMask;    // CV_8UC1: the subject where it should end up
    cv::Mat othersMask;      // CV_8UC1: the other objects (excluded from the colour's surroundings); may be empty
    cv::Point2d handle;
    cv::Point2d target;
    int dilation = 2;        // pixels the union of old and expected regions grows by before the background is measured
};

struct DragMetrics {
    bool found = false;
    cv::Point2d foundCentroid;     // where the subject is in the result (when found)
    cv::Point2d expectedCentroid;  // old centroid + (target - handle)
    double md = 0;                 // pixels from foundCentroid to expectedCentroid
    double mdRatio = 1;            // md / drag distance; 1 when the subject is not found
    double areaRatio = 0;          // found area / area in the input; 0 when not found
    double backgroundPsnr = 0;     // dB outside the dilated union of old and expected regions
    bool success = false;
    double tolerance = 0;          // the colour tolerance used (Lab units)
    cv::Mat foundMask;             // CV_8UC1, 255 on the component taken for the subject (empty when not found)
};

// Measures `result` (CV_8UC3 RGB, the input's size) against the truth. The colour's tolerance
// comes from the subject against its surroundings at both places (a ring around its old and
// expected regions). Pixels of the input that match the colour away from the subject (a sky of
// the same hue, a similar sun) are distractors: they are ignored in the result too, except where
// the subject should end up. The subject's reference centroid and area are measured on the input
// with the same finder, so the input itself scores exactly MD ratio 1 and area ratio 1.
DragMetrics measureDrag(const cv::Mat& result, const DragTruth& truth);

bool isSuccess(double mdRatio, double areaRatio, double backgroundPsnr);

// One configuration's results over all cases.
struct Summary {
    int cases = 0;
    double successRate = 0;
    double medianMdRatio = 0;
    double medianBackgroundPsnr = 0;
    double medianAreaRatio = 0;
    double secondsPerEdit = 0;  // mean
};

double median(std::vector<double> values);  // 0 for no values; mean of the middle two for an even count
Summary summarize(const std::vector<DragMetrics>& metrics, const std::vector<double>& seconds);

}  // namespace dragdiff::bench
