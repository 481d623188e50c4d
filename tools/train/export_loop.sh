#!/bin/bash
# Exports the running UNet checkpoint into weights/embedded every EVERY_MINUTES, and once more as
# soon as the run ends (its log's "unet: finished"/"unet: stopped" line), evaluates it
# (sample grid, VAE and inversion PSNR), refreshes the "Latest export" block of weights/README.md
# and commits weights/ on the current branch, so whatever exists when a run is cut short is a
# complete, usable model. Run it beside `dragdiff-train unet` (nohup ... &); stop it by its PID.
#   tools/train/export_loop.sh            # loop
#   tools/train/export_loop.sh --once     # one export now
set -u
REPO=${REPO:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN=${BIN:-$REPO/build/bin/dragdiff-train}
CKPT=${CKPT:-/work/train-ckpt/unet}
LOG=${LOG:-/work/train-logs/unet.log}
EVERY_MINUTES=${EVERY_MINUTES:-15}
OUT=$REPO/weights/embedded

export_once() {
    local step
    step=$(python3 -c "import json;print(json.load(open('$CKPT/latest.json'))['step'])" 2>/dev/null) || {
        echo "export_loop: no checkpoint in $CKPT yet"; return 1; }
    echo "export_loop: $(date -u +%H:%M:%S) exporting UNet step $step"
    "$BIN" export --unet-ckpt "$CKPT" --out "$OUT" --report "$REPO/weights/export_unet.json" || return 1
    "$BIN" eval --model "$OUT" --samples "$REPO/weights/samples_unet.png" --report "$REPO/weights/eval.json" \
        --threads 1 || return 1
    python3 "$REPO/tools/train/readme_latest.py" "$REPO/weights" "$LOG" || return 1
    for attempt in 1 2 3; do  # another commit in this worktree may hold the index lock briefly
        git -C "$REPO" add weights && \
            git -C "$REPO" commit -q -m "weights: embedded model, UNet step $step (intermediate export)" -- weights && break
        sleep 5
    done
    echo "export_loop: committed UNet step $step"
}

if [ "${1:-}" = "--once" ]; then export_once; exit $?; fi
last=$(date +%s)
while true; do
    sleep 20
    if grep -qE "^unet: (finished|stopped)" "$LOG" 2>/dev/null; then
        export_once
        echo "export_loop: the run has ended; last export done"
        exit 0
    fi
    if [ $(( $(date +%s) - last )) -ge $((EVERY_MINUTES * 60)) ]; then
        last=$(date +%s)
        export_once
    fi
done
