#include "ui/main_window.h"

#include "dragdiff/dragdiff.h"
#include "dragdiff/files.h"
#include "ui/autosave.h"
#include "ui/canvas.h"
#include "ui/document.h"
#include "ui/icons.h"
#include "ui/image_convert.h"
#include "ui/live_drag.h"
#include "ui/main_actions.h"
#include "ui/mask_brush_tool.h"
#include "ui/message_banner.h"
#include "ui/model_chooser.h"
#include "ui/off_ui_thread.h"
#include "ui/pair_mode_switch.h"
#include "ui/parameter_panel.h"
#include "ui/point_tool.h"
#include "ui/project_file.h"
#include "ui/recent_files.h"
#include "ui/settings_store.h"
#include "ui/side_panel.h"
#include "ui/warp_previewer.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCheckBox>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QSlider>
#include <QSpinBox>
#include <QStandardPaths>
#include <QStatusBar>
#include <QToolBar>
#include <QVBoxLayout>

namespace dragdiff::ui {
namespace {

QString formatDuration(double seconds) {
    if (seconds < 0 || !std::isfinite(seconds)) return QString();
    const int s = static_cast<int>(seconds + 0.5);
    if (s < 60) return QObject::tr("%1 s").arg(s);
    return QObject::tr("%1 min %2 s").arg(s / 60).arg(s % 60, 2, 10, QChar('0'));
}

// Reading or writing a large picture takes a moment on the UI thread: the cursor says so, and the
// status bar names the file before the work starts.
class BusyCursor {
public:
    BusyCursor(QLabel* status, const QString& text) {
        status->setText(text);
        status->repaint();
        QApplication::setOverrideCursor(Qt::WaitCursor);
    }
    ~BusyCursor() { QApplication::restoreOverrideCursor(); }
    BusyCursor(const BusyCursor&) = delete;
    BusyCursor& operator=(const BusyCursor&) = delete;
};

bool sameFile(const QString& a, const QString& b) {
    if (a.isEmpty() || b.isEmpty()) return false;
    const QFileInfo fa(a), fb(b);
    if (fa.exists() && fb.exists()) return fa.canonicalFilePath() == fb.canonicalFilePath();
    return fa.absoluteFilePath() == fb.absoluteFilePath();
}

}  // namespace

MainWindow::MainWindow(Options options) : options_(std::move(options)) {
    initResources();
    engine_ = new EngineController(options_.backend, this);
    buildUi();
    connectActions();
    connectEngine();
    autosave_ = new Autosave(document_, [this] { return side_->modelChooser()->spec(); }, this);
    connect(autosave_, &Autosave::failed, this, [this](const QString& m) { message_->setText(m); });
    if (options_.autosave) autosave_->start();
    if (options_.loadModelAtStart) engine_->loadModel(side_->modelChooser()->spec());
    updateTitle();
    updateActions();
    updateModelStatus();
}

MainWindow::~MainWindow() {
    canvas_->setTool(nullptr);  // tools go before the canvas that points at them
    settings::flush();          // the settings' file is complete when the window is gone
}

void MainWindow::buildUi() {
    setWindowIcon(appIcon());
    setAcceptDrops(true);
    document_ = new Document(this);
    canvas_ = new Canvas(document_, this);
    canvas_->setObjectName("canvas");
    canvas_->installEventFilter(this);
    banner_ = new MessageBanner(this);
    auto* centre = new QWidget(this);
    auto* column = new QVBoxLayout(centre);
    column->setContentsMargins(4, 4, 4, 0);
    column->setSpacing(4);
    column->addWidget(banner_);
    column->addWidget(canvas_, 1);
    setCentralWidget(centre);

    side_ = new SidePanel(this);
    auto* dock = new QDockWidget(tr("Edit Settings"), this);
    dock->setObjectName("settingsDock");
    dock->setFeatures(QDockWidget::DockWidgetMovable);
    dock->setWidget(side_);
    dock->setMinimumWidth(330);
    addDockWidget(Qt::RightDockWidgetArea, dock);
    side_->parameters()->setParameters(document_->parameters());

    actions_ = new MainActions(this, document_->undoStack());
    actions_->viewMenu->addSeparator();
    actions_->viewMenu->addAction(dock->toggleViewAction());
    recent_ = new RecentFiles(actions_->recentMenu, this);
    modeSwitch_ = new PairModeSwitch(actions_, document_, canvas_, this);

    pointTool_ = std::make_unique<PointTool>(canvas_, document_);
    brushTool_ = std::make_unique<MaskBrushTool>(canvas_, document_, false);
    eraserTool_ = std::make_unique<MaskBrushTool>(canvas_, document_, true);
    setBrushSize(side_->brushSize()->value());
    canvas_->setTool(pointTool_.get());
    canvas_->setHeatmapOpacity(side_->heatmapOpacity()->value() / 100.0);

    message_ = new QLabel(this);
    positionLabel_ = new QLabel(this);
    zoomLabel_ = new QLabel(this);
    progress_ = new QProgressBar(this);
    progress_->setObjectName("progressBar");
    progress_->setMaximumWidth(340);
    progress_->setMinimumWidth(260);
    progress_->setTextVisible(true);
    progress_->hide();
    statusBar()->addWidget(message_, 1);
    statusBar()->addPermanentWidget(progress_);
    statusBar()->addPermanentWidget(positionLabel_);
    statusBar()->addPermanentWidget(zoomLabel_);
    message_->setText(tr("DragDiff %1 — open a picture to start").arg(QString::fromUtf8(dragdiff::version())));

    resize(1280, 800);
    restoreGeometry(settings::value("window/geometry").toByteArray());
}

void MainWindow::connectActions() {
    MainActions* a = actions_;
    connect(a->open, &QAction::triggered, this, &MainWindow::openDialog);
    connect(a->save, &QAction::triggered, this, &MainWindow::save);
    connect(a->saveAs, &QAction::triggered, this, &MainWindow::saveAs);
    connect(a->exportImage, &QAction::triggered, this, &MainWindow::exportDialog);
    connect(a->importMask, &QAction::triggered, this, &MainWindow::importMaskDialog);
    connect(a->exportMask, &QAction::triggered, this, &MainWindow::exportMaskDialog);
    connect(a->quit, &QAction::triggered, this, &QWidget::close);
    connect(a->deletePoint, &QAction::triggered, canvas_, &Canvas::deleteSelectedPair);
    connect(a->clearPoints, &QAction::triggered, document_, &Document::clearPoints);
    connect(a->clearMask, &QAction::triggered, document_, &Document::clearMask);
    connect(a->pointTool, &QAction::triggered, this, [this] { canvas_->setTool(pointTool_.get()); });
    // Painting a mask one cannot see makes no sense: the brush and eraser show it.
    connect(a->brushTool, &QAction::triggered, this, [this] {
        canvas_->setTool(brushTool_.get());
        actions_->toggleMask->setChecked(true);
    });
    connect(a->eraserTool, &QAction::triggered, this, [this] {
        canvas_->setTool(eraserTool_.get());
        actions_->toggleMask->setChecked(true);
    });
    connect(a->toggleMask, &QAction::toggled, canvas_, &Canvas::setMaskVisible);
    connect(a->brushSmaller, &QAction::triggered, this,
            [this] { setBrushSize(std::max(1, static_cast<int>(side_->brushSize()->value() / 1.25))); });
    connect(a->brushLarger, &QAction::triggered, this,
            [this] { setBrushSize(std::max(side_->brushSize()->value() + 1, static_cast<int>(side_->brushSize()->value() * 1.25))); });
    connect(side_->brushSize(), &QSpinBox::valueChanged, this, &MainWindow::setBrushSize);
    connect(a->run, &QAction::triggered, this, &MainWindow::runEdit);
    connect(side_->runButton(), &QPushButton::clicked, this, &MainWindow::runEdit);
    connect(a->cancel, &QAction::triggered, this, &MainWindow::cancelEdit);
    connect(a->compare, &QAction::toggled, canvas_, &Canvas::setCompareSplit);
    connect(a->warpPreview, &QAction::toggled, this, [this](bool on) {
        warpPreviewer_->setVisible(on);
        updateActions();  // Compare then sets the warp against the picture
        if (!on) message_->setText(tr("Warp preview off."));
        else if (document_->completePairCount() == 0)
            message_->setText(tr("Warp preview on: place a handle and its target to see the picture deform."));
        else
            message_->setText(tr("Warp preview: the picture as the edit would start to deform it. Compare or hold \\ "
                                 "shows the picture; W hides it."));
    });
    connect(a->fit, &QAction::triggered, canvas_, &Canvas::fitToWindow);
    connect(a->actualSize, &QAction::triggered, canvas_, &Canvas::actualSize);
    connect(a->zoomIn, &QAction::triggered, canvas_, &Canvas::zoomIn);
    connect(a->zoomOut, &QAction::triggered, canvas_, &Canvas::zoomOut);
    connect(a->toggleHeatmap, &QAction::toggled, side_->showHeatmap(), &QCheckBox::setChecked);
    connect(side_->showHeatmap(), &QCheckBox::toggled, a->toggleHeatmap, &QAction::setChecked);
    connect(side_->showHeatmap(), &QCheckBox::toggled, canvas_, &Canvas::setHeatmapVisible);
    connect(side_->heatmapOpacity(), &QSlider::valueChanged, this,
            [this](int v) { canvas_->setHeatmapOpacity(v / 100.0); });
    connect(a->about, &QAction::triggered, this, [this] {
        QMessageBox::about(this, tr("About DragDiff"),
                           tr("<b>DragDiff %1</b><p>Drag-based image editing with diffusion models.</p>")
                               .arg(QString::fromUtf8(dragdiff::version())));
    });
    connect(recent_, &RecentFiles::openRequested, this, &MainWindow::openFile);
    connect(canvas_, &Canvas::openRequested, this, &MainWindow::openDialog);
    connect(canvas_, &Canvas::sampleRequested, this, &MainWindow::openSample);
    connect(canvas_, &Canvas::scaleChanged, this,
            [this](double s) { zoomLabel_->setText(tr("%1%").arg(s * 100, 0, 'f', s < 0.1 ? 1 : 0)); });
    connect(canvas_, &Canvas::cursorMoved, this, [this](QPointF p, bool inside) {
        positionLabel_->setText(inside ? tr("%1, %2").arg(int(p.x())).arg(int(p.y())) : QString());
    });

    connect(side_->parameters(), &ParameterPanel::parametersEdited, document_, &Document::setParameters);
    connect(document_, &Document::parametersChanged, this, [this] {
        side_->parameters()->setParameters(document_->parameters());
        // The prompt, the working size, the feature block (and an image-variation model's image
        // transform) make the features: heatmaps must show what the edit will use.
        if (document_->hasImage() && !samePreparation(document_->parameters(), engine_->preparedConditioning()))
            engine_->prepareImage(document_->image(), document_->parameters());
        // The conditioning, steps and strength fix what Run starts from: the engine inverts ahead.
        engine_->setEditParameters(document_->parameters());
        // The threshold and temperature shape the heatmap: show the new one now,
        // not at the next mouse move.
        canvas_->refreshHeatmap();
    });
    connect(side_->resetButton(), &QPushButton::clicked, this, [this] { document_->setParameters(EditParameters()); });
    connect(side_->modelChooser(), &ModelChooser::specChosen, engine_, &EngineController::loadModel);

    connect(document_, &Document::changed, this, &MainWindow::updateActions);
    connect(document_, &Document::modifiedChanged, this, &MainWindow::updateTitle);
    connect(document_, &Document::projectPathChanged, this, &MainWindow::updateTitle);
    connect(document_, &Document::imageReset, this, &MainWindow::updateTitle);
    connect(document_, &Document::imageReset, this, [this] { keepMessage_ = false; });
}

void MainWindow::connectEngine() {
    engine_->setEditParameters(document_->parameters());
    connect(engine_, &EngineController::modelStateChanged, this, &MainWindow::updateModelStatus);
    connect(engine_, &EngineController::imageStateChanged, this, &MainWindow::updateModelStatus);
    connect(engine_, &EngineController::prepareError, this, [this](const QString& m) { showError(m); });
    connect(engine_, &EngineController::prepareProgress, this, [this](int step, int total) {
        if (running_ || total <= 0) return;
        progress_->setRange(0, total);
        progress_->setValue(std::clamp(step, 0, total));
        progress_->setFormat(tr("Analysing the picture %1/%2").arg(step).arg(total));
        progress_->show();
    });
    connect(engine_, &EngineController::heatmapFailed, this, [this](const QString& m) { message_->setText(m); });
    warpPreviewer_ = new WarpPreviewer(document_, canvas_, engine_, this);
    connect(warpPreviewer_, &WarpPreviewer::failed, this, [this](const QString& m) { message_->setText(m); });
    liveDrag_ = new LiveDrag(document_, canvas_, engine_, warpPreviewer_, this);
    connect(liveDrag_, &LiveDrag::failed, this, [this](const QString& m) { message_->setText(m); });
    connect(liveDrag_, &LiveDrag::statusChanged, this, [this](const QString& text) {
        if (!text.isEmpty() && !running_) message_->setText(text);
    });
    connect(actions_->liveDrag, &QAction::toggled, this, [this](bool on) {
        liveDrag_->setEnabled(on);
        settings::setValue("view/liveDrag", on);
        updateActions();  // Compare then sets the live result against the picture
        if (!on) message_->setText(tr("Live drag off."));
        else if (document_->completePairCount() == 0)
            message_->setText(tr("Live drag on: drag a target and the edit follows it."));
    });
    actions_->liveDrag->setChecked(settings::value("view/liveDrag", false).toBool());
    connect(document_, &Document::imageChanged, this, [this] {
        engine_->prepareImage(document_->image(), document_->parameters());
    });
    connect(canvas_, &Canvas::heatmapRequested, this,
            [this](QPointF p) { engine_->requestHeatmap(p, document_->parameters()); });
    // A late answer must not bring back a heatmap the canvas has just cleared.
    connect(engine_, &EngineController::heatmapReady, this, [this](const QImage& overlay, QPointF) {
        if (canvas_->heatmapWanted()) canvas_->setHeatmap(overlay);
    });
    connect(engine_, &EngineController::editProgress, this, &MainWindow::onEditProgress);
    connect(engine_, &EngineController::editFinished, this, &MainWindow::onEditFinished);
    connect(engine_, &EngineController::editFailed, this, [this](const QString& m) {
        setRunning(false);
        showError(m, tr("Run Again"), [this] { runEdit(); });
    });
    connect(engine_, &EngineController::editCancelled, this, [this] {
        setRunning(false);
        message_->setText(tr("Edit cancelled; the picture is unchanged."));
    });
}

void MainWindow::updateModelStatus() {
    using MS = EngineController::ModelState;
    using IS = EngineController::ImageState;
    ModelChooser* chooser = side_->modelChooser();
    switch (engine_->modelState()) {
    case MS::None: chooser->setStatus(tr("No model loaded."), false); break;
    case MS::Loading: chooser->setStatus(tr("Loading…"), false); message_->setText(tr("Loading the model…")); break;
    case MS::Ready: {
        const ModelInfo& info = engine_->modelInfo();
        chooser->setStatus(tr("Ready: %1, %2 px, %3").arg(QString::fromStdString(info.family)).arg(info.imageSize)
                               .arg(QString::fromStdString(info.device).toUpper()), false);
        if (banner_->kind() == MessageBanner::Kind::Error && banner_->property("modelError").toBool()) banner_->hide();
        if (!document_->hasImage() && !running_)
            message_->setText(tr("Model ready. Open a picture (Ctrl+O) or try the sample."));
        // Only the model's own up-blocks give features (a higher block would fail at Run).
        if (auto* block = qobject_cast<QSpinBox*>(side_->parameters()->editor("feature_block")); block && info.upBlocks > 0)
            block->setMaximum(info.upBlocks - 1);
        // A model without a text encoder takes no prompt (the engine would refuse one); an
        // image-conditioned one is conditioned on the picture itself.
        if (auto* prompt = qobject_cast<QLineEdit*>(side_->parameters()->editor("prompt"))) {
            const bool imageConditioned = info.imageEncoderSize > 0;
            prompt->setPlaceholderText(info.usesPrompt         ? tr("optional")
                                       : imageConditioned ? tr("not used: the picture is the condition")
                                                          : tr("not used by this model"));
            prompt->setEnabled(info.usesPrompt || !prompt->text().isEmpty());
            QString help;
            for (const ParameterInfo& p : parameterTable())
                if (p.key == "prompt") help = QString::fromStdString(p.help);
            prompt->setToolTip(info.usesPrompt ? help
                               : imageConditioned
                                   ? tr("This model (%1) is conditioned on the picture itself (its CLIP image "
                                        "embedding), not on text, so it takes no prompt.")
                                         .arg(QString::fromStdString(info.family))
                                   : tr("This model has no text encoder, so it takes no prompt."));
        }
        break;
    }
    case MS::Failed:
        chooser->setStatus(tr("Not loaded (see message)."), true);
        // A model that failed is remembered as the choice: offer the way back to one that works.
        if (engine_->modelSpec().path != "embedded")
            showError(engine_->modelError() + tr("\nYou can still open pictures, place points and paint masks."),
                      tr("Use the Embedded Model"), [this] { side_->modelChooser()->choose("embedded"); });
        else
            showError(engine_->modelError() + tr("\nYou can still open pictures, place points and paint masks."),
                      tr("Retry"), [this] { engine_->loadModel(side_->modelChooser()->spec()); });
        banner_->setProperty("modelError", true);
        break;
    }
    if (running_) return;
    // After an edit the picture is analysed again; the progress bar says so, and the message about
    // the applied edit stays.
    if (!keepMessage_) {
        if (engine_->imageState() == IS::Preparing) message_->setText(tr("Analysing the picture for live heatmaps…"));
        else if (engine_->imageState() == IS::Prepared && engine_->modelState() == MS::Ready)
            message_->setText(tr("Ready. Hover with the point tool to see where a point's part is."));
    }
    updateBackgroundProgress();
}

void MainWindow::updateBackgroundProgress() {
    if (running_) return;  // the edit owns the progress bar
    if (engine_->imageState() == EngineController::ImageState::Preparing) {
        progress_->setRange(0, 0);  // busy until the engine reports its first stage
        progress_->setFormat(tr("Analysing…"));
        progress_->show();
    } else if (engine_->modelState() == EngineController::ModelState::Loading) {
        progress_->setRange(0, 0);  // loading reports no steps
        progress_->setFormat(tr("Loading the model…"));
        progress_->show();
    } else {
        progress_->hide();
    }
}

bool MainWindow::openFile(const QString& path) {
    if (running_) {
        showError(tr("An edit is running. Wait for it or cancel it (Esc) before opening another file."));
        return false;
    }
    if (!confirmDiscard()) return false;
    return ProjectFile::isProjectPath(path) ? openProject(path) : openImage(path);
}

bool MainWindow::openImage(const QString& path) {
    const BusyCursor busy(message_, tr("Opening %1…").arg(QFileInfo(path).fileName()));
    try {
        QImage image = callOffUiThread([p = path.toStdString()] { return toQImage(dragdiff::loadImage(p)); });
        if (image.isNull()) throw dragdiff::LoadError("the picture is empty");
        document_->reset(image, QFileInfo(path).absoluteFilePath());
        recent_->add(path);
        message_->setText(tr("Opened %1 (%2 × %3)").arg(QFileInfo(path).fileName()).arg(image.width()).arg(image.height()));
        return true;
    } catch (const std::exception& e) {
        showError(tr("Cannot open “%1”: %2").arg(QFileInfo(path).fileName(), QString::fromStdString(e.what())));
        return false;
    }
}

bool MainWindow::openProject(const QString& path) {
    const BusyCursor busy(message_, tr("Opening %1…").arg(QFileInfo(path).fileName()));
    try {
        const ProjectFile::Contents c = callOffUiThread([&path] { return ProjectFile::load(path); });
        document_->reset(c.image, c.imagePath);
        document_->setPointsNoUndo(c.points);
        document_->setMaskNoUndo(c.mask);
        document_->setParameters(c.parameters);
        document_->setProjectPath(QFileInfo(path).absoluteFilePath());
        document_->markSaved();
        recent_->add(path);
        message_->setText(tr("Opened project %1").arg(QFileInfo(path).fileName()));
        QStringList notes = c.warnings;
        if (c.modelPath != modelPath()) {
            notes << tr("This project was made with the model “%1”.").arg(c.modelPath);
            banner_->showMessage(MessageBanner::Kind::Info, notes.join('\n'), tr("Use That Model"),
                                 [this, m = c.modelPath] {
                                     side_->modelChooser()->selectPath(m);
                                     engine_->loadModel(side_->modelChooser()->spec());
                                 });
        } else if (!notes.isEmpty()) {
            banner_->showMessage(MessageBanner::Kind::Info, notes.join('\n'));
        }
        return true;
    } catch (const std::exception& e) {
        showError(tr("Cannot open the project “%1”: %2").arg(QFileInfo(path).fileName(), QString::fromStdString(e.what())));
        return false;
    }
}

void MainWindow::openDialog() {
    const QString dir = settings::value("dialogs/openDir", QStandardPaths::writableLocation(QStandardPaths::PicturesLocation)).toString();
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Open picture or project"), dir,
        tr("Pictures and projects (*.png *.jpg *.jpeg *.webp *.bmp *.tif *.tiff *.dragdiff.json);;All files (*)"));
    if (path.isEmpty()) return;
    settings::setValue("dialogs/openDir", QFileInfo(path).absolutePath());
    openFile(path);
}

