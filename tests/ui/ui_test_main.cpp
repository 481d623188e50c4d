// Test main for the UI: plain Catch2 (this binary never includes torch, so the glog CHECK clash
// that support/catch.h works around cannot happen) plus the QApplication every widget needs.
#define CATCH_CONFIG_RUNNER
#include "support/catch_compat.h"

#include <QApplication>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>

namespace {
QtMessageHandler previousHandler = nullptr;
// The offscreen platform warns about every top-level resize; that noise hides real messages.
void quietHandler(QtMsgType type, const QMessageLogContext& context, const QString& message) {
    if (message.contains("propagateSizeHints")) return;
    previousHandler(type, context, message);
}
}  // namespace

int main(int argc, char** argv) {
    previousHandler = qInstallMessageHandler(quietHandler);
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    // Settings, autosave and samples go to a test location, never the user's own.
    QStandardPaths::setTestModeEnabled(true);
    QApplication app(argc, argv);
    QApplication::setApplicationName("DragDiffTest");
    QApplication::setOrganizationName("DragDiffTest");
    // Each test process keeps its settings to itself: ctest runs test cases side by side, and a
    // mode one of them switches on (live drag, say) must not start in another's window.
    QTemporaryDir settingsDir;
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, settingsDir.path());
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, settingsDir.path());
    return Catch::Session().run(argc, argv);
}
