#include "ui/model_addons_dialog.h"

#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>

namespace dragdiff::ui {
namespace {
constexpr int kFileColumn = 0;
constexpr int kStrengthColumn = 1;
}  // namespace

ModelAddOnsDialog::ModelAddOnsDialog(const QString& modelName, const std::vector<LoraSpec>& loras,
                                     const QString& previewDecoder, QWidget* parent)
    : QDialog(parent) {
    setObjectName("modelAddOnsDialog");
    setWindowTitle(tr("LoRA and Previews for %1").arg(modelName));
    auto* layout = new QVBoxLayout(this);

    auto* loraLabel = new QLabel(tr("<b>LoRA files</b>, merged into the model's weights when it loads "
                                    "(strength 0 leaves it out, a negative one subtracts it):"),
                                 this);
    loraLabel->setWordWrap(true);
    layout->addWidget(loraLabel);
    table_ = new QTableWidget(0, 2, this);
    table_->setObjectName("loraTable");
    table_->setHorizontalHeaderLabels({tr("File"), tr("Strength")});
    table_->horizontalHeader()->setSectionResizeMode(kFileColumn, QHeaderView::Stretch);
    table_->horizontalHeader()->setSectionResizeMode(kStrengthColumn, QHeaderView::ResizeToContents);
    table_->verticalHeader()->hide();
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    layout->addWidget(table_, 1);
    auto* loraButtons = new QHBoxLayout;
    auto* add = new QPushButton(tr("Add LoRA…"), this);
    add->setObjectName("addLora");
    remove_ = new QPushButton(tr("Remove"), this);
    remove_->setObjectName("removeLora");
    remove_->setEnabled(false);
    loraButtons->addWidget(add);
    loraButtons->addWidget(remove_);
    loraButtons->addStretch(1);
    layout->addLayout(loraButtons);
    connect(add, &QPushButton::clicked, this, [this] {
        const QStringList files = QFileDialog::getOpenFileNames(this, tr("LoRA files (kohya format)"), QString(),
                                                                tr("Safetensors (*.safetensors)"));
        for (const QString& f : files) addLora(f);
    });
    connect(remove_, &QPushButton::clicked, this, &ModelAddOnsDialog::removeSelected);
    connect(table_, &QTableWidget::itemSelectionChanged, this,
            [this] { remove_->setEnabled(!table_->selectionModel()->selectedRows().isEmpty()); });

    auto* decoderLabel = new QLabel(tr("<b>Preview decoder</b>: a TAESD (taesd for SD 1.x/2.x, taesdxl for "
                                       "SDXL) makes sharper previews during a run at little cost; without one "
                                       "they are a colour sketch or the full VAE for small pictures."),
                                    this);
    decoderLabel->setWordWrap(true);
    layout->addWidget(decoderLabel);
    auto* decoderRow = new QHBoxLayout;
    decoder_ = new QLineEdit(this);
    decoder_->setObjectName("previewDecoder");
    decoder_->setReadOnly(true);
    decoder_->setPlaceholderText(tr("None"));
    auto* folder = new QPushButton(tr("Folder…"), this);
    auto* file = new QPushButton(tr("File…"), this);
    auto* clear = new QPushButton(tr("None"), this);
    clear->setObjectName("clearPreviewDecoder");
    decoderRow->addWidget(decoder_, 1);
    decoderRow->addWidget(folder);
    decoderRow->addWidget(file);
    decoderRow->addWidget(clear);
    layout->addLayout(decoderRow);
    connect(folder, &QPushButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("TAESD folder (diffusers layout)"));
        if (!dir.isEmpty()) setPreviewDecoder(dir);
    });
    connect(file, &QPushButton::clicked, this, [this] {
        const QString f = QFileDialog::getOpenFileName(this, tr("TAESD file"), QString(), tr("Safetensors (*.safetensors)"));
        if (!f.isEmpty()) setPreviewDecoder(f);
    });
    connect(clear, &QPushButton::clicked, this, [this] { setPreviewDecoder(QString()); });

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Load Model"));
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);

    for (const LoraSpec& l : loras) addLora(QString::fromStdString(l.path), l.strength);
    setPreviewDecoder(previewDecoder);
    resize(520, 360);
}

void ModelAddOnsDialog::addLora(const QString& path, double strength) {
    const int row = table_->rowCount();
    table_->insertRow(row);
    auto* name = new QTableWidgetItem(QFileInfo(path).fileName());
    name->setData(Qt::UserRole, path);
    name->setToolTip(path);
    table_->setItem(row, kFileColumn, name);
    auto* spin = new QDoubleSpinBox(table_);
    spin->setRange(-10.0, 10.0);
    spin->setSingleStep(0.05);
    spin->setDecimals(2);
    spin->setValue(strength);
    spin->setToolTip(tr("How much of the LoRA goes into the weights (1 = as trained)"));
    table_->setCellWidget(row, kStrengthColumn, spin);
}

void ModelAddOnsDialog::setPreviewDecoder(const QString& path) {
    decoder_->setText(path);
    decoder_->setToolTip(path);
}

void ModelAddOnsDialog::removeSelected() {
    const QModelIndexList rows = table_->selectionModel()->selectedRows();
    std::vector<int> indexes;
    for (const QModelIndex& i : rows) indexes.push_back(i.row());
    std::sort(indexes.rbegin(), indexes.rend());
    for (int r : indexes) table_->removeRow(r);
}

std::vector<LoraSpec> ModelAddOnsDialog::loras() const {
    std::vector<LoraSpec> out;
    for (int r = 0; r < table_->rowCount(); ++r) {
        LoraSpec l;
        l.path = table_->item(r, kFileColumn)->data(Qt::UserRole).toString().toStdString();
        l.strength = static_cast<QDoubleSpinBox*>(table_->cellWidget(r, kStrengthColumn))->value();
        out.push_back(l);
    }
    return out;
}

QString ModelAddOnsDialog::previewDecoder() const { return decoder_->text(); }

}  // namespace dragdiff::ui