QString MainWindow::sampleImagePath() {
    // The sample ships inside the program; the engine reads files, so it gets a copy on disk.
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + "/samples";
    const QString path = dir + "/sample.png";
    if (!QFile::exists(path)) {
        QDir().mkpath(dir);
        QFile::copy(":/samples/sample.png", path);
        QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup | QFile::ReadOther);
    }
    return path;
}

bool MainWindow::openSample() { return openFile(sampleImagePath()); }

bool MainWindow::save() {
    if (document_->projectPath().isEmpty()) return saveAs();
    return saveProjectTo(document_->projectPath());
}

bool MainWindow::saveAs() {
    if (!document_->hasImage()) return false;
    QString suggestion = document_->projectPath();
    if (suggestion.isEmpty()) {
        const QFileInfo img(document_->imagePath());
        suggestion = img.absolutePath() + "/" + img.completeBaseName() + ".dragdiff.json";
    }
    QString path = QFileDialog::getSaveFileName(this, tr("Save project"), suggestion, tr("DragDiff projects (*.dragdiff.json)"));
    if (path.isEmpty()) return false;
    return saveProjectTo(path);
}

bool MainWindow::saveProjectTo(const QString& requested) {
    QString path = requested;
    if (!ProjectFile::isProjectPath(path)) path += ".dragdiff.json";
    const BusyCursor busy(message_, tr("Saving %1…").arg(QFileInfo(path).fileName()));
    try {
        // Encoding the pictures and flushing them to disk can take seconds: off the UI thread, from
        // a snapshot. Work that lands meanwhile is not in the file, so it stays unsaved.
        const ProjectFile::Snapshot snapshot = ProjectFile::snapshot(*document_);
        const quint64 revision = document_->revision();
        callOffUiThread([&snapshot, &path, model = side_->modelChooser()->spec()] {
            ProjectFile::save(snapshot, path, model);
            return true;
        });
        document_->setProjectPath(QFileInfo(path).absoluteFilePath());
        if (document_->revision() == revision) document_->markSaved();
        recent_->add(path);
        Autosave::discard();
        message_->setText(tr("Saved project %1").arg(QFileInfo(path).fileName()));
        return true;
    } catch (const std::exception& e) {
        showError(tr("Cannot save the project: %1").arg(QString::fromStdString(e.what())), tr("Save As…"),
                  [this] { saveAs(); });
        return false;
    }
}

