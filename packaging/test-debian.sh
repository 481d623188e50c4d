#!/usr/bin/env bash
# Runs the README's test command (`bash tools/bootstrap.sh test`) in a fresh Debian root: the
# proof that a newcomer on that release can build and test DragDiff with nothing but the README.
#
#   packaging/test-debian.sh bookworm|trixie [REPO [COMMIT]]
#
# Builds a minimal root of the release with debootstrap (--variant=minbase) from the Debian mirror
# this machine's apt uses (packaging/debian-root.sh), clones REPO (default: the repository this
# script is in) at COMMIT (default: its HEAD) to /src/dragdiff inside, with the golden cases at
# /src/shared beside it (a read-only bind mount of DRAGDIFF_SHARED_DIR, default REPO/../shared),
# then runs `bash tools/bootstrap.sh test` in the chroot (/proc, /sys, /dev mounted; all unmounted
# on exit by a trap). Prints the time of each stage and ctest's summary; exits with the test
# command's status. Needs root, debootstrap and the mirror; downloads about 1 GB of packages.
# The build is cold (about 190 translation units): an hour or more on two cores.
#
# Environment (all optional):
#   DRAGDIFF_DEBIAN_ROOT   where the root goes (default /var/tmp/dragdiff-RELEASE); kept afterwards
#                          (rm -rf --one-file-system it when done)
#   DRAGDIFF_DEBIAN_REUSE=1  reuse a complete root from an earlier run: no debootstrap, the clone is
#                          moved to COMMIT and the build is incremental (for reruns after a change)
#   DRAGDIFF_CCACHE_DIR    a ccache directory on the host, bind-mounted as the root's CCACHE_DIR so
#                          that a rerun with a fresh root compiles only what changed
#   DEBIAN_MIRROR, DEBIAN_SECURITY_MIRROR   override the mirrors read from apt's sources
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=packaging/debian-root.sh
source "$here/packaging/debian-root.sh"

release="${1:-}"
case "$release" in
  bookworm|trixie) ;;
  *) echo "usage: $0 bookworm|trixie [REPO [COMMIT]]" >&2; exit 2 ;;
esac
repo="$(cd "${2:-$here}" && pwd)"
commit="$(git -C "$repo" rev-parse --verify "${3:-HEAD}^{commit}")"
shared="${DRAGDIFF_SHARED_DIR:-$(dirname "$repo")/shared}"
root="${DRAGDIFF_DEBIAN_ROOT:-/var/tmp/dragdiff-$release}"
log="$root.test.log"

if [ "$(id -u)" -ne 0 ]; then echo "test-debian: needs root (debootstrap, chroot, mounts)" >&2; exit 2; fi
command -v debootstrap >/dev/null || { echo "test-debian: apt-get install debootstrap" >&2; exit 2; }
[ -d "$shared/golden" ] || { echo "test-debian: no golden cases in $shared/golden (set DRAGDIFF_SHARED_DIR)" >&2; exit 2; }

t0=$(date +%s)
stamp() { echo "test-debian: [$(( $(date +%s) - t0 )) s] $*"; }
trap debian_root_unmount EXIT
trap 'exit 130' INT TERM  # so that the EXIT trap unmounts after Ctrl-C or kill too

stamp "$release, commit $commit of $repo; root $root; mirror $(debian_mirror)"
if [ "${DRAGDIFF_DEBIAN_REUSE:-0}" = 1 ] && [ -f "$root/.debootstrap-complete" ]; then
  stamp "reusing the root"
else
  debian_root_create "$release" "$root" "$root.debootstrap.log"
  stamp "debootstrap done ($(du -sh --one-file-system "$root" | cut -f1))"
fi

src="$root/src/dragdiff"
if [ -d "$src/.git" ]; then
  git -C "$src" fetch -q "$repo" '+refs/heads/*:refs/remotes/origin/*'
else
  git clone -q --no-checkout "$repo" "$src"
fi
git -C "$src" checkout -q --detach "$commit"
stamp "source at $(git -C "$src" log -1 --format='%h %s')"

debian_root_mount "$root"
debian_root_bind "$shared" "$root/src/shared" ro
ccache_env=()
if [ -n "${DRAGDIFF_CCACHE_DIR:-}" ]; then
  mkdir -p "$DRAGDIFF_CCACHE_DIR"
  debian_root_bind "$DRAGDIFF_CCACHE_DIR" "$root/var/cache/dragdiff-ccache"
  ccache_env=(CCACHE_DIR=/var/cache/dragdiff-ccache)
fi

tb=$(date +%s)
set +e
in_root "$root" env "${ccache_env[@]}" bash -c 'cd /src/dragdiff && bash tools/bootstrap.sh test' > "$log" 2>&1
status=$?
set -e
stamp "bootstrap.sh test exited with $status after $(( $(date +%s) - tb )) s (log $log)"
# shellcheck disable=SC2016  # dpkg-query's own ${...} fields
in_root "$root" dpkg-query -W -f='  ${Package} ${Version}\n' libtorch-dev catch2 qt6-base-dev libopencv-dev g++ cmake 2>/dev/null || true
grep -E '^\[[0-9]+/[0-9]+\]' "$log" | tail -n1 | sed 's/^/  last build step: /' || true
grep -E 'tests passed|Total Test time|The following tests FAILED|^\s+[0-9]+ - .*\((Failed|Timeout|SEGFAULT|Subprocess|Not Run|Exception)' "$log" || true
if [ "$status" -ne 0 ]; then
  grep -E 'error:|Error [0-9]+|FAILED:' "$log" | head -n 20 || true
  echo "test-debian: FAIL ($release, total $(( $(date +%s) - t0 )) s)"
  exit "$status"
fi
echo "test-debian: PASS ($release, total $(( $(date +%s) - t0 )) s)"
