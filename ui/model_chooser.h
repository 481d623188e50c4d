#pragma once
// Chooses the model and device: the embedded default, a Stable Diffusion folder (diffusers
// layout) or a single-file .safetensors, remembered in QSettings with the recent choices; and
// per model, its LoRA files and preview decoder (ModelAddOnsDialog).
#include "dragdiff/engine.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QPushButton;

namespace dragdiff::ui {

class ModelChooser : public QWidget {
    Q_OBJECT
public:
    explicit ModelChooser(QWidget* parent = nullptr);

    // The spec saved in QSettings (or the embedded model on first start).
    static dragdiff::ModelSpec savedSpec();
    dragdiff::ModelSpec spec() const;
    void setStatus(const QString& text, bool error);
    // Opens the LoRA and preview decoder dialog for the current model (window-modal, returns at
    // once); accepting it remembers them for this model and emits specChosen.
    void openAddOns();
    // Selects `path` (adding it to the list if new) without emitting specChosen.
    void selectPath(const QString& path);
    // Selects `path` (adding it to the list), remembers it, and emits specChosen.
    void choose(const QString& path) { addAndChoose(path); }

Q_SIGNALS:
    void specChosen(const dragdiff::ModelSpec& spec);

private:
    void chooseFolder();
    void chooseFile();
    void addAndChoose(const QString& path);
    void remember();
    void showAddOnsSummary();

    QComboBox* models_ = nullptr;
    QComboBox* devices_ = nullptr;
    QLabel* addOnsSummary_ = nullptr;
    QLabel* status_ = nullptr;
    bool updating_ = false;
};

}  // namespace dragdiff::ui
