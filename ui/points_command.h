#pragma once
// Undo step for any change to the drag points. Points are few, so the command keeps whole
// before/after lists; moves of one mouse drag merge into one step through mergeWith.
#include "ui/document.h"

#include <QUndoCommand>

namespace dragdiff::ui {

class PointsCommand : public QUndoCommand {
public:
    PointsCommand(Document* document, DragPoints before, DragPoints after, const QString& text, int mergeSession);
    void undo() override;
    void redo() override;
    int id() const override { return mergeSession_ == 0 ? -1 : kId; }
    bool mergeWith(const QUndoCommand* other) override;

private:
    static constexpr int kId = 0x4444;
    Document* document_;
    DragPoints before_;
    DragPoints after_;
    int mergeSession_;
};

}  // namespace dragdiff::ui
