// dragdiff: the desktop application.  dragdiff [IMAGE | PROJECT.dragdiff.json]
#include "ui/main_window.h"
#include "ui/screenshot_script.h"

#include <QApplication>
#include <QCommandLineParser>

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setApplicationName("DragDiff");
    QApplication::setOrganizationName("DragDiff");
    QApplication::setApplicationVersion(DRAGDIFF_VERSION);
    QApplication::setDesktopFileName("io.github.dragdiff.DragDiff");

    QCommandLineParser parser;
    parser.setApplicationDescription("Drag-based image editing with diffusion models.");
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument("file", "A picture or a .dragdiff.json project to open.", "[IMAGE | PROJECT]");
    QCommandLineOption screenshots("screenshot-script", "Write screenshots of scripted states to DIR and exit.", "DIR");
    screenshots.setFlags(QCommandLineOption::HiddenFromHelp);
    parser.addOption(screenshots);
    parser.process(app);
    if (parser.isSet(screenshots)) return dragdiff::ui::ScreenshotScript::run(parser.value(screenshots));

    dragdiff::ui::MainWindow window;
    window.show();
    // Unsaved work from a crash comes first; the file named on the command line otherwise.
    const bool recovered = window.offerRecovery();
    const QStringList files = parser.positionalArguments();
    if (!recovered && !files.isEmpty()) window.openFile(files.first());
    return QApplication::exec();
}
