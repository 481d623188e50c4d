#pragma once
// The core's error types. Every message names what failed, where (file, tensor, key) and,
// when there is one, what the user can do about it. Torch-free: the UI catches these.
#include <stdexcept>
#include <string>

namespace dragdiff {

class Error : public std::runtime_error {
public:
    explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// A file (weights, config, image, project) could not be read or is not what it claims to be.
class LoadError : public Error {
public:
    using Error::Error;
};

// The caller asked for something that cannot be done (bad point, bad parameter, bad prompt).
class InvalidRequest : public Error {
public:
    using Error::Error;
};

// Asked for something whose prerequisite is not there yet (Engine::heatmap() before a picture is
// prepared for the current model, or while a model loads): wait and ask again.
class NotReady : public InvalidRequest {
public:
    using InvalidRequest::InvalidRequest;
};

// A long operation stopped because its cancel flag was set.
class Cancelled : public Error {
public:
    Cancelled() : Error("cancelled") {}
};

// Writing a file failed; the previous file, if any, is intact.
class WriteError : public Error {
public:
    using Error::Error;
};

}  // namespace dragdiff