void MainWindow::exportDialog() {
    if (!document_->hasImage()) return;
    const QFileInfo img(document_->imagePath());
    const QString suggestion = img.absolutePath() + "/" + img.completeBaseName() + "-edited.png";
    const QString path = QFileDialog::getSaveFileName(this, tr("Export picture"), suggestion,
                                                      tr("PNG (*.png);;JPEG (*.jpg *.jpeg);;WebP (*.webp)"));
    if (path.isEmpty()) return;
    bool allow = false;
    if (sameFile(path, document_->imagePath())) {
        allow = ask(tr("Replace the original?"),
                    tr("“%1” is the picture you opened. Replace it with the edited picture? This cannot be undone.")
                        .arg(img.fileName()), false);
        if (!allow) return;
    }
    exportTo(path, allow);
}

bool MainWindow::exportTo(const QString& path, bool allowOverwriteOriginal) {
    if (!document_->hasImage()) return false;
    if (sameFile(path, document_->imagePath()) && !allowOverwriteOriginal) {
        showError(tr("Not exported: “%1” is the original picture. Choose another name.").arg(QFileInfo(path).fileName()),
                  tr("Export…"), [this] { exportDialog(); });
        return false;
    }
    const BusyCursor busy(message_, tr("Exporting %1…").arg(QFileInfo(path).fileName()));
    try {
        // Checked before encoding; encoding and flushing a large picture take long: off the UI thread.
        callOffUiThread([image = toRgbaImage(document_->image()), p = path.toStdString()] {
            dragdiff::checkImageWritable(p);
            dragdiff::saveImage(image, p);
            return true;
        });
        message_->setText(tr("Exported %1 (%2 × %3)").arg(QFileInfo(path).fileName())
                              .arg(document_->image().width()).arg(document_->image().height()));
        return true;
    } catch (const std::exception& e) {
        showError(tr("Cannot export: %1").arg(QString::fromStdString(e.what())));
        return false;
    }
}

