#!/usr/bin/env bash
# Builds (if needed) and runs the libFuzzer targets one after the other.
#   tests/fuzz/run.sh SECONDS [TARGET...]   run each target (default: all) for SECONDS
#   tests/fuzz/run.sh --seeds               rewrite the committed seed corpora (tests/fuzz/corpus/; keeps finding-*)
#   tests/fuzz/run.sh --totals              seconds and executions per target so far (RUNS.md)
# Each run resumes from the working corpus ($DRAGDIFF_FUZZ_WORK, default build-fuzz/corpus/<target>,
# outside git) plus the committed seeds, stops a target at its first finding, and appends one line
# per target to tests/fuzz/RUNS.md so the totals accumulate across sessions. Findings (crash,
# leak, hang = over 1 s for one input, OOM) land in $DRAGDIFF_FUZZ_WORK/artifacts/<target>/.
# Needs clang and libFuzzer (Debian 12: apt-get install clang libclang-rt-14-dev). The machine is
# shared: the fuzzers run under nice -n 19 ($DRAGDIFF_FUZZ_NICE to change it: at 19 beside a busy
# job they get a sliver of a core, so their seconds fuzz little), the build under nice -n 10 with 2 jobs.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${DRAGDIFF_FUZZ_BUILD:-$here/build-fuzz}"
work="${DRAGDIFF_FUZZ_WORK:-$build/corpus}"
seeds="$here/tests/fuzz/corpus"
runs="$here/tests/fuzz/RUNS.md"
fuzz_nice="${DRAGDIFF_FUZZ_NICE:-19}"
all_targets=(safetensors config_json clip_tokenizer edit_spec single_file image lora taesd image_processor)

build_fuzzers() {
  export CCACHE_BASEDIR="$here" CCACHE_NOHASHDIR=true
  export CCACHE_SLOPPINESS="pch_defines,time_macros,include_file_mtime,include_file_ctime"
  if [ ! -f "$build/CMakeCache.txt" ]; then
    CXX="${CXX:-clang++}" cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DDRAGDIFF_FUZZ=ON -DDRAGDIFF_BUILD_GUI=OFF -DDRAGDIFF_BUILD_TESTS=OFF
  fi
  nice -n 10 cmake --build "$build" --target fuzz_all --parallel 2
}

# Leaks inside the uninstrumented libraries (LibTorch, OpenMP) at exit are not ours.
export LSAN_OPTIONS="suppressions=$here/tests/sanitizers/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export TMPDIR="${TMPDIR:-/dev/shm}"  # the tokenizer and edit-spec targets write small files
[ -d "$TMPDIR" ] && [ -w "$TMPDIR" ] || export TMPDIR=/tmp

case "${1:-}" in
  --seeds)
    build_fuzzers
    golden="${DRAGDIFF_GOLDEN_DIR:-/work/shared/golden}"
    export DRAGDIFF_FUZZ_SEED_FROM="$golden/tiny-sd15/model.ldm.safetensors:$golden/tiny-sd21/model.ldm.safetensors"
    for t in "${all_targets[@]}"; do
      # Past findings (finding-*) stay: they are regression inputs, not written by our writers.
      mkdir -p "$seeds/$t"
      find "$seeds/$t" -type f ! -name 'finding-*' -delete
      DRAGDIFF_FUZZ_WRITE_SEEDS="$seeds/$t" "$build/bin/fuzz_$t"
      echo "seeds for $t: $(ls "$seeds/$t" | wc -l) files, $(du -sk "$seeds/$t" | cut -f1) KiB"
    done
    exit 0
    ;;
  --totals)
    awk -F'|' '/^\| 20/ { t=$3; gsub(/ /,"",t); s[t]+=$4; e[t]+=$5 }
      END { for (t in s) printf "%-16s %8d s %12d execs\n", t, s[t], e[t] }' "$runs" | sort
    exit 0
    ;;
  ''|-*)
    sed -n '2,11p' "$0" >&2
    exit 2
    ;;
esac

seconds="$1"
shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")
build_fuzzers

[ -f "$runs" ] || printf '%s\n' "# Fuzzing runs (appended by tests/fuzz/run.sh; totals: run.sh --totals)" "" \
  "| date (UTC) | target | seconds | execs | corpus | result |" "|---|---|---|---|---|---|" > "$runs"

