#pragma once
// Project files (`NAME.dragdiff.json`), the same edit-spec format `dragdiff-cli edit --spec`
// replays, read and written through the core's facade. The mask goes beside the project as
// `NAME.mask.png` (8-bit gray, white = editable); an edited picture as `NAME.input.png`.
#include "ui/document.h"

#include <QImage>
#include <QString>

namespace dragdiff::ui {

class ProjectFile {
public:
    struct Contents {
        QImage image;
        QString imagePath;
        DragPoints points;
        QImage mask;  // Alpha8 or null
        EditParameters parameters;
        QString modelPath;
    };

    static bool isProjectPath(const QString& path);
    // "photo.dragdiff.json" -> "photo" (with folder).
    static QString stem(const QString& projectPath);
    // Throws dragdiff::Error (WriteError, LoadError) with the file named; nothing half-written.
    static void save(const Document& document, const QString& projectPath, const QString& modelPath);
    static Contents load(const QString& projectPath);
};

}  // namespace dragdiff::ui