void MainWindow::importMaskDialog() {
    if (!document_->hasImage() || running_) return;
    const QString dir = settings::value("dialogs/maskDir", QFileInfo(document_->imagePath()).absolutePath()).toString();
    const QString path = QFileDialog::getOpenFileName(this, tr("Import mask"), dir,
                                                      tr("Pictures (*.png *.jpg *.jpeg *.webp *.bmp *.tif *.tiff);;All files (*)"));
    if (path.isEmpty()) return;
    settings::setValue("dialogs/maskDir", QFileInfo(path).absolutePath());
    importMaskFrom(path);
}

bool MainWindow::importMaskFrom(const QString& path) {
    if (!document_->hasImage()) return false;
    if (running_) {
        showError(tr("An edit is running. Wait for it or cancel it (Esc) before changing the mask."));
        return false;
    }
    try {
        dragdiff::Mask mask = dragdiff::loadMask(path.toStdString());
        const QSize size = document_->imageSize();
        QString note;
        if (mask.width != size.width() || mask.height != size.height()) {
            note = tr(" It was %1 × %2 and is resized to the picture.").arg(mask.width).arg(mask.height);
            mask = dragdiff::resizeMask(mask, size.width(), size.height());
        }
        if (dragdiff::maskIsBlank(mask))
            throw dragdiff::InvalidRequest("it has no white (editable) pixel; white marks where the edit may change "
                                           "the picture");
        document_->replaceMask(maskToQImage(mask), tr("Import mask"));
        message_->setText(tr("Imported the mask %1.%2 Ctrl+Z undoes it.").arg(QFileInfo(path).fileName(), note));
        if (!note.isEmpty()) banner_->showMessage(MessageBanner::Kind::Info, tr("Mask imported.") + note);
        return true;
    } catch (const std::exception& e) {
        showError(tr("Cannot import the mask “%1”: %2").arg(QFileInfo(path).fileName(), QString::fromStdString(e.what())));
        return false;
    }
}

