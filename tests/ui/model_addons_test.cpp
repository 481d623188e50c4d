// LoRA files and the preview decoder in the window: the model chooser's "LoRA & Previews…" dialog
// adds, weighs and removes LoRA files per model, remembers them, loads the model with them (the real
// engine merges them, or says which key does not fit), and projects record them for a replay.
#include "support/catch_compat.h"

#include "dragdiff/edit_spec.h"
#include "ui/engine_controller.h"
#include "ui/main_window.h"
#include "ui/model_addons_dialog.h"
#include "ui/model_chooser.h"
#include "ui/project_file.h"
#include "ui/side_panel.h"
#include "ui_test_support.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QPushButton>
#include <QTableWidget>

using namespace dragdiff::ui;
using namespace dragdiff::ui::test;

namespace {

// A safetensors file of F32 zeros with these tensors (written by hand: the UI tests see no torch).
void writeZeros(const QString& path, const std::vector<std::pair<QString, std::vector<int>>>& tensors) {
    QJsonObject header;
    qint64 offset = 0;
    for (const auto& [name, shape] : tensors) {
        qint64 n = 1;
        QJsonArray dims;
        for (int d : shape) {
            n *= d;
            dims.append(d);
        }
        header.insert(name, QJsonObject{{"dtype", "F32"}, {"shape", dims}, {"data_offsets", QJsonArray{offset, offset + 4 * n}}});
        offset += 4 * n;
    }
    QByteArray json = QJsonDocument(header).toJson(QJsonDocument::Compact);
    while (json.size() % 8) json.append(' ');
    QByteArray bytes(8, '\0');
    for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((quint64(json.size()) >> (8 * i)) & 0xff);
    bytes += json + QByteArray(offset, '\0');
    QFile f(path);
    REQUIRE(f.open(QIODevice::WriteOnly));
    REQUIRE(f.write(bytes) == bytes.size());
}

// Opens the dialog from its button; the dialog is window-modal and returns at once.
ModelAddOnsDialog* openDialog(MainWindow& window) {
    auto* button = window.sidePanel()->modelChooser()->findChild<QPushButton*>("modelAddOns");
    REQUIRE(button != nullptr);
    button->click();
    ModelAddOnsDialog* dialog = nullptr;
    REQUIRE(waitFor([&] { return (dialog = window.findChild<ModelAddOnsDialog*>()) && dialog->isVisible(); }));
    return dialog;
}

void closeDialog(MainWindow& window, ModelAddOnsDialog* dialog, bool accept) {
    accept ? dialog->accept() : dialog->reject();
    REQUIRE(waitFor([&] { return window.findChild<ModelAddOnsDialog*>() == nullptr; }));  // deleted on close
}

QString summary(MainWindow& window) {
    return window.sidePanel()->modelChooser()->findChild<QLabel*>("addOnsSummary")->text();
}

}  // namespace

