#pragma once
// Saves the work every minute to the app's data folder, so a crash loses at most a minute.
// A clean exit discards it; an autosave found at start means the last session did not end well.
// The timer's saves write on a thread of their own (PNG-encoding an edited photo takes longer
// than a frame), from a snapshot taken on the UI thread.
#include "dragdiff/engine.h"

#include <QObject>
#include <QTimer>

#include <functional>

namespace dragdiff::ui {

class Document;
}  // namespace dragdiff::ui
class QThread;
namespace dragdiff::ui {

class Autosave : public QObject {
    Q_OBJECT
public:
    struct Recovery {
        QString projectPath;     // the autosaved project to load
        QString originalImage;   // the picture's own file, when known
        QString userProject;     // the user's project path at the time, when there was one
        bool imageEdited = false;
    };

    Autosave(Document* document, std::function<ModelSpec()> model, QObject* parent = nullptr);
    ~Autosave() override;  // waits for a background write
    static QString folder();
    static bool hasRecovery();
    static Recovery recovery();

    void start(int intervalMs = 60 * 1000);
    // Writes when something changed since the last write. Returns false on failure (reported
    // through `failed`), never throws.
    bool saveNow();
    // The timer's variant: snapshots now, writes on another thread; at most one write at a time.
    void saveInBackground();
    bool writing() const { return writer_ != nullptr; }
    // Removes the autosave (clean exit, or the user declined recovery). Never waits: a background
    // write still running removes what it wrote as it ends; one not yet started writes nothing.
    static void discard();

Q_SIGNALS:
    void failed(const QString& message);

private:
    Document* document_;
    QThread* writer_ = nullptr;
    std::function<ModelSpec()> model_;
    QTimer timer_;
    quint64 savedRevision_ = 0;
};

}  // namespace dragdiff::ui
