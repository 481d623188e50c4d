// dragdiff: the desktop application.
#include "ui/main_window.h"

#include <QApplication>

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setApplicationName("DragDiff");
    QApplication::setOrganizationName("DragDiff");
    dragdiff::ui::MainWindow window;
    const QStringList args = QApplication::arguments();
    if (args.size() > 1) window.openFile(args.at(1));
    window.show();
    return QApplication::exec();
}
