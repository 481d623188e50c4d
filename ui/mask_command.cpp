#include "ui/mask_command.h"

namespace dragdiff::ui {

MaskCommand::MaskCommand(Document* document, QRect rect, QImage before, QImage after, const QString& text,
                         bool alreadyApplied)
    : QUndoCommand(text), document_(document), rect_(rect), before_(std::move(before)), after_(std::move(after)),
      skipRedo_(alreadyApplied) {}

void MaskCommand::undo() { document_->applyMaskRegion(rect_, before_); }

void MaskCommand::redo() {
    if (skipRedo_) {
        skipRedo_ = false;
        return;
    }
    document_->applyMaskRegion(rect_, after_);
}

}  // namespace dragdiff::ui
