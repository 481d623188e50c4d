#include "ui/project_file.h"

#include "dragdiff/edit_spec.h"
#include "dragdiff/files.h"
#include "ui/image_convert.h"

#include <QFile>
#include <QFileInfo>
#include <QObject>

#include <cstring>

namespace dragdiff::ui {

bool ProjectFile::isProjectPath(const QString& path) {
    return path.endsWith(".dragdiff.json", Qt::CaseInsensitive) || path.endsWith(".json", Qt::CaseInsensitive);
}

QString ProjectFile::stem(const QString& projectPath) {
    QString s = projectPath;
    for (const char* suffix : {".dragdiff.json", ".json"})
        if (s.endsWith(suffix, Qt::CaseInsensitive)) return s.left(s.size() - static_cast<int>(strlen(suffix)));
    return s;
}

ProjectFile::Snapshot ProjectFile::snapshot(const Document& document) {
    Snapshot s;
    s.image = document.image();
    s.imagePath = document.imagePath();
    s.imageEdited = document.imageEdited();
    s.points = document.points();
    if (document.hasMask()) s.mask = document.mask();
    s.parameters = document.parameters();
    return s;
}

void ProjectFile::save(const Document& document, const QString& projectPath, const ModelSpec& model) {
    save(snapshot(document), projectPath, model);
}

void ProjectFile::save(const Snapshot& document, const QString& projectPath, const ModelSpec& model) {
    if (document.image.isNull()) throw dragdiff::InvalidRequest("there is no picture to save");
    // Said before any picture is encoded; then the picture, the mask and the project file land
    // together or not at all (a full disk must not leave an old project showing a new picture).
    dragdiff::checkWritable(projectPath.toStdString());
    dragdiff::WriteBatch batch;
    const QString base = stem(projectPath);
    EditSpec spec;
    spec.modelPath = model.path.empty() ? "embedded" : model.path;
    spec.loras = model.loras;
    if (document.imageEdited || document.imagePath.isEmpty()) {
        // The picture on screen exists nowhere else: the project keeps its own copy.
        const QString input = base + ".input.png";
        dragdiff::saveImage(toRgbaImage(document.image), input.toStdString());
        spec.imagePath = input.toStdString();
    } else {
        spec.imagePath = QFileInfo(document.imagePath).absoluteFilePath().toStdString();
    }
    if (!document.mask.isNull()) {
        // Through the core, binarised as the engine sees it: the CLI replays exactly this mask.
        const QString maskPath = base + ".mask.png";
        dragdiff::saveMask(toMask(document.mask), maskPath.toStdString());
        spec.maskPath = maskPath.toStdString();
    }
    spec.drags = completeDrags(document.points);  // the format holds complete drags only, with their modes
    spec.parameters = document.parameters;
    dragdiff::writeEditSpec(spec, projectPath.toStdString());
    batch.commit();
}

ProjectFile::Contents ProjectFile::load(const QString& projectPath) {
    const EditSpec spec = dragdiff::readEditSpec(projectPath.toStdString());
    Contents c;
    c.imagePath = QString::fromStdString(spec.imagePath);
    c.image = toQImage(dragdiff::loadImage(spec.imagePath));
    for (const DragPair& d : spec.drags) {
        DragPoint p;
        p.handle = QPointF(d.handle.x, d.handle.y);
        p.target = QPointF(d.target.x, d.target.y);
        p.hasTarget = true;
        p.mode = d.mode;
        c.points.append(p);
    }
    if (!spec.maskPath.empty()) {
        dragdiff::Mask mask = dragdiff::loadMask(spec.maskPath);
        if (mask.width != c.image.width() || mask.height != c.image.height()) {
            // As the CLI does: resized (nearest neighbour) with a warning, so the project still opens.
            c.warnings << QObject::tr("The mask “%1” is %2 × %3 but the picture is %4 × %5; it was resized to fit.")
                              .arg(QFileInfo(QString::fromStdString(spec.maskPath)).fileName())
                              .arg(mask.width).arg(mask.height).arg(c.image.width()).arg(c.image.height());
            mask = dragdiff::resizeMask(mask, c.image.width(), c.image.height());
        }
        c.mask = maskToQImage(mask);
    }
    c.parameters = spec.parameters;
    c.modelPath = QString::fromStdString(spec.modelPath);
    return c;
}

}  // namespace dragdiff::ui
