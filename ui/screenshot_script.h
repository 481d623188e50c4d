#pragma once
// `dragdiff --screenshot-script DIR`: drives the real window on the real engine and the embedded
// model through a fixed sequence of states (start, heatmap, points and mask, warp preview and its
// comparison, zoomed brush, run preview, finished edit, compare, model error, dark palette) and
// writes one PNG of the window per state with QWidget::grab. Used by tests/ui/screenshots.sh.
#include <QString>

namespace dragdiff::ui {

class ScreenshotScript {
public:
    // Returns the process exit code (0 = every PNG written).
    static int run(const QString& outputDir);
};

}  // namespace dragdiff::ui
