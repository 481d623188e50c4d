#pragma once
#include <QLabel>
#include <QMainWindow>
#include <QScrollArea>

namespace dragdiff::ui {

// The application window. For now: open an image and show it; the editing canvas, tools and the
// engine worker come with the GUI issue.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    bool openFile(const QString& path);

private:
    void openDialog();
    QLabel* imageLabel_ = nullptr;
};

}  // namespace dragdiff::ui
