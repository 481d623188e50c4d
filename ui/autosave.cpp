#include "ui/autosave.h"

#include "dragdiff/error.h"
#include "ui/document.h"
#include "ui/project_file.h"

#include <QDir>
#include <QMutex>
#include <QSettings>
#include <QStandardPaths>
#include <QThread>

#include <atomic>
#include <memory>

namespace dragdiff::ui {
namespace {
QString projectFile(const QString& folder = Autosave::folder()) { return folder + "/autosave.dragdiff.json"; }
QString infoFile(const QString& folder = Autosave::folder()) { return folder + "/autosave.ini"; }

// Writes and removals are serialised; a discard bumps the epoch so that a write prepared before
// it (but not yet started) writes nothing. A discard never waits for a write (a save on the UI
// thread would otherwise wait for a background autosave to encode and flush): when the writer holds
// the files, the discard is left pending and the writer removes the files before it lets go.
QMutex& fileMutex() {
    static QMutex m;
    return m;
}
std::atomic<quint64> discardEpoch{0};
std::atomic<bool> removalPending{false};

// Holding fileMutex: carries out a pending discard.
void removePendingLocked(const QString& folder) {
    if (removalPending.exchange(false)) QDir(folder).removeRecursively();
}

// The writer's way out: a discard that came while it held the files is carried out before it goes.
void releaseFiles(const QString& folder) {
    removePendingLocked(folder);
    fileMutex().unlock();
    // A discard that found the files held between the check above and the unlock left its removal
    // pending: take the files again and carry it out (or leave it to whoever holds them now).
    while (removalPending.load() && fileMutex().tryLock()) {
        removePendingLocked(folder);
        fileMutex().unlock();
    }
}

struct Job {
    ProjectFile::Snapshot snapshot;
    ModelSpec model;
    QString userProject;
    quint64 epoch = 0;
    QString folder = Autosave::folder();  // resolved on the UI thread
};

// Returns an error message, or an empty string on success (or when a discard came first).
QString write(const Job& job) {
    fileMutex().lock();
    struct Release {
        const QString& folder;
        ~Release() { releaseFiles(folder); }
    } release{job.folder};
    removePendingLocked(job.folder);
    if (job.epoch != discardEpoch.load()) return QString();
    try {
        QDir().mkpath(job.folder);
        ProjectFile::save(job.snapshot, projectFile(job.folder), job.model);
        QSettings info(infoFile(job.folder), QSettings::IniFormat);
        info.setValue("originalImage", job.snapshot.imagePath);
        info.setValue("userProject", job.userProject);
        info.setValue("imageEdited", job.snapshot.imageEdited);
        info.sync();
        if (info.status() != QSettings::NoError)
            throw dragdiff::WriteError("cannot write '" + infoFile(job.folder).toStdString() +
                                       "' (is the disk full? free some space)");
        return QString();
    } catch (const std::exception& e) {
        // The project files are written all or nothing: what a restart would recover is the last
        // autosave that worked.
        return QObject::tr("Autosave failed; the last autosave is kept. %1. Your work is still open; if no "
                           "space can be freed, save it on another disk (Save As).")
            .arg(QString::fromStdString(e.what()));
    }
}
}  // namespace

Autosave::Autosave(Document* document, std::function<ModelSpec()> model, QObject* parent)
    : QObject(parent), document_(document), model_(std::move(model)) {
    connect(&timer_, &QTimer::timeout, this, &Autosave::saveInBackground);
}

QString Autosave::folder() {
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + "/autosave";
}

bool Autosave::hasRecovery() { return QFile::exists(projectFile()) && QFile::exists(infoFile()); }

Autosave::Recovery Autosave::recovery() {
    QSettings info(infoFile(), QSettings::IniFormat);
    Recovery r;
    r.projectPath = projectFile();
    r.originalImage = info.value("originalImage").toString();
    r.userProject = info.value("userProject").toString();
    r.imageEdited = info.value("imageEdited").toBool();
    return r;
}

void Autosave::start(int intervalMs) {
    savedRevision_ = document_->revision();
    timer_.start(intervalMs);
}

Autosave::~Autosave() {
    if (writer_) {
        writer_->wait();
        delete writer_;
    }
}

bool Autosave::saveNow() {
    if (writer_) writer_->wait();  // an older snapshot must not land after this one
    if (!document_->hasImage() || document_->revision() == savedRevision_) return true;
    if (!document_->isModified()) {
        // Everything is saved by the user: nothing to recover.
        discard();
        savedRevision_ = document_->revision();
        return true;
    }
    const Job job{ProjectFile::snapshot(*document_), model_(), document_->projectPath(), discardEpoch.load()};
    const QString error = write(job);
    if (!error.isEmpty()) {
        Q_EMIT failed(error);
        return false;
    }
    savedRevision_ = document_->revision();
    return true;
}

void Autosave::saveInBackground() {
    if (writer_ || !document_->hasImage() || document_->revision() == savedRevision_) return;
    if (!document_->isModified()) {
        discard();
        savedRevision_ = document_->revision();
        return;
    }
    const quint64 revision = document_->revision();
    auto error = std::make_shared<QString>();
    Job job{ProjectFile::snapshot(*document_), model_(), document_->projectPath(), discardEpoch.load()};
    writer_ = QThread::create([job = std::move(job), error] { *error = write(job); });
    writer_->setObjectName("dragdiff-autosave");
    connect(writer_, &QThread::finished, this, [this, error, revision] {
        writer_->deleteLater();
        writer_ = nullptr;
        if (error->isEmpty()) savedRevision_ = std::max(savedRevision_, revision);
        else Q_EMIT failed(*error);
    });
    writer_->start(QThread::LowPriority);
}

void Autosave::discard() {
    ++discardEpoch;
    removalPending = true;
    if (fileMutex().tryLock()) {  // else the writer holding the files removes them as it ends
        removePendingLocked(folder());
        fileMutex().unlock();
    }
}

}  // namespace dragdiff::ui