void MainWindow::exportMaskDialog() {
    if (!document_->hasMask()) {
        showError(tr("There is no mask to export; paint one with the mask brush (B)."));
        return;
    }
    const QFileInfo img(document_->imagePath());
    const QString suggestion = img.absolutePath() + "/" + img.completeBaseName() + ".mask.png";
    const QString path = QFileDialog::getSaveFileName(this, tr("Export mask"), suggestion, tr("PNG (*.png)"));
    if (path.isEmpty()) return;
    exportMaskTo(path);
}

bool MainWindow::exportMaskTo(const QString& path) {
    if (!document_->hasMask()) return false;
    if (sameFile(path, document_->imagePath())) {
        showError(tr("Not exported: “%1” is the original picture. Choose another name.").arg(QFileInfo(path).fileName()));
        return false;
    }
    try {
        callOffUiThread([mask = toMask(document_->mask()), p = path.toStdString()] {
            dragdiff::checkImageWritable(p);
            dragdiff::saveMask(mask, p);
            return true;
        });
        message_->setText(tr("Exported the mask to %1").arg(QFileInfo(path).fileName()));
        return true;
    } catch (const std::exception& e) {
        showError(tr("Cannot export the mask: %1").arg(QString::fromStdString(e.what())));
        return false;
    }
}

