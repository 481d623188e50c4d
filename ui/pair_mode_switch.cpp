#include "ui/pair_mode_switch.h"

#include "ui/canvas.h"
#include "ui/document.h"
#include "ui/main_actions.h"

#include <QAction>

namespace dragdiff::ui {

DragMode nextDragMode(DragMode mode) {
    switch (mode) {
    case DragMode::Auto: return DragMode::Move;
    case DragMode::Move: return DragMode::Reshape;
    case DragMode::Reshape: return DragMode::Auto;
    }
    return DragMode::Auto;
}

PairModeSwitch::PairModeSwitch(MainActions* actions, Document* document, Canvas* canvas, QObject* parent)
    : QObject(parent), actions_(actions), document_(document), canvas_(canvas) {
    connect(actions_->cycleDragMode, &QAction::triggered, this, &PairModeSwitch::cycle);
    connect(actions_->modeAuto, &QAction::triggered, this, [this] { setMode(DragMode::Auto); });
    connect(actions_->modeMove, &QAction::triggered, this, [this] { setMode(DragMode::Move); });
    connect(actions_->modeReshape, &QAction::triggered, this, [this] { setMode(DragMode::Reshape); });
    connect(document_, &Document::pointsChanged, this, &PairModeSwitch::sync);
    connect(canvas_, &Canvas::selectedPairChanged, this, &PairModeSwitch::sync);
    sync();
}

int PairModeSwitch::selectedPair() const {
    const int i = canvas_->selectedPair();
    return i >= 0 && i < document_->points().size() ? i : -1;
}

void PairModeSwitch::setMode(DragMode mode) {
    const int i = selectedPair();
    if (i < 0 || canvas_->busy()) return;
    document_->setDragMode(i, mode);
}

void PairModeSwitch::cycle() {
    const int i = selectedPair();
    if (i < 0 || canvas_->busy()) return;
    document_->setDragMode(i, nextDragMode(document_->points()[i].mode));
}

void PairModeSwitch::sync() {
    const int i = selectedPair();
    const bool enabled = i >= 0 && !canvas_->busy();
    for (QAction* a : {actions_->cycleDragMode, actions_->modeAuto, actions_->modeMove, actions_->modeReshape})
        a->setEnabled(enabled);
    const DragMode mode = i >= 0 ? document_->points()[i].mode : DragMode::Auto;
    (mode == DragMode::Move ? actions_->modeMove : mode == DragMode::Reshape ? actions_->modeReshape : actions_->modeAuto)
        ->setChecked(true);
}

}  // namespace dragdiff::ui
