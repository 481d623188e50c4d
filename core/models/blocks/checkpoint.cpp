#include "models/blocks/checkpoint.h"

#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/custom_function.h>
#include <torch/custom_class.h>

namespace dragdiff::models {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// The closure travels to backward inside the context's saved data, as an opaque capsule.
struct FunctionHolder : torch::CustomClassHolder {
    explicit FunctionHolder(CheckpointedFunction f) : fn(std::move(f)) {}
    CheckpointedFunction fn;
};

class CheckpointFunction : public torch::autograd::Function<CheckpointFunction> {
public:
    // Runs with grad mode off (Function::apply guarantees it): no graph, no saved activations.
    static at::Tensor forward(AutogradContext* ctx, at::TensorList inputs, const CheckpointedFunction& fn) {
        std::vector<at::Tensor> in(inputs.begin(), inputs.end());
        std::vector<int64_t> needsGrad;
        for (const auto& t : in) needsGrad.push_back(t.defined() && t.requires_grad() ? 1 : 0);
        ctx->saved_data["fn"] = c10::IValue::make_capsule(c10::make_intrusive<FunctionHolder>(fn));
        ctx->saved_data["needs_grad"] = needsGrad;
        ctx->save_for_backward(in);
        return fn(in);
    }

    static variable_list backward(AutogradContext* ctx, variable_list gradOutputs) {
        const variable_list saved = ctx->get_saved_variables();
        const std::vector<int64_t> needsGrad = ctx->saved_data["needs_grad"].toIntVector();
        auto holder = c10::static_intrusive_pointer_cast<FunctionHolder>(ctx->saved_data["fn"].toCapsule());
        std::vector<at::Tensor> in;
        std::vector<at::Tensor> wrt;
        std::vector<size_t> wrtIndex;
        for (size_t i = 0; i < saved.size(); ++i) {
            if (!saved[i].defined()) {
                in.emplace_back();
                continue;
            }
            at::Tensor d = saved[i].detach();
            if (needsGrad[i]) {
                d.requires_grad_(true);
                wrt.push_back(d);
                wrtIndex.push_back(i);
            }
            in.push_back(d);
        }
        variable_list result(saved.size() + 1);  // one per tensor input, plus the function argument
        if (wrt.empty() || !gradOutputs[0].defined()) return result;
        at::Tensor out;
        {
            at::AutoGradMode enable(true);
            out = holder->fn(in);
        }
        if (!out.requires_grad()) return result;
        const variable_list grads = torch::autograd::grad({out}, wrt, {gradOutputs[0]}, /*retain_graph=*/false,
                                                          /*create_graph=*/false, /*allow_unused=*/true);
        for (size_t k = 0; k < wrt.size(); ++k) result[wrtIndex[k]] = grads[k];
        return result;
    }
};

}  // namespace

at::Tensor checkpoint(const CheckpointedFunction& fn, const std::vector<at::Tensor>& inputs) {
    bool anyGrad = false;
    for (const auto& t : inputs) anyGrad = anyGrad || (t.defined() && t.requires_grad());
    if (!at::GradMode::is_enabled() || !anyGrad) return fn(inputs);
    return CheckpointFunction::apply(at::TensorList(inputs), fn);
}

}  // namespace dragdiff::models