bool MainWindow::offerRecovery() {
    if (!Autosave::hasRecovery()) return false;
    if (!ask(tr("Recover unsaved work?"),
             tr("DragDiff did not close properly last time. Recover the work it saved automatically?"), true)) {
        Autosave::discard();
        return false;
    }
    return recover();
}

bool MainWindow::recover() {
    const Autosave::Recovery r = Autosave::recovery();
    try {
        const ProjectFile::Contents c = ProjectFile::load(r.projectPath);
        document_->reset(c.image, r.originalImage.isEmpty() ? c.imagePath : r.originalImage, r.imageEdited);
        document_->setPointsNoUndo(c.points);
        document_->setMaskNoUndo(c.mask);
        document_->setParameters(c.parameters);
        document_->setProjectPath(r.userProject);
        document_->markModified();
        message_->setText(tr("Recovered the unsaved work. Save it with Ctrl+S."));
        return true;
    } catch (const std::exception& e) {
        showError(tr("The autosaved work could not be recovered: %1").arg(QString::fromStdString(e.what())));
        return false;
    }
}

void MainWindow::runEdit() {
    if (running_) return;
    if (!document_->hasImage()) return showError(tr("Open a picture first (Ctrl+O)."));
    if (document_->completePairCount() == 0)
        return showError(tr("Place a handle and its target first: with the point tool, click the part to move, then where it should go."),
                         tr("Point Tool"), [this] { actions_->pointTool->trigger(); });
    if (engine_->modelState() != EngineController::ModelState::Ready) {
        if (engine_->modelState() == EngineController::ModelState::Loading)
            return showError(tr("The model is still loading; try again in a moment."));
        return showError(tr("No model is loaded. %1").arg(engine_->modelError()), tr("Retry Loading"),
                         [this] { engine_->loadModel(side_->modelChooser()->spec()); });
    }
    try {
        dragdiff::validateParameters(document_->parameters());
    } catch (const dragdiff::Error& e) {
        return showError(tr("Check the parameters: %1").arg(QString::fromStdString(e.what())));
    }
    EditJob job;
    job.image = document_->image();
    job.drags = completeDrags(document_->points());  // each with its mode (auto, move, reshape)
    if (!document_->mask().isNull()) job.mask = document_->mask().copy();
    job.parameters = document_->parameters();
    if (!engine_->startEdit(job)) return;
    setRunning(true);
}

