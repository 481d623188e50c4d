#pragma once
// What the user adds to the chosen model: LoRA files with their strengths (merged into the weights
// at load, in the listed order) and a TAESD decoder for the previews of a run.
#include "dragdiff/engine.h"

#include <QDialog>

#include <vector>

class QLineEdit;
class QPushButton;
class QTableWidget;

namespace dragdiff::ui {

class ModelAddOnsDialog : public QDialog {
    Q_OBJECT
public:
    ModelAddOnsDialog(const QString& modelName, const std::vector<LoraSpec>& loras, const QString& previewDecoder,
                      QWidget* parent = nullptr);

    std::vector<LoraSpec> loras() const;
    QString previewDecoder() const;
    // What the file choosers do (tests call these directly).
    void addLora(const QString& path, double strength = 1.0);
    void setPreviewDecoder(const QString& path);

private:
    void removeSelected();

    QTableWidget* table_ = nullptr;
    QLineEdit* decoder_ = nullptr;
    QPushButton* remove_ = nullptr;
};

}  // namespace dragdiff::ui
