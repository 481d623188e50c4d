#include "ui/side_panel.h"

#include "ui/model_chooser.h"
#include "ui/parameter_panel.h"

#include <QCheckBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QPushButton>
#include <QScrollArea>
#include "ui/settings_store.h"
#include <QSlider>
#include <QSpinBox>
#include <QVBoxLayout>

namespace dragdiff::ui {

SidePanel::SidePanel(QWidget* parent) : QWidget(parent) {
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    auto* scroll = new QScrollArea(this);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    auto* content = new QWidget(scroll);
    auto* layout = new QVBoxLayout(content);
    layout->setContentsMargins(8, 8, 8, 8);

    auto* modelBox = new QGroupBox(tr("Model"), content);
    auto* modelLayout = new QVBoxLayout(modelBox);
    modelChooser_ = new ModelChooser(modelBox);
    modelLayout->addWidget(modelChooser_);
    layout->addWidget(modelBox);

    auto* toolBox = new QGroupBox(tr("Tools"), content);
    auto* toolForm = new QFormLayout(toolBox);
    brushSize_ = new QSpinBox(toolBox);
    brushSize_->setObjectName("brushSize");
    brushSize_->setRange(1, 1000);
    brushSize_->setSuffix(tr(" px"));
    brushSize_->setValue(settings::value("brush/size", 40).toInt());
    brushSize_->setToolTip(tr("Brush and eraser diameter in picture pixels ([ and ] change it)"));
    toolForm->addRow(tr("Brush size"), brushSize_);
    auto* heatRow = new QHBoxLayout;
    showHeatmap_ = new QCheckBox(tr("Show"), toolBox);
    showHeatmap_->setChecked(true);
    showHeatmap_->setToolTip(tr("Show the correspondence heatmap of the hovered or selected point (H)"));
    heatmapOpacity_ = new QSlider(Qt::Horizontal, toolBox);
    heatmapOpacity_->setObjectName("heatmapOpacity");
    heatmapOpacity_->setRange(0, 100);
    heatmapOpacity_->setValue(60);
    heatmapOpacity_->setToolTip(tr("Heatmap opacity"));
    heatRow->addWidget(showHeatmap_);
    heatRow->addWidget(heatmapOpacity_, 1);
    toolForm->addRow(tr("Heatmap"), heatRow);
    layout->addWidget(toolBox);

    parameters_ = new ParameterPanel(content);
    layout->addWidget(parameters_);

    auto* row = new QHBoxLayout;
    advanced_ = new QCheckBox(tr("Advanced"), content);
    advanced_->setToolTip(tr("Show every parameter"));
    reset_ = new QPushButton(tr("Reset to Defaults"), content);
    row->addWidget(advanced_);
    row->addStretch(1);
    row->addWidget(reset_);
    layout->addLayout(row);
    layout->addStretch(1);
    scroll->setWidget(content);
    outer->addWidget(scroll, 1);

    // Run sits below the scrolling area, always in view.
    auto* runBox = new QVBoxLayout;
    runBox->setContentsMargins(8, 4, 8, 8);
    keepPoints_ = new QCheckBox(tr("Keep points after the edit"), this);
    keepPoints_->setChecked(true);
    keepPoints_->setToolTip(tr("Use the result as the new input with the same points, for another round"));
    run_ = new QPushButton(tr("Run Edit"), this);
    run_->setObjectName("runButton");
    run_->setMinimumHeight(34);
    runBox->addWidget(keepPoints_);
    runBox->addWidget(run_);
    outer->addLayout(runBox);

    connect(advanced_, &QCheckBox::toggled, parameters_, &ParameterPanel::setAdvancedVisible);
    connect(brushSize_, &QSpinBox::valueChanged, this, [](int v) { settings::setValue("brush/size", v); });
}

}  // namespace dragdiff::ui
