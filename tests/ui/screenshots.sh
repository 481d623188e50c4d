#!/usr/bin/env bash
# Starts the real DragDiff under a virtual X server and writes PNGs of the window in scripted
# states on the embedded model (start, heatmap, points and mask, warp preview, warp compare,
# zoomed brush, run preview, finished edit, compare, model error, dark palette, LoRA dialog) for a person to
# look at.   tests/ui/screenshots.sh [BUILD_DIR] [OUT_DIR]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${1:-$here/build}"
out="${2:-$build/screenshots}"
mkdir -p "$out"
# A private settings/data folder, so the script neither reads nor changes the user's.
export XDG_CONFIG_HOME="$(mktemp -d)" XDG_DATA_HOME="$(mktemp -d)"
trap 'rm -rf "$XDG_CONFIG_HOME" "$XDG_DATA_HOME"' EXIT
xvfb-run -a -s "-screen 0 1400x900x24" "$build/bin/dragdiff" --screenshot-script "$out"
ls -1 "$out"/*.png
