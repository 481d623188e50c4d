#pragma once
// Project files (`NAME.dragdiff.json`), the same edit-spec format `dragdiff-cli edit --spec`
// replays, read and written through the core's facade (readEditSpec/writeEditSpec, loadMask/
// saveMask, loadImage/saveImage). The mask goes beside the project as `NAME.mask.png` (white =
// editable); an edited picture as `NAME.input.png`.
#include "dragdiff/engine.h"
#include "ui/document.h"

#include <QImage>
#include <QString>
#include <QStringList>

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
        QStringList warnings;  // things the user should know (a mask resized to fit, ...)
    };

    // What a save writes, copied from the document on the UI thread (QImage copies are shallow
    // and copy-on-write), so the writing can happen on another thread.
    struct Snapshot {
        QImage image;
        QString imagePath;
        bool imageEdited = false;
        DragPoints points;
        QImage mask;  // null when there is no mask
        EditParameters parameters;
    };
    static Snapshot snapshot(const Document& document);

    static bool isProjectPath(const QString& path);
    // "photo.dragdiff.json" -> "photo" (with folder).
    static QString stem(const QString& projectPath);
    // Throws dragdiff::Error (WriteError, LoadError) with the file named; nothing half-written.
    // The model's path and LoRA files go into the project, so a headless replay uses the same weights.
    static void save(const Document& document, const QString& projectPath, const ModelSpec& model);
    static void save(const Snapshot& snapshot, const QString& projectPath, const ModelSpec& model);  // any thread
    static Contents load(const QString& projectPath);
};

}  // namespace dragdiff::ui