void MainWindow::cancelEdit() {
    if (!running_) return;
    cancelling_ = true;
    engine_->cancelEdit();
    message_->setText(tr("Cancelling…"));
    actions_->cancel->setEnabled(false);
}

void MainWindow::setRunning(bool running) {
    running_ = running;
    cancelling_ = false;
    canvas_->setBusy(running);
    if (running) {
        keepMessage_ = false;
        banner_->hide();
        progress_->setRange(0, 0);
        progress_->setFormat(tr("Starting…"));
        progress_->show();
        message_->setText(tr("Running the edit… you can zoom and pan meanwhile; Esc cancels."));
    } else {
        canvas_->clearPreview();
        progress_->hide();
        updateBackgroundProgress();  // a model load or an analysis may be waiting behind the edit
    }
    updateActions();
}

void MainWindow::onEditProgress(const EditUpdate& u) {
    if (!running_) return;
    progress_->setRange(0, std::max(1, u.totalSteps));
    progress_->setValue(std::clamp(u.step, 0, std::max(1, u.totalSteps)));
    QString text = tr("%1 %2/%3").arg(u.phase.isEmpty() ? tr("Step") : u.phase.left(1).toUpper() + u.phase.mid(1))
                       .arg(u.step).arg(u.totalSteps);
    if (u.etaSeconds > 0) text += tr(" — %1 left").arg(formatDuration(u.etaSeconds));
    progress_->setFormat(text);
    canvas_->setPreview(u.preview, u.centroids);
}

void MainWindow::onEditFinished(const EditOutcome& outcome) {
    setRunning(false);
    keepMessage_ = true;
    document_->applyEdit(outcome.image, side_->keepPoints()->isChecked());
    message_->setText(tr("Edit applied in %1. Ctrl+Z undoes it; Compare or hold \\ to see the picture before.")
                          .arg(formatDuration(outcome.seconds)));
}

void MainWindow::setBrushSize(int size) {
    size = std::clamp(size, 1, 1000);
    if (side_->brushSize()->value() != size) side_->brushSize()->setValue(size);
    brushTool_->setDiameter(size);
    eraserTool_->setDiameter(size);
    canvas_->update();
}

