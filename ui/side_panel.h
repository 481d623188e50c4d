#pragma once
// The panel beside the canvas: model and device, tool options (brush size, heatmap), the edit
// parameters with their Advanced toggle and Reset, and the Run button.
#include <QWidget>

class QCheckBox;
class QPushButton;
class QSlider;
class QSpinBox;

namespace dragdiff::ui {

class ModelChooser;
class ParameterPanel;

class SidePanel : public QWidget {
    Q_OBJECT
public:
    explicit SidePanel(QWidget* parent = nullptr);

    ModelChooser* modelChooser() const { return modelChooser_; }
    ParameterPanel* parameters() const { return parameters_; }
    QSpinBox* brushSize() const { return brushSize_; }
    QCheckBox* showHeatmap() const { return showHeatmap_; }
    QSlider* heatmapOpacity() const { return heatmapOpacity_; }
    QCheckBox* keepPoints() const { return keepPoints_; }
    QCheckBox* advanced() const { return advanced_; }
    QPushButton* resetButton() const { return reset_; }
    QPushButton* runButton() const { return run_; }

private:
    ModelChooser* modelChooser_ = nullptr;
    ParameterPanel* parameters_ = nullptr;
    QSpinBox* brushSize_ = nullptr;
    QCheckBox* showHeatmap_ = nullptr;
    QSlider* heatmapOpacity_ = nullptr;
    QCheckBox* keepPoints_ = nullptr;
    QCheckBox* advanced_ = nullptr;
    QPushButton* reset_ = nullptr;
    QPushButton* run_ = nullptr;
};

}  // namespace dragdiff::ui
