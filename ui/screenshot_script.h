#pragma once
// `dragdiff --screenshot-script DIR`: drives the real window through a fixed sequence of states
// (start, points and mask, zoomed brush, heatmap, run preview, dark palette) and writes one PNG
// of the window per state with QWidget::grab. Deterministic; used by tests/ui/screenshots.sh.
#include <QString>

namespace dragdiff::ui {

class ScreenshotScript {
public:
    // Returns the process exit code (0 = every PNG written).
    static int run(const QString& outputDir);
};

}  // namespace dragdiff::ui
