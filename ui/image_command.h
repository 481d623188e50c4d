#pragma once
// Undo step for an applied edit: the picture (and optionally the points) before and after.
#include "ui/document.h"

#include <QUndoCommand>

namespace dragdiff::ui {

class ImageCommand : public QUndoCommand {
public:
    struct State {
        QImage image;
        bool edited = false;
        QImage previous;  // what Compare shows as "before" in this state
        DragPoints points;
    };
    ImageCommand(Document* document, State before, State after, const QString& text);
    void undo() override;
    void redo() override;

private:
    void apply(const State& s);
    Document* document_;
    State before_;
    State after_;
};

}  // namespace dragdiff::ui
