// The prompt field follows the model: enabled for a text-conditioned model, disabled with a
// tooltip saying why for an image-conditioned one (sd-image-variations) and for one without a
// text encoder. The window reads this from the facade's ModelInfo only.
#include "support/catch_compat.h"

#include "dragdiff/dragdiff.h"
#include "ui/engine_controller.h"
#include "ui/main_window.h"
#include "ui/parameter_panel.h"
#include "ui/side_panel.h"
#include "ui_test_support.h"

#include <QLineEdit>

using namespace dragdiff::ui;
using namespace dragdiff::ui::test;

namespace {

QLineEdit* promptField(MainWindow& window) {
    auto* prompt = qobject_cast<QLineEdit*>(window.sidePanel()->parameters()->editor("prompt"));
    REQUIRE(prompt != nullptr);
    return prompt;
}

void loadFakeModel(PictureWindow& w, FakeBackend::Conditioning conditioning) {
    w.backend->conditioning = conditioning;
    w.window->engine()->loadModel(dragdiff::ModelSpec{});
    REQUIRE(waitFor([&] { return w.window->engine()->modelState() == EngineController::ModelState::Ready; }));
}

}  // namespace

TEST_CASE("the prompt field is disabled, saying why, for an image-conditioned model", "[ui]") {
    PictureWindow w;
    loadFakeModel(w, FakeBackend::Conditioning::Text);
    QLineEdit* prompt = promptField(*w.window);
    CHECK(prompt->isEnabled());
    CHECK(prompt->placeholderText() == "optional");
    CHECK(prompt->toolTip().contains("text"));  // the parameter's own help

    loadFakeModel(w, FakeBackend::Conditioning::Image);
    CHECK(w.window->engine()->modelInfo().family == "sd-image-variations");
    CHECK_FALSE(prompt->isEnabled());
    CHECK(prompt->placeholderText().contains("picture"));
    CHECK(prompt->toolTip().contains("sd-image-variations"));
    CHECK(prompt->toolTip().contains("conditioned on the picture itself"));
    CHECK(prompt->toolTip().contains("takes no prompt"));

    loadFakeModel(w, FakeBackend::Conditioning::None);
    CHECK_FALSE(prompt->isEnabled());
    CHECK(prompt->toolTip().contains("no text encoder"));
}
