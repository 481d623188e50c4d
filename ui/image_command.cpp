#include "ui/image_command.h"

namespace dragdiff::ui {

ImageCommand::ImageCommand(Document* document, State before, State after, const QString& text)
    : QUndoCommand(text), document_(document), before_(std::move(before)), after_(std::move(after)) {}

void ImageCommand::undo() { apply(before_); }
void ImageCommand::redo() { apply(after_); }

void ImageCommand::apply(const State& s) {
    document_->applyImage(s.image, s.edited, s.previous);
    document_->applyPoints(s.points);
}

}  // namespace dragdiff::ui
