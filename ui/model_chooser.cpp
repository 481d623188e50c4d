#include "ui/model_chooser.h"

#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QPushButton>
#include <QVBoxLayout>

#include "ui/model_addons_dialog.h"
#include "ui/settings_store.h"

namespace dragdiff::ui {
namespace {
constexpr const char* kEmbedded = "embedded";
constexpr int kMaxRecentModels = 6;
constexpr const char* kAddOnsKey = "model/addOns";  // model path -> {loras: [{path, strength}], previewDecoder}

// The LoRA files and preview decoder remembered for the model at `path` (none when never set).
void readAddOns(const QString& path, ModelSpec& spec) {
    const QVariantMap entry = settings::value(kAddOnsKey).toMap().value(path).toMap();
    spec.loras.clear();
    for (const QVariant& v : entry.value("loras").toList()) {
        const QVariantMap l = v.toMap();
        spec.loras.push_back({l.value("path").toString().toStdString(), l.value("strength", 1.0).toDouble()});
    }
    spec.previewDecoder = entry.value("previewDecoder").toString().toStdString();
}

void writeAddOns(const QString& path, const std::vector<LoraSpec>& loras, const QString& previewDecoder) {
    QVariantMap all = settings::value(kAddOnsKey).toMap();
    if (loras.empty() && previewDecoder.isEmpty()) {
        all.remove(path);
    } else {
        QVariantList list;
        for (const LoraSpec& l : loras)
            list.push_back(QVariantMap{{"path", QString::fromStdString(l.path)}, {"strength", l.strength}});
        all.insert(path, QVariantMap{{"loras", list}, {"previewDecoder", previewDecoder}});
    }
    settings::setValue(kAddOnsKey, all);
}
}  // namespace

ModelChooser::ModelChooser(QWidget* parent) : QWidget(parent) {
    auto* form = new QFormLayout(this);
    form->setContentsMargins(0, 0, 0, 0);
    auto* row = new QHBoxLayout;
    models_ = new QComboBox(this);
    models_->setObjectName("modelCombo");
    models_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    models_->setMinimumContentsLength(12);
    models_->setToolTip(tr("The diffusion model used for heatmaps and edits"));
    auto* browse = new QPushButton(tr("Choose…"), this);
    browse->setToolTip(tr("Use a Stable Diffusion folder or a single-file checkpoint"));
    auto* menu = new QMenu(browse);
    menu->addAction(tr("Stable Diffusion Folder…"), this, &ModelChooser::chooseFolder);
    menu->addAction(tr("Single .safetensors File…"), this, &ModelChooser::chooseFile);
    browse->setMenu(menu);
    row->addWidget(models_, 1);
    row->addWidget(browse);
    form->addRow(tr("Model"), row);
    devices_ = new QComboBox(this);
    devices_->setObjectName("deviceCombo");
    for (const auto& d : dragdiff::availableDevices()) devices_->addItem(QString::fromStdString(d).toUpper(), QString::fromStdString(d));
    devices_->setToolTip(tr("Where the model runs"));
    form->addRow(tr("Device"), devices_);
    auto* addOnsRow = new QHBoxLayout;
    addOnsSummary_ = new QLabel(this);
    addOnsSummary_->setObjectName("addOnsSummary");
    addOnsSummary_->setWordWrap(true);
    auto* addOns = new QPushButton(tr("LoRA && Previews…"), this);
    addOns->setObjectName("modelAddOns");
    addOns->setToolTip(tr("LoRA files merged into this model, and a TAESD decoder for previews"));
    connect(addOns, &QPushButton::clicked, this, &ModelChooser::openAddOns);
    addOnsRow->addWidget(addOnsSummary_, 1);
    addOnsRow->addWidget(addOns);
    form->addRow(tr("Add-ons"), addOnsRow);
    status_ = new QLabel(this);
    status_->setWordWrap(true);
    status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    form->addRow(status_);

    models_->addItem(tr("Embedded (default)"), QString(kEmbedded));
    for (const QString& p : settings::value("model/recent").toStringList())
        if (p != kEmbedded) models_->addItem(QFileInfo(p).fileName(), p);
    const ModelSpec saved = savedSpec();
    selectPath(QString::fromStdString(saved.path));
    const int dev = devices_->findData(QString::fromStdString(saved.device));
    if (dev >= 0) devices_->setCurrentIndex(dev);

    auto changed = [this] {
        showAddOnsSummary();
        if (updating_) return;
        remember();
        Q_EMIT specChosen(spec());
    };
    connect(models_, &QComboBox::currentIndexChanged, this, changed);
    connect(devices_, &QComboBox::currentIndexChanged, this, changed);
}

dragdiff::ModelSpec ModelChooser::savedSpec() {
    ModelSpec spec;
    spec.path = settings::value("model/path", kEmbedded).toString().toStdString();
    spec.device = settings::value("model/device", "cpu").toString().toStdString();
    bool known = false;
    for (const auto& d : dragdiff::availableDevices()) known = known || d == spec.device;
    if (!known) spec.device = "cpu";
    readAddOns(QString::fromStdString(spec.path), spec);
    return spec;
}

dragdiff::ModelSpec ModelChooser::spec() const {
    ModelSpec s;
    s.path = models_->currentData().toString().toStdString();
    if (s.path.empty()) s.path = kEmbedded;
    s.device = devices_->currentData().toString().toStdString();
    if (s.device.empty()) s.device = "cpu";
    readAddOns(QString::fromStdString(s.path), s);
    return s;
}

void ModelChooser::openAddOns() {
    const ModelSpec current = spec();
    auto* dialog = new ModelAddOnsDialog(models_->currentText(), current.loras,
                                         QString::fromStdString(current.previewDecoder), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    const QString model = QString::fromStdString(current.path);
    connect(dialog, &QDialog::accepted, this, [this, dialog, model] {
        writeAddOns(model, dialog->loras(), dialog->previewDecoder());
        if (models_->currentData().toString() != model) return;  // the model changed meanwhile
        showAddOnsSummary();
        Q_EMIT specChosen(spec());
    });
    dialog->open();
}

void ModelChooser::showAddOnsSummary() {
    const ModelSpec s = spec();
    QStringList parts;
    for (const LoraSpec& l : s.loras)
        parts << tr("%1 ×%2").arg(QFileInfo(QString::fromStdString(l.path)).completeBaseName()).arg(l.strength, 0, 'g', 3);
    QString text = parts.isEmpty() ? tr("No LoRA") : tr("LoRA: %1").arg(parts.join(", "));
    text += s.previewDecoder.empty()
                ? QString()
                : tr("; previews: %1").arg(QFileInfo(QString::fromStdString(s.previewDecoder)).fileName());
    addOnsSummary_->setText(text);
    addOnsSummary_->setToolTip(text);
}

void ModelChooser::setStatus(const QString& text, bool error) {
    status_->setText(text);
    status_->setStyleSheet(error ? "color: #c62828;" : QString());
}

void ModelChooser::selectPath(const QString& path) {
    updating_ = true;
    int i = models_->findData(path);
    if (i < 0) {
        models_->addItem(QFileInfo(path).fileName(), path);
        i = models_->count() - 1;
    }
    models_->setCurrentIndex(i);
    models_->setItemData(i, path, Qt::ToolTipRole);
    updating_ = false;
    showAddOnsSummary();
}

void ModelChooser::chooseFolder() {
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Stable Diffusion folder (diffusers layout)"));
    if (!dir.isEmpty()) addAndChoose(dir);
}

void ModelChooser::chooseFile() {
    const QString file = QFileDialog::getOpenFileName(this, tr("Single-file checkpoint"), QString(),
                                                      tr("Safetensors (*.safetensors)"));
    if (!file.isEmpty()) addAndChoose(file);
}

void ModelChooser::addAndChoose(const QString& path) {
    selectPath(path);
    remember();
    Q_EMIT specChosen(spec());
}

void ModelChooser::remember() {
    const ModelSpec s = spec();
    settings::setValue("model/path", QString::fromStdString(s.path));
    settings::setValue("model/device", QString::fromStdString(s.device));
    if (s.path != kEmbedded) {
        QStringList recent = settings::value("model/recent").toStringList();
        recent.removeAll(QString::fromStdString(s.path));
        recent.prepend(QString::fromStdString(s.path));
        while (recent.size() > kMaxRecentModels) recent.removeLast();
        settings::setValue("model/recent", recent);
    }
}

}  // namespace dragdiff::ui