# One target for $2 seconds: returns 0 when clean; sets `result` and adds to `execs`.
# libFuzzer's -timeout is wall-clock time, and at nice 19 on a busy machine an input can wait
# many seconds for the CPU. A timeout is therefore measured again in CPU time: the artifact run 11
# times minus run once (the difference excludes the process start-up), over 10. Under 1 s of CPU
# per run it was the machine, not the input: it is kept under spurious/ and the fuzzing resumes for
# the time left. Otherwise it is a finding (a hang).
cpu_seconds() {  # TARGET RUNS ARTIFACT: CPU seconds (user + sys) of running ARTIFACT RUNS times
  local TIMEFORMAT='%U %S' t
  t=$( { time nice -n "$fuzz_nice" "$build/bin/fuzz_$1" -timeout=600 -runs="$2" "$3" > /dev/null 2>&1; } 2>&1 ) || return 1
  awk '{ print $1 + $2 }' <<< "$t"
}
timeout_is_load() {  # target artifact
  local one eleven per
  one=$(cpu_seconds "$1" 1 "$2") && eleven=$(cpu_seconds "$1" 11 "$2") || return 1
  per=$(awk -v a="$one" -v b="$eleven" 'BEGIN { printf "%.3f", (b - a) / 10 }')
  echo "fuzz_$1: $2 took ${per}s of CPU per run on its own" >&2
  awk -v p="$per" 'BEGIN { exit !(p < 1.0) }'
}
fuzz_target() {
  local t="$1" budget="$2" corpus="$work/$1" artifacts="$work/artifacts/$1" log rc n left
  mkdir -p "$corpus" "$artifacts/spurious" "$work/logs"
  local start
  start=$(date +%s)
  spurious=0
  while :; do
    left=$(( budget - ($(date +%s) - start) ))
    [ "$left" -gt 0 ] || { result="clean"; return 0; }
    log="$work/logs/$t-$(date -u +%Y%m%dT%H%M%S).log"
    rc=0
    nice -n "$fuzz_nice" "$build/bin/fuzz_$t" "$corpus" "$seeds/$t" -max_total_time="$left" -timeout=1 \
      -detect_leaks=1 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/" \
      > "$log" 2>&1 || rc=$?
    n=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1 || true)
    [ -n "$n" ] || n=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#' || true)  # died before the stats
    execs=$(( execs + ${n:-0} ))
    [ "$rc" -ne 0 ] || { result="clean"; return 0; }
    # libFuzzer exits 72 when interrupted (SIGINT/SIGTERM, e.g. to stop a run early): not a finding.
    [ "$rc" -ne 72 ] || { result="clean, stopped early (interrupted)"; return 0; }
    local artifact kind
    artifact=$(ls -t "$artifacts" | grep -v '^spurious$' | head -1 || true)
    kind=$(grep -oE 'ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|libFuzzer): [a-z-]+|runtime error|ALARM: working on the last Unit|out-of-memory' "$log" | head -1 || true)
    if [[ "$artifact" == timeout-* ]] && timeout_is_load "$t" "$artifacts/$artifact"; then
      mv "$artifacts/$artifact" "$artifacts/spurious/"
      spurious=$(( spurious + 1 ))
      echo "fuzz_$t: timeout on $artifact did not repeat on its own (machine load); resuming" >&2
      continue
    fi
    result="FINDING (${kind:-exit $rc}): $artifact; log $log"
    return 1
  done
}

status=0
for t in "${targets[@]}"; do
  execs=0
  start=$(date +%s)
  fuzz_target "$t" "$seconds" || status=1
  elapsed=$(( $(date +%s) - start ))
  [ "$spurious" -eq 0 ] || result="$result ($spurious load timeouts rechecked and passed)"
  printf '| %s | %s | %d | %d | %d | %s |\n' "$(date -u +'%Y-%m-%d %H:%M')" "$t" "$elapsed" "$execs" \
    "$(ls "$work/$t" | wc -l)" "$result" >> "$runs"
  echo "fuzz_$t: ${elapsed}s, $execs execs, $result"
done
exit $status
