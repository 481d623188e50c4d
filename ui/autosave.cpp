#include "ui/autosave.h"

#include "dragdiff/error.h"
#include "ui/document.h"
#include "ui/project_file.h"

#include <QDir>
#include <QSettings>
#include <QStandardPaths>

namespace dragdiff::ui {
namespace {
QString projectFile() { return Autosave::folder() + "/autosave.dragdiff.json"; }
QString infoFile() { return Autosave::folder() + "/autosave.ini"; }
}  // namespace

Autosave::Autosave(Document* document, std::function<QString()> modelPath, QObject* parent)
    : QObject(parent), document_(document), modelPath_(std::move(modelPath)) {
    connect(&timer_, &QTimer::timeout, this, &Autosave::saveNow);
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

bool Autosave::saveNow() {
    if (!document_->hasImage() || document_->revision() == savedRevision_) return true;
    if (!document_->isModified()) {
        // Everything is saved by the user: nothing to recover.
        discard();
        savedRevision_ = document_->revision();
        return true;
    }
    try {
        QDir().mkpath(folder());
        ProjectFile::save(*document_, projectFile(), modelPath_());
        QSettings info(infoFile(), QSettings::IniFormat);
        info.setValue("originalImage", document_->imagePath());
        info.setValue("userProject", document_->projectPath());
        info.setValue("imageEdited", document_->imageEdited());
        info.sync();
        savedRevision_ = document_->revision();
        return true;
    } catch (const std::exception& e) {
        Q_EMIT failed(tr("Autosave failed: %1").arg(QString::fromStdString(e.what())));
        return false;
    }
}

void Autosave::discard() { QDir(folder()).removeRecursively(); }

}  // namespace dragdiff::ui
