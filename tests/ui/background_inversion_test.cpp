// The background inversion: once a picture is analysed the engine thread inverts it with the
// edit's parameters, so Run starts denoising at once. A new picture, a new model, or a change of
// the prompt, image transform, working size, steps or strength supersedes it (the running one is cancelled); other parameters
// leave it alone; the UI thread never waits for it. Scripted backend (no model).
#include "support/catch_compat.h"

#include "ui/document.h"
#include "ui/engine_controller.h"
#include "ui/main_actions.h"
#include "ui_test_support.h"

#include <QAction>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>

#include <functional>

using namespace dragdiff::ui;
using namespace dragdiff::ui::test;

namespace {

using IS = EngineController::InversionState;

bool inversionReady(const PictureWindow& w) { return w.window->engine()->inversionState() == IS::Ready; }

// Sets the document's parameters as the panel does; returns how long the UI thread took.
qint64 setParameters(PictureWindow& w, const std::function<void(dragdiff::EditParameters&)>& change) {
    dragdiff::EditParameters p = w.window->document()->parameters();
    change(p);
    QElapsedTimer clock;
    clock.start();
    w.window->document()->setParameters(p);
    return clock.elapsed();
}

}  // namespace

TEST_CASE("an analysed picture is inverted in the background with the edit's parameters", "[ui][inversion]") {
    PictureWindow w;
    CHECK(w.window->engine()->inversionState() == IS::None);  // no model yet
    w.loadModel();
    REQUIRE(waitFor([&] { return inversionReady(w); }));
    CHECK(w.backend->inversionCalls.load() == 1);
    CHECK(w.backend->lastInversionSteps.load() == w.window->document()->parameters().steps);

    // Parameters the trajectory does not depend on leave it.
    setParameters(w, [](dragdiff::EditParameters& p) {
        p.guidanceWeight = 100;
        p.heatmapThreshold = 0.6;
    });
    QTest::qWait(100);
    CHECK(w.backend->inversionCalls.load() == 1);
    CHECK(inversionReady(w));

    // The steps, the strength and the prompt do not.
    setParameters(w, [](dragdiff::EditParameters& p) { p.steps = 20; });
    CHECK(w.window->engine()->inversionState() == IS::Preparing);
    REQUIRE(waitFor([&] { return inversionReady(w); }));
    CHECK(w.backend->inversionCalls.load() == 2);
    CHECK(w.backend->lastInversionSteps.load() == 20);
    setParameters(w, [](dragdiff::EditParameters& p) { p.strength = 0.5; });
    REQUIRE(waitFor([&] { return inversionReady(w) && w.backend->inversionCalls.load() == 3; }));
    setParameters(w, [](dragdiff::EditParameters& p) { p.prompt = "a ball"; });  // re-analyses, then inverts
    REQUIRE(waitFor([&] { return inversionReady(w) && w.backend->inversionsDone.load() == 4; }));
    CHECK(w.window->engine()->inversionParameters().prompt == "a ball");
    CHECK(w.backend->lastPrepared().prompt == "a ball");
    // Nor does the image transform (an image-variation model's condition).
    const int prepared = w.backend->prepareCalls.load();
    setParameters(w, [](dragdiff::EditParameters& p) { p.imageTransform = "processor"; });
    REQUIRE(waitFor([&] { return inversionReady(w) && w.backend->inversionsDone.load() == 5; }));
    CHECK(w.backend->prepareCalls.load() == prepared + 1);
    CHECK(w.backend->lastPrepared().imageTransform == "processor");
    CHECK(w.backend->lastPrepared().prompt == "a ball");
    // Nor does the working size (the features and the inversion are made at it).
    setParameters(w, [](dragdiff::EditParameters& p) { p.workingSize = 768; });
    REQUIRE(waitFor([&] { return inversionReady(w) && w.backend->inversionsDone.load() == 6; }));
    CHECK(w.backend->prepareCalls.load() == prepared + 2);
    CHECK(w.backend->lastPrepared().workingSize == 768);
    CHECK(w.window->engine()->inversionParameters().workingSize == 768);

    // A model (re)load drops it; the picture is analysed and inverted again.
    w.loadModel();
    REQUIRE(waitFor([&] { return inversionReady(w) && w.backend->inversionsDone.load() == 7; }));
}

TEST_CASE("a running background inversion is superseded at once and never blocks the UI", "[ui][inversion]") {
    auto backend = std::make_shared<FakeBackend>();
    backend->inversionStageMs = 100;  // half a second per inversion
    PictureWindow w(backend);
    w.loadModel();
    REQUIRE(waitFor([&] { return w.window->engine()->inversionState() == IS::Preparing && backend->inversionCalls == 1; }));
    QTest::qWait(150);  // it runs on the engine's thread now

    // New steps: the UI thread only raises a flag; the running inversion stops, the new one runs.
    const qint64 uiMs = setParameters(w, [](dragdiff::EditParameters& p) { p.steps = 30; });
    CHECK(uiMs < 50);
    REQUIRE(waitFor([&] { return inversionReady(w); }, 5000));
    CHECK(backend->inversionsCancelled.load() == 1);
    CHECK(backend->inversionsDone.load() == 1);
    CHECK(backend->lastInversionSteps.load() == 30);

    // Another picture while its inversion runs: the same.
    QTemporaryDir dir;
    REQUIRE(w.window->openFile(writeTestImage(dir.path(), "other.png", 120, 90)));
    REQUIRE(waitFor([&] { return backend->inversionCalls == 3; }, 5000));
    QTest::qWait(150);
    REQUIRE(w.window->openFile(writeTestImage(dir.path(), "third.png", 100, 80)));
    REQUIRE(waitFor([&] { return inversionReady(w) && backend->inversionsDone == 2; }, 5000));
    CHECK(backend->inversionsCancelled.load() == 2);
}

TEST_CASE("Run while the picture is being inverted waits behind it instead of cancelling it", "[ui][inversion]") {
    auto backend = std::make_shared<FakeBackend>();
    backend->inversionStageMs = 60;
    PictureWindow w(backend);
    w.loadModel();
    w.addPair(QPointF(40, 40), QPointF(120, 90));
    REQUIRE(w.window->engine()->inversionState() == IS::Preparing);
    QSignalSpy finished(w.window->engine(), &EngineController::editFinished);
    w.window->actions()->run->trigger();
    REQUIRE(waitFor([&] { return finished.count() == 1; }, 5000));
    CHECK(backend->inversionsCancelled.load() == 0);
    CHECK(backend->inversionsDone.load() >= 1);
}
