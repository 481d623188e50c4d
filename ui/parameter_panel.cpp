#include "ui/parameter_panel.h"

#include "dragdiff/error.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QLineEdit>
#include <QRegularExpressionValidator>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QVBoxLayout>

#include <climits>
#include <cmath>

namespace dragdiff::ui {
namespace {

// Decimals and step that suit a range: ~100 steps across it, and enough digits for its bounds.
void configureDouble(QDoubleSpinBox* box, const ParameterInfo& info) {
    const double range = std::max(1e-9, info.maximum - info.minimum);
    const double step = std::pow(10.0, std::floor(std::log10(range)) - 2);
    int decimals = std::max(0, static_cast<int>(-std::floor(std::log10(step))));
    if (info.minimum > 0 && info.minimum < 1)
        decimals = std::max(decimals, static_cast<int>(-std::floor(std::log10(info.minimum))));
    decimals = std::clamp(decimals, 0, 6);
    box->setDecimals(std::max(decimals, 2));
    box->setRange(info.minimum, info.maximum);
    box->setSingleStep(std::max(step, std::pow(10.0, -decimals)));
}

}  // namespace

ParameterPanel::ParameterPanel(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    QMap<QString, QFormLayout*> forms;
    for (const ParameterInfo& info : parameterTable()) {
        const QString group = QString::fromStdString(info.group);
        if (!groups_.contains(group)) {
            auto* box = new QGroupBox(group, this);
            auto* form = new QFormLayout(box);
            form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
            groups_[group] = box;
            forms[group] = form;
            layout->addWidget(box);
        }
        const QString key = QString::fromStdString(info.key);
        QWidget* editor = makeEditor(info);
        const QString help = QString::fromStdString(info.help);
        editor->setToolTip(help);
        editor->setObjectName("param_" + key);
        auto* label = new QLabel(QString::fromStdString(info.label), this);
        label->setToolTip(help);
        label->setBuddy(editor);
        forms[group]->addRow(label, editor);
        editors_[key] = editor;
        forms_[key] = forms[group];
        labels_[key] = label;
        advanced_[key] = info.advanced;
    }
    refreshEditors();
    setAdvancedVisible(false);
}

QWidget* ParameterPanel::makeEditor(const ParameterInfo& info) {
    const QString key = QString::fromStdString(info.key);
    if (info.type == "bool") {
        auto* box = new QCheckBox(this);
        connect(box, &QCheckBox::toggled, this, [this, key](bool on) { commit(key, on ? "true" : "false"); });
        return box;
    }
    if (info.type == "choice") {
        auto* box = new QComboBox(this);
        for (const auto& c : info.choices) box->addItem(QString::fromStdString(c));
        connect(box, &QComboBox::currentTextChanged, this, [this, key](const QString& t) { commit(key, t); });
        return box;
    }
    if (info.type == "int" && info.maximum > info.minimum) {
        auto* box = new QSpinBox(this);
        box->setRange(static_cast<int>(info.minimum), static_cast<int>(std::min<double>(info.maximum, INT_MAX)));
        if (info.minimum < 0) box->setSpecialValueText(tr("default"));  // -1 = the model's choice
        if (info.key == "working_size") {
            // Every accepted size re-prepares the picture: commit the typed number, not its prefixes.
            box->setSpecialValueText(tr("model's own"));
            box->setSingleStep(128);  // 0, 128, ... 768, 1024: never a refused size
            box->setKeyboardTracking(false);
        }
        connect(box, &QSpinBox::valueChanged, this, [this, key](int v) { commit(key, QString::number(v)); });
        return box;
    }
    if (info.type == "double") {
        auto* box = new QDoubleSpinBox(this);
        configureDouble(box, info);
        connect(box, &QDoubleSpinBox::valueChanged, this,
                [this, key](double v) { commit(key, QString::number(v, 'g', 10)); });
        return box;
    }
    // Unbounded integers (the seed) and free text: a line edit, the core parses it.
    auto* edit = new QLineEdit(this);
    if (info.type == "int") edit->setValidator(new QRegularExpressionValidator(QRegularExpression("[0-9]{1,20}"), edit));
    else edit->setPlaceholderText(tr("optional"));
    connect(edit, &QLineEdit::editingFinished, this, [this, key, edit] { commit(key, edit->text()); });
    return edit;
}

void ParameterPanel::commit(const QString& key, const QString& text) {
    if (updating_) return;
    QWidget* editor = editors_.value(key);
    try {
        setParameter(parameters_, key.toStdString(), text.toStdString());
        editor->setStyleSheet(QString());
        editor->setToolTip(labels_[key]->toolTip());
        Q_EMIT parametersEdited(parameters_);
    } catch (const dragdiff::Error& e) {
        // Keep the last valid value; show why the text was refused.
        editor->setStyleSheet("color: palette(bright-text); background: #b03030;");
        editor->setToolTip(QString::fromStdString(e.what()));
    }
}

void ParameterPanel::setParameters(const EditParameters& parameters) {
    parameters_ = parameters;
    refreshEditors();
}

void ParameterPanel::refreshEditors() {
    updating_ = true;
    for (const ParameterInfo& info : parameterTable()) {
        const QString key = QString::fromStdString(info.key);
        const QString value = QString::fromStdString(getParameter(parameters_, info.key));
        QWidget* w = editors_[key];
        const QSignalBlocker block(w);
        if (auto* b = qobject_cast<QCheckBox*>(w)) b->setChecked(value == "true");
        else if (auto* c = qobject_cast<QComboBox*>(w)) c->setCurrentText(value);
        else if (auto* s = qobject_cast<QSpinBox*>(w)) s->setValue(value.toInt());
        else if (auto* d = qobject_cast<QDoubleSpinBox*>(w)) d->setValue(value.toDouble());
        else if (auto* l = qobject_cast<QLineEdit*>(w)) l->setText(value);
        w->setStyleSheet(QString());
    }
    updating_ = false;
}

void ParameterPanel::setAdvancedVisible(bool visible) {
    advancedVisible_ = visible;
    QMap<QString, int> shownPerGroup;
    for (const ParameterInfo& info : parameterTable()) {
        const QString key = QString::fromStdString(info.key);
        const bool show = visible || !info.advanced;
        forms_[key]->setRowVisible(editors_[key], show);
        shownPerGroup[QString::fromStdString(info.group)] += show ? 1 : 0;
    }
    // A group with nothing basic in it disappears until Advanced is on.
    for (auto it = groups_.begin(); it != groups_.end(); ++it) it.value()->setVisible(shownPerGroup[it.key()] > 0);
}

}  // namespace dragdiff::ui
