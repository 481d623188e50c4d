#include "ui/main_actions.h"

#include "ui/icons.h"

#include <QAction>
#include <QActionGroup>
#include <QMainWindow>
#include <QMenuBar>
#include <QToolBar>
#include <QToolButton>
#include <QUndoStack>

namespace dragdiff::ui {

QAction* MainActions::make(const QString& text, const QString& icon, const QString& tip) {
    auto* a = new QAction(text, window_);
    a->setProperty("iconName", icon);
    a->setToolTip(tip);
    a->setStatusTip(tip);
    a->setObjectName("action_" + icon);
    window_->addAction(a);  // shortcuts work even when the action sits only in a menu
    return a;
}

MainActions::MainActions(QMainWindow* window, QUndoStack* undoStack) : QObject(window), window_(window) {
    open = make(tr("&Open…"), "open", tr("Open a picture or a project (Ctrl+O)"));
    open->setShortcut(QKeySequence::Open);
    save = make(tr("&Save Project"), "save", tr("Save points, mask and parameters as a project (Ctrl+S)"));
    save->setShortcut(QKeySequence::Save);
    saveAs = make(tr("Save Project &As…"), "save-as", tr("Save the project under a new name (Ctrl+Shift+S)"));
    saveAs->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S));
    exportImage = make(tr("&Export Image…"), "export", tr("Export the picture as PNG, JPEG or WebP (Ctrl+E)"));
    exportImage->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    importMask = make(tr("&Import Mask…"), "import-mask",
                      tr("Use a picture as the mask: white = the edit may change it, black = kept"));
    exportMask = make(tr("Export &Mask…"), "export-mask", tr("Save the mask as a PNG (white = editable)"));
    quit = make(tr("&Quit"), "quit", tr("Quit DragDiff"));
    quit->setShortcut(QKeySequence::Quit);

    undo = undoStack->createUndoAction(window, tr("&Undo"));
    undo->setProperty("iconName", "undo");
    undo->setObjectName("action_undo");
    undo->setShortcut(QKeySequence::Undo);
    redo = undoStack->createRedoAction(window, tr("&Redo"));
    redo->setProperty("iconName", "redo");
    redo->setObjectName("action_redo");
    redo->setShortcuts({QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Z), QKeySequence::Redo});
    window->addAction(undo);
    window->addAction(redo);
    deletePoint = make(tr("&Delete Point Pair"), "delete", tr("Remove the selected point pair (Delete)"));
    deletePoint->setShortcut(QKeySequence::Delete);
    clearPoints = make(tr("Clear &Points"), "clear-points", tr("Remove every point pair"));
    clearMask = make(tr("Clear &Mask"), "clear-mask", tr("Remove the mask (the edit may then change everything)"));

    pointTool = make(tr("&Point Tool"), "point", tr("Click a handle, then its target; drag to adjust, right-click to remove (P)"));
    pointTool->setShortcut(Qt::Key_P);
    brushTool = make(tr("Mask &Brush"), "brush", tr("Paint where the edit may change the picture (B)"));
    brushTool->setShortcut(Qt::Key_B);
    eraserTool = make(tr("&Eraser"), "eraser", tr("Erase the mask (E)"));
    eraserTool->setShortcut(Qt::Key_E);
    tools = new QActionGroup(this);
    for (QAction* a : {pointTool, brushTool, eraserTool}) {
        a->setCheckable(true);
        tools->addAction(a);
    }
    pointTool->setChecked(true);
    brushSmaller = make(tr("Smaller Brush"), "brush-smaller", tr("Smaller brush ([)"));
    brushSmaller->setShortcut(Qt::Key_BracketLeft);
    brushLarger = make(tr("Larger Brush"), "brush-larger", tr("Larger brush (])"));
    brushLarger->setShortcut(Qt::Key_BracketRight);

    run = make(tr("&Run Edit"), "run", tr("Run the drag edit (Ctrl+Enter)"));
    run->setShortcuts({QKeySequence(Qt::CTRL | Qt::Key_Return), QKeySequence(Qt::CTRL | Qt::Key_Enter)});
    cancel = make(tr("&Cancel"), "cancel", tr("Stop the running edit (Esc)"));
    cancel->setShortcut(Qt::Key_Escape);
    cancel->setEnabled(false);
    compare = make(tr("&Compare"), "compare", tr("Split view of before and after; hold \\ to see the picture before the edit"));
    compare->setCheckable(true);

    fit = make(tr("&Fit to Window"), "fit", tr("Fit the picture to the window (F)"));
    fit->setShortcut(Qt::Key_F);
    actualSize = make(tr("&Actual Size (100%)"), "zoom-100", tr("One picture pixel per screen pixel (1)"));
    actualSize->setShortcut(Qt::Key_1);
    zoomIn = make(tr("Zoom &In"), "zoom-in", tr("Zoom in (Ctrl++)"));
    zoomIn->setShortcuts({QKeySequence::ZoomIn, QKeySequence(Qt::Key_Plus), QKeySequence(Qt::Key_Equal)});
    zoomOut = make(tr("Zoom &Out"), "zoom-out", tr("Zoom out (Ctrl+-)"));
    zoomOut->setShortcuts({QKeySequence::ZoomOut, QKeySequence(Qt::Key_Minus)});
    toggleHeatmap = make(tr("Show &Heatmap"), "heatmap", tr("Show the correspondence heatmap (H)"));
    toggleHeatmap->setShortcut(Qt::Key_H);
    toggleHeatmap->setCheckable(true);
    toggleHeatmap->setChecked(true);
    toggleMask = make(tr("Show &Mask"), "show-mask", tr("Show the mask's overlay; hide it to judge the picture (M)"));
    toggleMask->setShortcut(Qt::Key_M);
    toggleMask->setCheckable(true);
    toggleMask->setChecked(true);
    warpPreview = make(tr("&Warp Preview"), "warp",
                       tr("Show the picture warped as the edit would start to deform it, before Run (W); "
                          "Compare or hold \\ shows the picture beside it"));
    warpPreview->setShortcut(Qt::Key_W);
    warpPreview->setCheckable(true);
    liveDrag = make(tr("&Live Drag"), "live",
                    tr("Show the edit while the points are dragged, before Run (L); Run makes the full-quality edit"));
    liveDrag->setShortcut(Qt::Key_L);
    liveDrag->setCheckable(true);
    cycleDragMode = make(tr("&Cycle Drag Mode"), "drag-mode",
                         tr("Switch the selected pair between auto, move and reshape (D)"));
    cycleDragMode->setShortcut(Qt::Key_D);
    modeAuto = make(tr("&Auto"), "mode-auto", tr("The engine decides from the handle's part whether it moves or reshapes"));
    modeMove = make(tr("&Move"), "mode-move", tr("The part moves whole (solid arrow)"));
    modeReshape = make(tr("&Reshape"), "mode-reshape",
                       tr("The part deforms while the structure it belongs to stays (dashed, bowed arrow)"));
    dragModes = new QActionGroup(this);
    for (QAction* m : {modeAuto, modeMove, modeReshape}) {
        m->setCheckable(true);
        dragModes->addAction(m);
    }
    modeAuto->setChecked(true);
    about = make(tr("&About DragDiff"), "about", tr("About DragDiff"));

    QMenuBar* bar = window->menuBar();
    QMenu* file = bar->addMenu(tr("&File"));
    file->addAction(open);
    recentMenu = file->addMenu(tr("Open &Recent"));
    file->addSeparator();
    file->addAction(save);
    file->addAction(saveAs);
    file->addAction(exportImage);
    file->addSeparator();
    file->addAction(importMask);
    file->addAction(exportMask);
    file->addSeparator();
    file->addAction(quit);
    QMenu* edit = bar->addMenu(tr("&Edit"));
    edit->addAction(undo);
    edit->addAction(redo);
    edit->addSeparator();
    edit->addAction(deletePoint);
    edit->addAction(clearPoints);
    edit->addAction(clearMask);
    edit->addSeparator();
    dragModeMenu = edit->addMenu(tr("Drag &Mode"));
    dragModeMenu->addActions({modeAuto, modeMove, modeReshape});
    dragModeMenu->addSeparator();
    dragModeMenu->addAction(cycleDragMode);
    QMenu* toolsMenu = bar->addMenu(tr("&Tools"));
    toolsMenu->addActions({pointTool, brushTool, eraserTool});
    toolsMenu->addSeparator();
    toolsMenu->addActions({brushSmaller, brushLarger});
    viewMenu = bar->addMenu(tr("&View"));
    viewMenu->addActions({fit, actualSize, zoomIn, zoomOut});
    viewMenu->addSeparator();
    viewMenu->addActions({toggleHeatmap, toggleMask, warpPreview, liveDrag, compare});
    QMenu* runMenu = bar->addMenu(tr("&Run"));
    runMenu->addActions({run, cancel});
    QMenu* help = bar->addMenu(tr("&Help"));
    help->addAction(about);

    toolBar = window->addToolBar(tr("Main"));
    toolBar->setObjectName("mainToolBar");
    toolBar->setMovable(false);
    toolBar->setIconSize(QSize(22, 22));
    toolBar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolBar->addActions({open, exportImage});
    toolBar->addSeparator();
    toolBar->addActions({undo, redo});
    toolBar->addSeparator();
    toolBar->addActions({pointTool, brushTool, eraserTool});
    toolBar->addSeparator();
    toolBar->addActions({clearPoints, clearMask});
    toolBar->addSeparator();
    toolBar->addActions({cycleDragMode, warpPreview, liveDrag});
    // The mode button cycles on a click; its arrow opens the three modes.
    if (auto* modeButton = qobject_cast<QToolButton*>(toolBar->widgetForAction(cycleDragMode))) {
        modeButton->setMenu(dragModeMenu);
        modeButton->setPopupMode(QToolButton::MenuButtonPopup);
    }
    toolBar->addSeparator();
    toolBar->addActions({run, cancel, compare});
    // Short labels keep the bar readable at 1280 px; the full text stays in the menus.
    const std::pair<QAction*, QString> shortText[] = {
        {open, tr("Open")}, {exportImage, tr("Export")}, {undo, tr("Undo")}, {redo, tr("Redo")},
        {pointTool, tr("Points")}, {brushTool, tr("Mask")}, {eraserTool, tr("Eraser")},
        {clearPoints, tr("Clear Points")}, {clearMask, tr("Clear Mask")}, {run, tr("Run")},
        {cancel, tr("Cancel")}, {compare, tr("Compare")}, {cycleDragMode, tr("Mode")},
        {warpPreview, tr("Warp")}, {liveDrag, tr("Live")}};
    for (const auto& [action, text] : shortText) action->setIconText(text);
    refreshIcons();
}

void MainActions::refreshIcons() {
    const QPalette palette = window_->palette();
    for (QAction* a : window_->findChildren<QAction*>()) {
        const QString name = a->property("iconName").toString();
        if (!name.isEmpty()) a->setIcon(themedIcon(name, palette));
    }
}

}  // namespace dragdiff::ui