void MainWindow::updateActions() {
    const bool has = document_->hasImage();
    const bool idle = !running_;
    MainActions* a = actions_;
    for (QAction* x : {a->save, a->saveAs, a->exportImage, a->fit, a->actualSize, a->zoomIn, a->zoomOut})
        x->setEnabled(has);
    a->importMask->setEnabled(has && idle);
    a->exportMask->setEnabled(document_->hasMask());
    a->open->setEnabled(idle);
    a->clearPoints->setEnabled(has && idle && !document_->points().isEmpty());
    a->clearMask->setEnabled(has && idle && !document_->mask().isNull());
    a->deletePoint->setEnabled(has && idle);
    for (QAction* x : {a->pointTool, a->brushTool, a->eraserTool}) x->setEnabled(idle);
    a->undo->setEnabled(idle && document_->undoStack()->canUndo());
    a->redo->setEnabled(idle && document_->undoStack()->canRedo());
    a->run->setEnabled(has && idle);
    side_->runButton()->setEnabled(has && idle);
    a->cancel->setEnabled(running_ && !cancelling_);
    // Compare: the picture before the last edit, or, with the warp preview on, the warp against the picture.
    const bool comparable =
        !document_->previousImage().isNull() || a->warpPreview->isChecked() || a->liveDrag->isChecked();
    a->compare->setEnabled(comparable);
    if (!comparable && a->compare->isChecked()) a->compare->setChecked(false);
    a->warpPreview->setEnabled(has);
    modeSwitch_->sync();
}

void MainWindow::updateTitle() {
    QString name = tr("Untitled");
    if (!document_->projectPath().isEmpty()) name = QFileInfo(document_->projectPath()).fileName();
    else if (!document_->imagePath().isEmpty()) name = QFileInfo(document_->imagePath()).fileName();
    setWindowTitle(document_->hasImage() ? tr("%1[*] — DragDiff").arg(name) : tr("DragDiff"));
    setWindowModified(document_->isModified());
}

QString MainWindow::modelPath() const { return QString::fromStdString(side_->modelChooser()->spec().path); }

void MainWindow::showError(const QString& text, const QString& actionText, std::function<void()> action) {
    banner_->setProperty("modelError", false);
    banner_->showMessage(MessageBanner::Kind::Error, text, actionText, std::move(action));
    message_->setText(text.section('\n', 0, 0));
}

bool MainWindow::ask(const QString& title, const QString& text, bool defaultAnswer) {
    if (!options_.interactive) return defaultAnswer;
    return QMessageBox::question(this, title, text, QMessageBox::Yes | QMessageBox::No,
                                 defaultAnswer ? QMessageBox::Yes : QMessageBox::No) == QMessageBox::Yes;
}

bool MainWindow::confirmDiscard() {
    if (!document_->isModified() || !options_.interactive) return true;
    const auto answer = QMessageBox::warning(
        this, tr("Unsaved changes"), tr("Save the points, mask and edits of this picture as a project first?"),
        QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Save);
    if (answer == QMessageBox::Save) return save();
    return answer == QMessageBox::Discard;
}

void MainWindow::closeEvent(QCloseEvent* event) {
    if (running_) {
        if (!ask(tr("Stop the edit?"), tr("An edit is running. Stop it and quit?"), true)) return event->ignore();
        engine_->cancelEdit();
    }
    if (!confirmDiscard()) return event->ignore();
    settings::setValue("window/geometry", saveGeometry());
    Autosave::discard();  // a clean exit: nothing to recover next time
    event->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    if (event->mimeData()->hasUrls() && event->mimeData()->urls().value(0).isLocalFile()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
    const QList<QUrl> urls = event->mimeData()->urls();
    if (urls.isEmpty() || !urls.first().isLocalFile()) return;
    event->acceptProposedAction();
    // Open after the drop returns, so a question dialog does not run inside the drag loop.
    QMetaObject::invokeMethod(this, [this, path = urls.first().toLocalFile()] { openFile(path); }, Qt::QueuedConnection);
}

void MainWindow::changeEvent(QEvent* event) {
    if (event->type() == QEvent::PaletteChange && actions_) actions_->refreshIcons();
    QMainWindow::changeEvent(event);
}

bool MainWindow::eventFilter(QObject* watched, QEvent* event) {
    // Hold backslash to see the picture before the last edit.
    if (watched == canvas_ && (event->type() == QEvent::KeyPress || event->type() == QEvent::KeyRelease)) {
        auto* key = static_cast<QKeyEvent*>(event);
        if (key->key() == Qt::Key_Backslash && !key->isAutoRepeat()) {
            canvas_->setShowBefore(event->type() == QEvent::KeyPress);
            return true;
        }
    }
    return QMainWindow::eventFilter(watched, event);
}

}  // namespace dragdiff::ui
