#pragma once
// Undo step for a mask change: keeps only the changed rectangle before and after, so a brush
// stroke on a large picture stays cheap.
#include "ui/document.h"

#include <QUndoCommand>

namespace dragdiff::ui {

class MaskCommand : public QUndoCommand {
public:
    // `alreadyApplied`: the document already shows `after` (a stroke painted live), so the first
    // redo() that QUndoStack::push makes does nothing.
    MaskCommand(Document* document, QRect rect, QImage before, QImage after, const QString& text,
                bool alreadyApplied);
    void undo() override;
    void redo() override;

private:
    Document* document_;
    QRect rect_;
    QImage before_;
    QImage after_;
    bool skipRedo_;
};

}  // namespace dragdiff::ui
