#pragma once
// Our line icons (resources/icons/*.svg), tinted to the palette's text colour so they read on
// light and dark themes alike. Strokes written as #000000 in the SVG take the tint; other
// colours (the red handle, the blue target) stay as drawn.
#include <QIcon>
#include <QPalette>

namespace dragdiff::ui {

// Registers the compiled-in resources (icons, sample); safe to call repeatedly.
void initResources();
QIcon themedIcon(const QString& name, const QPalette& palette);
QIcon appIcon();

}  // namespace dragdiff::ui
