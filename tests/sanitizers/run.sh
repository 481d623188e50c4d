#!/usr/bin/env bash
# Builds the project with AddressSanitizer + UndefinedBehaviorSanitizer (-DDRAGDIFF_SANITIZE=ON,
# gcc, in build-asan/ or $DRAGDIFF_ASAN_BUILD) and runs its tests.
#   tests/sanitizers/run.sh            build everything (GUI, tools) and run the whole suite
#   tests/sanitizers/run.sh io golden  build the CLI and these areas' tests, run only those
# LibTorch, OpenCV and Qt are not instrumented. A full first build is a complete compile (no
# ccache hits from the normal build): expect 30-40 minutes on 2 cores.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${DRAGDIFF_ASAN_BUILD:-$here/build-asan}"
areas=("$@")

export CCACHE_BASEDIR="$here" CCACHE_NOHASHDIR=true
export CCACHE_SLOPPINESS="pch_defines,time_macros,include_file_mtime,include_file_ctime"
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DDRAGDIFF_SANITIZE=ON \
    -DCMAKE_CXX_FLAGS=-g1
fi
targets=(all)
if [ ${#areas[@]} -gt 0 ]; then
  targets=(dragdiff-cli)
  for a in "${areas[@]}"; do targets+=("test_$a"); done
fi
nice -n 10 cmake --build "$build" --parallel 2 --target "${targets[@]}"

# protect_shadow_gap=0: the uninstrumented LibTorch/OpenMP may map memory in ASan's shadow gap.
# allocator_may_return_null=1: the fault tests run out of memory on purpose (an address-space
# limit), and the code must meet it as it does without ASan, as a failed allocation (std::bad_alloc),
# not as ASan's own fatal out-of-memory report.
# halt_on_error: gcc's UBSan reports and continues by default; a report must fail the test.
export ASAN_OPTIONS="detect_leaks=1:protect_shadow_gap=0:abort_on_error=0:allocator_may_return_null=1:${ASAN_OPTIONS:-}"
export LSAN_OPTIONS="suppressions=$here/tests/sanitizers/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export OMP_NUM_THREADS=1 DRAGDIFF_THREADS=1 QT_QPA_PLATFORM=offscreen
cd "$build"
if [ ${#areas[@]} -eq 0 ]; then
  exec nice -n 10 ctest --output-on-failure --timeout 3000
fi
labels=$(IFS='|'; echo "${areas[*]}")
exec nice -n 10 ctest --output-on-failure --timeout 3000 -L "^($labels)\$"
