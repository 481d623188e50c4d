#pragma once
// Saves the work every minute to the app's data folder, so a crash loses at most a minute.
// A clean exit discards it; an autosave found at start means the last session did not end well.
#include <QObject>
#include <QTimer>

#include <functional>

namespace dragdiff::ui {

class Document;

class Autosave : public QObject {
    Q_OBJECT
public:
    struct Recovery {
        QString projectPath;     // the autosaved project to load
        QString originalImage;   // the picture's own file, when known
        QString userProject;     // the user's project path at the time, when there was one
        bool imageEdited = false;
    };

    Autosave(Document* document, std::function<QString()> modelPath, QObject* parent = nullptr);
    static QString folder();
    static bool hasRecovery();
    static Recovery recovery();

    void start(int intervalMs = 60 * 1000);
    // Writes when something changed since the last write. Returns false on failure (reported
    // through `failed`), never throws.
    bool saveNow();
    // Removes the autosave (clean exit, or the user declined recovery).
    static void discard();

Q_SIGNALS:
    void failed(const QString& message);

private:
    Document* document_;
    std::function<QString()> modelPath_;
    QTimer timer_;
    quint64 savedRevision_ = 0;
};

}  // namespace dragdiff::ui