TEST_CASE("the model's LoRA files and preview decoder are chosen, remembered per model, and loaded",
          "[ui][lora]") {
    PictureWindow w;
    MainWindow& window = *w.window;
    w.loadModel();
    EngineController* engine = window.engine();
    CHECK(summary(window) == "No LoRA");

    ModelAddOnsDialog* dialog = openDialog(window);
    dialog->addLora(w.dir.filePath("style.safetensors"), 0.8);
    dialog->addLora(w.dir.filePath("detail.safetensors"));
    dialog->setPreviewDecoder(w.dir.filePath("taesd"));
    auto* table = dialog->findChild<QTableWidget*>("loraTable");
    REQUIRE(table->rowCount() == 2);
    qobject_cast<QDoubleSpinBox*>(table->cellWidget(1, 1))->setValue(-0.5);
    closeDialog(window, dialog, true);
    REQUIRE(waitFor([&] { return engine->modelSpec().loras.size() == 2; }));
    const dragdiff::ModelSpec loaded = engine->modelSpec();
    CHECK(loaded.path == "embedded");
    CHECK(loaded.loras[0].path == w.dir.filePath("style.safetensors").toStdString());
    CHECK(loaded.loras[0].strength == Approx(0.8));
    CHECK(loaded.loras[1].strength == Approx(-0.5));
    CHECK(loaded.previewDecoder == w.dir.filePath("taesd").toStdString());
    CHECK(summary(window).contains("style ×0.8"));
    CHECK(summary(window).contains("previews: taesd"));

    // Cancel changes nothing and loads nothing.
    dialog = openDialog(window);
    dialog->findChild<QTableWidget*>("loraTable")->selectRow(0);
    dialog->findChild<QPushButton*>("removeLora")->click();
    CHECK(dialog->loras().size() == 1);
    closeDialog(window, dialog, false);
    CHECK(window.sidePanel()->modelChooser()->spec().loras.size() == 2);

    // Remembered: a new chooser (the next start) gives the same spec.
    CHECK(ModelChooser::savedSpec().loras.size() == 2);
    CHECK(ModelChooser::savedSpec().previewDecoder == loaded.previewDecoder);

    // Per model: another model starts without them; back to this one, they are there again.
    auto* combo = window.sidePanel()->modelChooser()->findChild<QComboBox*>("modelCombo");
    window.sidePanel()->modelChooser()->choose(w.dir.filePath("other-model"));
    CHECK(window.sidePanel()->modelChooser()->spec().loras.empty());
    CHECK(summary(window) == "No LoRA");
    combo->setCurrentIndex(combo->findData(QString("embedded")));
    CHECK(window.sidePanel()->modelChooser()->spec().loras.size() == 2);

    // A project records them, so the headless replay merges the same files.
    ProjectFile::save(*window.document(), w.dir.filePath("p.dragdiff.json"), window.sidePanel()->modelChooser()->spec());
    const dragdiff::EditSpec spec = dragdiff::readEditSpec(w.dir.filePath("p.dragdiff.json").toStdString());
    REQUIRE(spec.loras.size() == 2);
    CHECK(spec.loras[1].path == w.dir.filePath("detail.safetensors").toStdString());
    CHECK(spec.loras[1].strength == Approx(-0.5));

    // Removing them all forgets the entry.
    dialog = openDialog(window);
    dialog->findChild<QTableWidget*>("loraTable")->selectAll();
    dialog->findChild<QPushButton*>("removeLora")->click();
    dialog->findChild<QPushButton*>("clearPreviewDecoder")->click();
    closeDialog(window, dialog, true);
    CHECK(ModelChooser::savedSpec().loras.empty());
    CHECK(ModelChooser::savedSpec().previewDecoder.empty());
}

TEST_CASE("the real engine merges a LoRA chosen in the window, and names the key of one that does not fit",
          "[ui][lora][real]") {
    QTemporaryDir dir;
    MainWindow window(testOptions());  // the real engine
    showWindow(window);
    EngineController* engine = window.engine();
    window.sidePanel()->modelChooser()->choose("embedded");
    REQUIRE(waitFor([&] { return engine->modelState() == EngineController::ModelState::Ready; }, 30000));

    // The embedded UNet's conv_in is [64, 4, 3, 3]: a rank-1 3x3 LoRA fits it; a made-up module does not.
    writeZeros(dir.filePath("fits.safetensors"),
               {{"lora_unet_conv_in.lora_down.weight", {1, 4, 3, 3}}, {"lora_unet_conv_in.lora_up.weight", {64, 1, 1, 1}}});
    writeZeros(dir.filePath("wrong.safetensors"), {{"lora_unet_no_such_layer.lora_down.weight", {1, 4}},
                                                   {"lora_unet_no_such_layer.lora_up.weight", {4, 1}}});
    ModelAddOnsDialog* dialog = openDialog(window);
    dialog->addLora(dir.filePath("wrong.safetensors"));
    closeDialog(window, dialog, true);
    REQUIRE(waitFor([&] { return engine->modelState() == EngineController::ModelState::Failed; }, 30000));
    CHECK(engine->modelError().contains("lora_unet_no_such_layer"));
    CHECK(engine->modelError().contains("wrong.safetensors"));

    dialog = openDialog(window);
    dialog->findChild<QTableWidget*>("loraTable")->selectRow(0);
    dialog->findChild<QPushButton*>("removeLora")->click();
    dialog->addLora(dir.filePath("fits.safetensors"), 0.5);
    closeDialog(window, dialog, true);
    REQUIRE(waitFor([&] { return engine->modelState() == EngineController::ModelState::Ready; }, 30000));
    REQUIRE(engine->modelInfo().loras.size() == 1);
    CHECK(engine->modelInfo().loraModules == std::vector<int>{1});
    CHECK(engine->modelInfo().loras[0].strength == Approx(0.5));
}
