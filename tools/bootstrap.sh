#!/usr/bin/env bash
# Sets up a Debian 12 or 13 machine for DragDiff, builds it in Release, and runs the app or the tests.
#   tools/bootstrap.sh run [ARGS...]   install, build, start the GUI (ARGS go to dragdiff)
#   tools/bootstrap.sh test            install, build, run the whole test suite with ctest
# Idempotent: packages already present are not fetched again and the build is incremental.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${DRAGDIFF_BUILD_DIR:-$here/build}"
mode="${1:-}"
shift || true

packages=(build-essential cmake ninja-build ccache pkg-config
          libtorch-dev libopenblas0-openmp qt6-base-dev qt6-svg-dev libqt6svg6 libopencv-dev libeigen3-dev catch2 nlohmann-json3-dev libicu-dev
          xvfb xauth
          file)  # cpack -G DEB (README, Install) reads the binaries' types with it

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_packages() {
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "bootstrap: installing ${missing[*]}"
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
}

build_project() {
  local jobs
  jobs="$(nproc)"
  # ccache across clones and with precompiled headers (the cache keys use paths relative to the clone).
  export CCACHE_BASEDIR="$here" CCACHE_NOHASHDIR=true
  export CCACHE_SLOPPINESS="pch_defines,time_macros,include_file_mtime,include_file_ctime"
  if [ ! -f "$build/CMakeCache.txt" ]; then
    cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release
  fi
  cmake --build "$build" --parallel "$jobs"
}

case "$mode" in
  run)
    install_packages
    build_project
    if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ -z "${QT_QPA_PLATFORM:-}" ]; then
      echo "bootstrap: no display found; starting DragDiff under a virtual X server (xvfb-run)." >&2
      exec xvfb-run -a "$build/bin/dragdiff" "$@"
    fi
    exec "$build/bin/dragdiff" "$@"
    ;;
  test)
    install_packages
    build_project
    export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
    # ctest runs one test per core; each test then uses one thread instead of fighting over them.
    export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" DRAGDIFF_THREADS="${DRAGDIFF_THREADS:-1}"
    cd "$build"
    exec ctest --output-on-failure --timeout 1500 -j "$(nproc)"
    ;;
  *)
    echo "usage: $0 run [IMAGE|PROJECT] | test" >&2
    exit 2
    ;;
esac
