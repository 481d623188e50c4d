#!/usr/bin/env bash
# Installs the DragDiff .deb into a clean Debian root and runs it there.
#
#   packaging/test-deb-install.sh [PACKAGE.deb [RELEASE]]
#
# Builds a minimal root of RELEASE (bookworm, the default, or trixie: the release the package was
# built on) with debootstrap (--variant=minbase) from the Debian mirror this machine's apt uses
# (packaging/debian-root.sh), installs the package with apt (which resolves its Depends from the mirror),
# then inside the chroot runs `dragdiff-cli info --model embedded`, one small edit on the installed
# sample picture, and checks that the GUI binary's libraries all resolve (`dragdiff --version`
# on the offscreen platform). Needs root, debootstrap and network access to the mirror; downloads
# about 1 GB of packages. Not part of ctest (too slow).
#
# Environment:
#   DRAGDIFF_DEB_ROOT    where to build the root (default /var/tmp/dragdiff-deb-root); it is removed
#                        first, so every run starts clean
#   DRAGDIFF_DEB_KEEP=1  keep the root afterwards (default: remove it)
#   DEBIAN_MIRROR        the mirror (default: the first deb.debian.org-style URI in apt's sources)
#   DEBIAN_SECURITY_MIRROR  the security mirror (default: from apt's sources, if any)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=packaging/debian-root.sh
source "$here/packaging/debian-root.sh"
deb="${1:-}"
release="${2:-bookworm}"
case "$release" in bookworm|trixie) ;; *) echo "test-deb-install: unknown release '$release' (bookworm or trixie)" >&2; exit 2 ;; esac
if [ -z "$deb" ]; then
  deb="$(ls -t "$here"/build/dragdiff_*.deb 2>/dev/null | head -n1 || true)"
fi
if [ -z "$deb" ] || [ ! -f "$deb" ]; then
  echo "test-deb-install: no package given and none in build/; run 'cpack -G DEB' in the build folder first" >&2
  exit 2
fi
deb="$(readlink -f "$deb")"
if [ "$(id -u)" -ne 0 ]; then
  echo "test-deb-install: needs root (debootstrap, chroot, mounts)" >&2
  exit 2
fi
command -v debootstrap >/dev/null || { echo "test-deb-install: apt-get install debootstrap" >&2; exit 2; }

root="${DRAGDIFF_DEB_ROOT:-/var/tmp/dragdiff-deb-root}"

t0=$(date +%s)
stamp() { echo "test-deb-install: [$(( $(date +%s) - t0 )) s] $*"; }

cleanup() {
  debian_root_unmount
  if [ "${DRAGDIFF_DEB_KEEP:-0}" != 1 ] && [ -d "$root" ]; then rm -rf --one-file-system "$root"; fi
}
trap cleanup EXIT

stamp "package $deb ($(du -h "$deb" | cut -f1)); $release root $root; mirror $(debian_mirror)"
debian_root_create "$release" "$root" "$root.debootstrap.log"
stamp "debootstrap done ($(du -sh --one-file-system "$root" | cut -f1))"
debian_root_mount "$root"
cp "$deb" "$root/tmp/dragdiff.deb"

in_root "$root" apt-get update -q > "$root.apt.log" 2>&1 || { tail -n 30 "$root.apt.log" >&2; exit 1; }
in_root "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q /tmp/dragdiff.deb >> "$root.apt.log" 2>&1 || {
  tail -n 40 "$root.apt.log" >&2
  exit 1
}
stamp "apt-get install done: $(grep -E '^[0-9]+ upgraded, [0-9]+ newly installed' "$root.apt.log" | tail -n1); root now $(du -sh --one-file-system "$root" | cut -f1)"

# Nothing of the build machine may leak in: no source tree, no override variable.
in_root "$root" /usr/bin/dragdiff-cli --version
in_root "$root" /usr/bin/dragdiff-cli info --model embedded
stamp "info done"

in_root "$root" env QT_QPA_PLATFORM=offscreen /usr/bin/dragdiff --version
if in_root "$root" ldd /usr/bin/dragdiff /usr/bin/dragdiff-cli | grep -q 'not found'; then
  in_root "$root" ldd /usr/bin/dragdiff /usr/bin/dragdiff-cli | grep 'not found' >&2
  exit 1
fi
stamp "GUI binary starts (--version) and every library resolves"

te=$(date +%s)
in_root "$root" /usr/bin/dragdiff-cli edit --model embedded --image /usr/share/dragdiff/samples/sample.png \
  --drag 128,128:150,136 --steps 6 --out /tmp/edited.png --report /tmp/report.json
[ -s "$root/tmp/edited.png" ] || { echo "test-deb-install: the edit wrote no image" >&2; exit 1; }
stamp "edit done in $(( $(date +%s) - te )) s: $(file -b "$root/tmp/edited.png" 2>/dev/null || stat -c %s "$root/tmp/edited.png")"

echo "test-deb-install: PASS (total $(( $(date +%s) - t0 )) s)"
