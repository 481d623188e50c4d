#include "ui/points_command.h"

namespace dragdiff::ui {

PointsCommand::PointsCommand(Document* document, DragPoints before, DragPoints after, const QString& text,
                             int mergeSession)
    : QUndoCommand(text), document_(document), before_(std::move(before)), after_(std::move(after)),
      mergeSession_(mergeSession) {}

void PointsCommand::undo() { document_->applyPoints(before_); }
void PointsCommand::redo() { document_->applyPoints(after_); }

bool PointsCommand::mergeWith(const QUndoCommand* other) {
    const auto* o = static_cast<const PointsCommand*>(other);
    if (o->mergeSession_ != mergeSession_) return false;
    after_ = o->after_;
    return true;
}

}  // namespace dragdiff::ui
