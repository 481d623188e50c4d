#pragma once
// The application window: canvas in the centre, tool bar, side panel, status bar with progress.
// Owns the Document, the tools and the EngineController; talks to the core only via the facade.
#include "ui/engine_controller.h"

#include <QMainWindow>
#include <memory>

class QLabel;
class QProgressBar;
class QElapsedTimer;

namespace dragdiff::ui {

class Autosave;
class Canvas;
class Document;
class MainActions;
class MaskBrushTool;
class MessageBanner;
class PairModeSwitch;
class PointTool;
class RecentFiles;
class SidePanel;
class WarpPreviewer;
class LiveDrag;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    struct Options {
        std::shared_ptr<EngineBackend> backend;  // null = the real engine
        bool loadModelAtStart = true;
        bool interactive = true;  // false: never open a modal question (tests, scripts)
        bool autosave = true;
    };
    explicit MainWindow(Options options);
    MainWindow() : MainWindow(Options{}) {}
    ~MainWindow() override;

    // Opens a picture or a `.dragdiff.json` project. Errors show in the banner; returns success.
    bool openFile(const QString& path);
    bool openSample();
    bool saveProjectTo(const QString& path);
    // Exports at the picture's resolution. Refuses to replace the opened original unless
    // `allowOverwriteOriginal` (the dialog path asks the user first).
    bool exportTo(const QString& path, bool allowOverwriteOriginal = false);
    // Mask files, read and written by the core (white = editable). A mask of another size is
    // resized to the picture with a notice. Importing is one undo step.
    bool importMaskFrom(const QString& path);
    bool exportMaskTo(const QString& path);
    // After a crash: offers (or, non-interactive, performs when `accept`) recovery.
    bool offerRecovery();
    bool recover();

    void runEdit();
    void cancelEdit();

    Document* document() const { return document_; }
    Canvas* canvas() const { return canvas_; }
    EngineController* engine() const { return engine_; }
    MessageBanner* banner() const { return banner_; }
    SidePanel* sidePanel() const { return side_; }
    MainActions* actions() const { return actions_; }
    PointTool* pointTool() const { return pointTool_.get(); }
    MaskBrushTool* brushTool() const { return brushTool_.get(); }
    MaskBrushTool* eraserTool() const { return eraserTool_.get(); }
    QProgressBar* progressBar() const { return progress_; }
    Autosave* autosave() const { return autosave_; }
    WarpPreviewer* warpPreviewer() const { return warpPreviewer_; }
    LiveDrag* liveDrag() const { return liveDrag_; }
    PairModeSwitch* pairModeSwitch() const { return modeSwitch_; }
    static QString sampleImagePath();

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;
    void changeEvent(QEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void buildUi();
    void connectActions();
    void connectEngine();
    bool openImage(const QString& path);
    bool openProject(const QString& path);
    void openDialog();
    bool save();
    bool saveAs();
    void exportDialog();
    void importMaskDialog();
    void exportMaskDialog();
    bool confirmDiscard();
    bool ask(const QString& title, const QString& text, bool defaultAnswer);
    void showError(const QString& text, const QString& actionText = QString(), std::function<void()> action = nullptr);
    void updateTitle();
    void updateActions();
    void updateModelStatus();
    void updateBackgroundProgress();
    void setRunning(bool running);
    void onEditProgress(const EditUpdate& update);
    void onEditFinished(const EditOutcome& outcome);
    void setBrushSize(int size);
    QString modelPath() const;

    Options options_;
    Document* document_ = nullptr;
    Canvas* canvas_ = nullptr;
    EngineController* engine_ = nullptr;
    MessageBanner* banner_ = nullptr;
    SidePanel* side_ = nullptr;
    MainActions* actions_ = nullptr;
    RecentFiles* recent_ = nullptr;
    Autosave* autosave_ = nullptr;
    WarpPreviewer* warpPreviewer_ = nullptr;
    LiveDrag* liveDrag_ = nullptr;
    PairModeSwitch* modeSwitch_ = nullptr;
    std::unique_ptr<PointTool> pointTool_;
    std::unique_ptr<MaskBrushTool> brushTool_;
    std::unique_ptr<MaskBrushTool> eraserTool_;
    QLabel* message_ = nullptr;
    QLabel* zoomLabel_ = nullptr;
    QLabel* positionLabel_ = nullptr;
    QProgressBar* progress_ = nullptr;
    bool running_ = false;
    bool cancelling_ = false;
    bool keepMessage_ = false;  // the status message reports an applied edit: analysis must not replace it
};

}  // namespace dragdiff::ui
