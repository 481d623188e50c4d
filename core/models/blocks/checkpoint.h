#pragma once
// Activation checkpointing (torch.utils.checkpoint for LibTorch C++, which has none): runs a
// function without keeping its intermediate activations, and recomputes them with autograd on
// during the backward pass. Trades one extra forward of the function for its activations' memory.
#include <ATen/ATen.h>

#include <functional>
#include <vector>

namespace dragdiff::models {

using CheckpointedFunction = std::function<at::Tensor(const std::vector<at::Tensor>& inputs)>;

// fn(inputs) with gradients flowing to every input that requires grad, computed by re-running
// fn during backward. Without grad mode (or when no input requires grad) this is just fn(inputs).
// fn must be deterministic and must not hold references to anything that dies before the
// backward pass (copy what it needs into the closure). Undefined inputs are allowed.
at::Tensor checkpoint(const CheckpointedFunction& fn, const std::vector<at::Tensor>& inputs);

}  // namespace dragdiff::models
