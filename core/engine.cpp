// Transitional: the facade's Engine until the models land (replaced by core/drag/).
#include "dragdiff/engine.h"

#include <thread>

namespace dragdiff {

struct Engine::Impl {};

std::vector<std::string> availableDevices() { return {"cpu"}; }
void setThreadCount(int) {}
int threadCount() { return static_cast<int>(std::thread::hardware_concurrency()); }

Engine::Engine() : impl_(std::make_unique<Impl>()) {}
Engine::~Engine() = default;
ModelInfo Engine::loadModel(const ModelSpec& spec) {
    throw LoadError("cannot load model '" + spec.path + "': model loading is not built yet");
}
bool Engine::hasModel() const { return false; }
ModelInfo Engine::modelInfo() const { return {}; }
void Engine::prepareImage(const RgbaImage&, const std::string&, const std::atomic<bool>*) {
    throw InvalidRequest("no model loaded");
}
bool Engine::imagePrepared() const { return false; }
HeatMap Engine::heatmap(PointF, const EditParameters&) const { throw InvalidRequest("no model loaded"); }
EditResult Engine::edit(const EditRequest&, const ProgressCallback&, const std::atomic<bool>*) {
    throw InvalidRequest("no model loaded");
}

}  // namespace dragdiff
