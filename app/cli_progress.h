#pragma once
// Progress on stderr: a redrawn bar when stderr is a terminal, one plain line per update otherwise.
#include "dragdiff/engine.h"

#include <string>

namespace dragdiff::cli {

class ProgressPrinter {
public:
    ProgressPrinter();
    void update(const EditProgress& progress);
    void finish();

private:
    bool terminal_;
    bool dirty_ = false;
    std::string lastPhase_;
};

}  // namespace dragdiff::cli
