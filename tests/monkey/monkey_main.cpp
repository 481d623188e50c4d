// dragdiff-monkey: the GUI monkey test (see monkey.h).
//
//   dragdiff-monkey [--seconds S | --minutes N] [--seed S] [--dir DIR] [--stall-ms MS] [--verbose]
//
// Everything the app writes (settings, autosave, the sample, projects, exports) goes under DIR (a
// fresh temporary folder by default, removed afterwards unless --dir is given): HOME, TMPDIR and
// the current folder point there. Exit status 0 when no invariant was broken, 1 with findings.
#include "monkey.h"

#include <QApplication>
#include <QDir>
#include <QStandardPaths>
#include <QTemporaryDir>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

namespace {

dragdiff::ui::monkey::Monkey* gMonkey = nullptr;
QtMessageHandler gPrevious = nullptr;

void handler(QtMsgType type, const QMessageLogContext& context, const QString& message) {
    if (message.contains("propagateSizeHints")) return;  // offscreen noise on every resize
    if (gMonkey) gMonkey->onQtMessage(type, message);
    gPrevious(type, context, message);
}

int usage() {
    std::fprintf(stderr, "usage: dragdiff-monkey [--seconds S | --minutes N] [--seed S] [--dir DIR] [--stall-ms MS] [--verbose]\n");
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    dragdiff::ui::monkey::Options options;
    QString dir;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
        const char* v = nullptr;
        if (a == "--seconds" && (v = value())) options.seconds = std::atof(v);
        else if (a == "--minutes" && (v = value())) options.seconds = std::atof(v) * 60;
        else if (a == "--seed" && (v = value())) options.seed = static_cast<unsigned>(std::strtoul(v, nullptr, 10));
        else if (a == "--dir" && (v = value())) dir = QString::fromLocal8Bit(v);
        else if (a == "--stall-ms" && (v = value())) options.stallMs = std::atoi(v);
        else if (a == "--verbose") options.verbose = true;
        else return usage();
    }
    if (options.seconds <= 0) return usage();

    std::unique_ptr<QTemporaryDir> temporary;
    if (dir.isEmpty()) {
        temporary = std::make_unique<QTemporaryDir>(QDir::tempPath() + "/dragdiff-monkey-XXXXXX");
        dir = temporary->path();
    }
    QDir().mkpath(dir);
    options.root = QDir(dir).absolutePath();
    for (const char* sub : {"home", "tmp", "cwd"}) QDir().mkpath(options.root + "/" + sub);
    qputenv("HOME", (options.root + "/home").toLocal8Bit());
    qputenv("TMPDIR", (options.root + "/tmp").toLocal8Bit());
    qunsetenv("XDG_CONFIG_HOME");
    qunsetenv("XDG_DATA_HOME");
    qunsetenv("XDG_CACHE_HOME");
    QDir::setCurrent(options.root + "/cwd");
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");

    gPrevious = qInstallMessageHandler(handler);
    QStandardPaths::setTestModeEnabled(true);
    QApplication app(argc, argv);
    QApplication::setApplicationName("DragDiffMonkey");
    QApplication::setOrganizationName("DragDiffMonkey");

    dragdiff::ui::MainWindow::Options windowOptions;  // the real engine; the model chosen last (embedded)
    windowOptions.interactive = false;
    windowOptions.autosave = false;  // started by the monkey with a short interval
    dragdiff::ui::monkey::Report report;
    {
        dragdiff::ui::MainWindow window(windowOptions);
        window.resize(1280, 800);
        window.show();
        dragdiff::ui::monkey::Monkey monkey(window, options);
        gMonkey = &monkey;
        std::fprintf(stderr, "dragdiff-monkey: seed %u, %.0f s, folder %s\n", options.seed, options.seconds,
                     qPrintable(options.root));
        report = monkey.run();
        gMonkey = nullptr;
    }
    std::fprintf(stderr, "dragdiff-monkey: %d actions in %.1f s (seed %u); runs %d started, %d finished, %d cancelled, %d failed\n",
                 report.actions, report.seconds, options.seed, report.runsStarted, report.runsFinished,
                 report.runsCancelled, report.runsFailed);
    QStringList counts;
    for (auto it = report.counts.cbegin(); it != report.counts.cend(); ++it) counts << QString("%1 %2").arg(it.key()).arg(it.value());
    std::fprintf(stderr, "  actions: %s\n", qPrintable(counts.join(", ")));
    std::fprintf(stderr, "  longest event-loop gap: %lld ms of the app's own (%s); %lld ms wall clock (%s); "
                         "%d gaps over %d ms only from waiting for a CPU; Qt warnings: %d\n",
                 static_cast<long long>(report.maxOwnGapMs), qPrintable(report.maxOwnGapAction),
                 static_cast<long long>(report.maxGapMs), qPrintable(report.maxGapAction), report.starvedGaps,
                 options.stallMs, report.warnings);
    std::fprintf(stderr, "  findings: %lld\n", static_cast<long long>(report.findings.size()));
    for (const QString& f : report.findings) std::fprintf(stderr, "    %s\n", qPrintable(f));
    if (!report.findings.isEmpty()) std::fprintf(stderr, "  log: %s/monkey.log\n", qPrintable(options.root));
    if (temporary && !report.findings.isEmpty()) temporary->setAutoRemove(false);
    return report.findings.isEmpty() ? 0 : 1;
}
