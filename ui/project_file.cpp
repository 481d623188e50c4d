#include "ui/project_file.h"

#include "dragdiff/edit_spec.h"
#include "ui/image_convert.h"

#include <QFile>
#include <QFileInfo>
#include <QSaveFile>

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

void ProjectFile::save(const Document& document, const QString& projectPath, const QString& modelPath) {
    if (!document.hasImage()) throw dragdiff::InvalidRequest("there is no picture to save");
    const QString base = stem(projectPath);
    EditSpec spec;
    spec.modelPath = modelPath.isEmpty() ? "embedded" : modelPath.toStdString();
    if (document.imageEdited() || document.imagePath().isEmpty()) {
        // The picture on screen exists nowhere else: the project keeps its own copy.
        const QString input = base + ".input.png";
        dragdiff::saveImage(toRgbaImage(document.image()), input.toStdString());
        spec.imagePath = input.toStdString();
    } else {
        spec.imagePath = QFileInfo(document.imagePath()).absoluteFilePath().toStdString();
    }
    if (document.hasMask()) {
        const QString maskPath = base + ".mask.png";
        QSaveFile file(maskPath);
        if (!file.open(QIODevice::WriteOnly) || !maskToGrayscale(document.mask()).save(&file, "PNG") || !file.commit())
            throw dragdiff::WriteError("cannot write the mask '" + maskPath.toStdString() + "': " +
                                       file.errorString().toStdString());
        spec.maskPath = maskPath.toStdString();
    }
    for (const DragPoint& p : document.points())
        if (p.hasTarget)  // the format holds complete drags only
            spec.drags.push_back({{p.handle.x(), p.handle.y()}, {p.target.x(), p.target.y()}});
    spec.parameters = document.parameters();
    dragdiff::writeEditSpec(spec, projectPath.toStdString());
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
        c.points.append(p);
    }
    if (!spec.maskPath.empty()) {
        const RgbaImage gray = dragdiff::loadImage(spec.maskPath);
        if (gray.width != c.image.width() || gray.height != c.image.height())
            throw dragdiff::LoadError("mask '" + spec.maskPath + "' is " + std::to_string(gray.width) + "x" +
                                      std::to_string(gray.height) + " but the picture is " +
                                      std::to_string(c.image.width()) + "x" + std::to_string(c.image.height()));
        c.mask = maskFromGray(gray, c.image.width(), c.image.height());
    }
    c.parameters = spec.parameters;
    c.modelPath = QString::fromStdString(spec.modelPath);
    return c;
}

}  // namespace dragdiff::ui
