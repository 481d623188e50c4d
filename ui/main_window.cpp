#include "ui/main_window.h"

#include "dragdiff/dragdiff.h"

#include <QFileDialog>
#include <QImage>
#include <QMenuBar>
#include <QMessageBox>
#include <QPixmap>
#include <QStatusBar>

namespace dragdiff::ui {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    setWindowTitle("DragDiff");
    resize(1280, 800);
    auto* scroll = new QScrollArea(this);
    imageLabel_ = new QLabel(tr("Open an image to start (Ctrl+O)."), scroll);
    imageLabel_->setAlignment(Qt::AlignCenter);
    scroll->setWidget(imageLabel_);
    scroll->setWidgetResizable(true);
    setCentralWidget(scroll);
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&Open..."), QKeySequence::Open, this, &MainWindow::openDialog);
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);
    statusBar()->showMessage(tr("DragDiff %1").arg(QString::fromUtf8(dragdiff::version())));
}

void MainWindow::openDialog() {
    const QString path = QFileDialog::getOpenFileName(this, tr("Open image"), QString(),
                                                      tr("Images (*.png *.jpg *.jpeg *.webp *.bmp *.tif *.tiff)"));
    if (!path.isEmpty()) openFile(path);
}

bool MainWindow::openFile(const QString& path) {
    try {
        RgbaImage image = loadImage(path.toStdString());
        QImage view(image.pixels.data(), image.width, image.height, image.width * 4, QImage::Format_RGBA8888);
        imageLabel_->setPixmap(QPixmap::fromImage(view.copy()));
        statusBar()->showMessage(tr("%1 (%2 x %3)").arg(path).arg(image.width).arg(image.height));
        return true;
    } catch (const dragdiff::Error& e) {
        QMessageBox::warning(this, tr("Cannot open image"), QString::fromStdString(e.what()));
        return false;
    }
}

}  // namespace dragdiff::ui
