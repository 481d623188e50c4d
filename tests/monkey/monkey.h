#pragma once
// The GUI monkey (issue 19): a seeded generator of real user actions on the real widgets of the main
// window, on the real engine and the embedded model. After every action it checks that the UI did
// not stall (the event loop answered within 200 ms), that the document is consistent (undo back to
// the start gives the opened picture bit for bit, redo gives back the state before) and that nothing
// was written outside its folder. A crash or an assertion ends the process; the log names the last
// action.
#include "ui/main_window.h"

#include <QElapsedTimer>
#include <QImage>
#include <QMap>
#include <QObject>
#include <QStringList>
#include <QTimer>

#include <functional>
#include <random>

namespace dragdiff::ui::monkey {

struct Options {
    double seconds = 60;
    unsigned seed = 1;
    QString root;         // every file the monkey or the app writes goes under here
    int stallMs = 200;    // the longest the event loop may go unanswered during an action
    bool verbose = false;
};

struct Report {
    int actions = 0;
    double seconds = 0;
    QMap<QString, int> counts;          // actions by name
    QStringList findings;               // invariant violations, each with its action
    qint64 maxGapMs = 0;                // the longest event-loop gap seen (wall clock)
    QString maxGapAction;
    // The same less the time the UI thread waited for a CPU (run queue, /proc schedstat): what the
    // app itself spent busy or blocked. A stall is a finding when this is over the limit; a gap
    // that is long only because other programs held the CPUs is counted in `starvedGaps`.
    qint64 maxOwnGapMs = 0;
    QString maxOwnGapAction;
    int starvedGaps = 0;
    int runsStarted = 0, runsFinished = 0, runsCancelled = 0, runsFailed = 0;
    int warnings = 0;                   // Qt warnings (logged, not failures)
};

class Monkey : public QObject {
public:
    Monkey(MainWindow& window, Options options);
    Report run();

    // Qt messages of the run: criticals and fatals become findings, warnings are counted.
    void onQtMessage(QtMsgType type, const QString& text);

private:
    struct Action {
        const char* name;
        int weight;
        std::function<void()> act;
    };

    void makeInputs();
    void step();
    void check(const QString& action);
    void checkDocument(const QString& action);
    void checkFiles(const QString& action, bool deep);
    void finding(const QString& text);
    void log(const QString& line);

    // Actions.
    void openGood();
    void openBroken();
    void openProject();
    void clickPoint();
    void dragPoint();
    void deletePoint();
    void paintMask(bool erase);
    void undoRedo();
    void zoom();
    void pan();
    void hover();
    void runEdit();
    void cancelEdit();
    void waitForRun();
    void setParameter();
    void switchModel();
    void saveProject();
    void exportPicture();
    void maskFiles();
    void toggleView();
    void cycleMode();
    void clearSomething();
    void autosave();

    bool running() const;
    bool trigger(QAction* action);
    QPointF randomImagePoint(double outsideChance = 0.05);
    int uniform(int lo, int hi);
    bool chance(double p);
    template <class T> const T& pick(const QList<T>& list) { return list[uniform(0, int(list.size()) - 1)]; }

    MainWindow& window_;
    Options options_;
    std::mt19937 rng_;
    Report report_;
    QList<Action> actions_;
    QStringList goodPictures_, brokenFiles_;
    QStringList writtenProjects_;
    QImage origin_;  // the document's picture when it was opened
    QString current_;
    // Event-loop latency: a 5 ms timer; the gap between two ticks while an action runs.
    QTimer probe_;
    QElapsedTimer clock_;
    qint64 lastTick_ = 0;
    qint64 lastWait_ = 0;      // the UI thread's run-queue wait at the last tick, ms
    qint64 actionMaxGap_ = 0;
    qint64 actionMaxOwnGap_ = 0;
    bool measuring_ = false;
    QMap<QString, qint64> watchedOutside_;  // files outside the root that must not change (path -> mtime)
    qint64 startSecs_ = 0;
    int lastRunOutcomes_ = 0;
};

}  // namespace dragdiff::ui::monkey
