#pragma once
// Every command of the main window as a QAction with its icon, shortcut and tip, placed in the
// menus and the tool bar. The window connects them; tests trigger them by name.
#include <QObject>

class QAction;
class QActionGroup;
class QMainWindow;
class QMenu;
class QToolBar;
class QUndoStack;

namespace dragdiff::ui {

class MainActions : public QObject {
    Q_OBJECT
public:
    MainActions(QMainWindow* window, QUndoStack* undoStack);
    // Re-tints the icons after a palette change (light/dark switch).
    void refreshIcons();

    QAction* open = nullptr;
    QAction* save = nullptr;
    QAction* saveAs = nullptr;
    QAction* exportImage = nullptr;
    QAction* importMask = nullptr;
    QAction* exportMask = nullptr;
    QAction* quit = nullptr;
    QAction* undo = nullptr;
    QAction* redo = nullptr;
    QAction* deletePoint = nullptr;
    QAction* clearPoints = nullptr;
    QAction* clearMask = nullptr;
    QAction* pointTool = nullptr;
    QAction* brushTool = nullptr;
    QAction* eraserTool = nullptr;
    QAction* brushSmaller = nullptr;
    QAction* brushLarger = nullptr;
    QAction* run = nullptr;
    QAction* cancel = nullptr;
    QAction* compare = nullptr;
    QAction* fit = nullptr;
    QAction* actualSize = nullptr;
    QAction* zoomIn = nullptr;
    QAction* zoomOut = nullptr;
    QAction* toggleHeatmap = nullptr;
    QAction* toggleMask = nullptr;
    QAction* warpPreview = nullptr;  // W: the picture warped by the pairs' displacement field
    QAction* liveDrag = nullptr;     // L: the edit follows the points while they are dragged
    // The selected pair's drag mode: D cycles auto → move → reshape; Edit ▸ Drag Mode sets one.
    QAction* cycleDragMode = nullptr;
    QAction* modeAuto = nullptr;
    QAction* modeMove = nullptr;
    QAction* modeReshape = nullptr;
    QActionGroup* dragModes = nullptr;
    QMenu* dragModeMenu = nullptr;
    QAction* about = nullptr;
    QActionGroup* tools = nullptr;
    QMenu* recentMenu = nullptr;
    QMenu* viewMenu = nullptr;
    QToolBar* toolBar = nullptr;

private:
    QAction* make(const QString& text, const QString& icon, const QString& tip);
    QMainWindow* window_;
};

}  // namespace dragdiff::ui
