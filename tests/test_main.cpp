// The main() of every torch-using test binary. Written out (not CATCH_CONFIG_MAIN, not
// Catch2::Catch2WithMain) so that it is the same for Catch2 v2 and v3.
#define CATCH_CONFIG_RUNNER
#include "support/catch_compat.h"

int main(int argc, char** argv) {
    return Catch::Session().run(argc, argv);
}
