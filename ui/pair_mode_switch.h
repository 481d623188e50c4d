#pragma once
// The selected pair's drag mode (auto, move, reshape) from Edit ▸ Drag Mode, the tool bar's Mode
// button and D (cycles auto → move → reshape). Each change is one undo step on the document; the
// menu's check marks follow the selected pair.
#include "dragdiff/engine.h"

#include <QObject>

namespace dragdiff::ui {

class Canvas;
class Document;
class MainActions;

class PairModeSwitch : public QObject {
    Q_OBJECT
public:
    PairModeSwitch(MainActions* actions, Document* document, Canvas* canvas, QObject* parent = nullptr);
    void setMode(DragMode mode);  // of the selected pair
    void cycle();
    // Enables the commands when a pair is selected and no edit runs; checks its mode.
    void sync();

private:
    int selectedPair() const;
    MainActions* actions_;
    Document* document_;
    Canvas* canvas_;
};

// auto → move → reshape → auto
DragMode nextDragMode(DragMode mode);

}  // namespace dragdiff::ui
