#pragma once
// The edit parameters, generated from dragdiff::parameterTable(): one group box per group, an
// editor per type (spin box, check box, choice, text) with the table's range and help as tooltip.
// Advanced parameters appear only when asked for. Edits are validated by the core's own parser.
#include "dragdiff/parameters.h"

#include <QMap>
#include <QWidget>

class QCheckBox;
class QFormLayout;
class QGroupBox;
class QLabel;

namespace dragdiff::ui {

class ParameterPanel : public QWidget {
    Q_OBJECT
public:
    explicit ParameterPanel(QWidget* parent = nullptr);

    // Shows these values without emitting parametersEdited.
    void setParameters(const EditParameters& parameters);
    const EditParameters& parameters() const { return parameters_; }
    void setAdvancedVisible(bool visible);
    bool advancedVisible() const { return advancedVisible_; }
    QWidget* editor(const QString& key) const { return editors_.value(key); }

Q_SIGNALS:
    void parametersEdited(const dragdiff::EditParameters& parameters);

private:
    QWidget* makeEditor(const ParameterInfo& info);
    void commit(const QString& key, const QString& text);
    void refreshEditors();

    EditParameters parameters_;
    QMap<QString, QWidget*> editors_;
    QMap<QString, QLabel*> labels_;
    QMap<QString, QFormLayout*> forms_;
    QMap<QString, bool> advanced_;
    QMap<QString, QGroupBox*> groups_;
    bool advancedVisible_ = false;
    bool updating_ = false;
};

}  // namespace dragdiff::ui
