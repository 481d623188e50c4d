#!/usr/bin/env bash
# Installs the DragDiff .deb into a clean Debian 12 root and runs it there.
#
#   packaging/test-deb-install.sh [PACKAGE.deb]
#
# Builds a minimal bookworm root with debootstrap (--variant=minbase) from the Debian mirror this
# machine's apt uses, installs the package with apt (which resolves its Depends from the mirror),
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
deb="${1:-}"
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

# The mirror apt already uses (deb822 .sources or one-line .list), unless given.
apt_uris() {
  { grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}'
    grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '{print $2}'
  } | grep -E '/debian(-security)?/?$' || true
}
mirror="${DEBIAN_MIRROR:-$(apt_uris | grep -vE 'security' | head -n1)}"
security="${DEBIAN_SECURITY_MIRROR:-$(apt_uris | grep -E 'debian-security' | head -n1)}"
mirror="${mirror:-http://deb.debian.org/debian}"

t0=$(date +%s)
stamp() { echo "test-deb-install: [$(( $(date +%s) - t0 )) s] $*"; }

mounted=()
cleanup() {
  local i
  for (( i=${#mounted[@]}-1; i>=0; i-- )); do umount -l "${mounted[$i]}" 2>/dev/null || true; done
  if [ "${DRAGDIFF_DEB_KEEP:-0}" != 1 ] && [ -d "$root" ]; then rm -rf --one-file-system "$root"; fi
}
trap cleanup EXIT

stamp "package $deb ($(du -h "$deb" | cut -f1)); root $root; mirror $mirror"
rm -rf --one-file-system "$root"
mkdir -p "$root"
debootstrap --variant=minbase bookworm "$root" "$mirror" > "$root.debootstrap.log" 2>&1 || {
  tail -n 30 "$root.debootstrap.log" >&2
  exit 1
}
stamp "debootstrap done ($(du -sh --one-file-system "$root" | cut -f1))"

{
  echo "deb $mirror bookworm main"
  echo "deb $mirror bookworm-updates main"
  [ -n "$security" ] && echo "deb $security bookworm-security main"
} > "$root/etc/apt/sources.list"
cp /etc/resolv.conf "$root/etc/resolv.conf"
for m in proc sys dev; do
  mount --bind "/$m" "$root/$m"
  mounted+=("$root/$m")
done
cp "$deb" "$root/tmp/dragdiff.deb"

in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"; }

in_root apt-get update -q > "$root.apt.log" 2>&1 || { tail -n 30 "$root.apt.log" >&2; exit 1; }
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q /tmp/dragdiff.deb >> "$root.apt.log" 2>&1 || {
  tail -n 40 "$root.apt.log" >&2
  exit 1
}
stamp "apt-get install done: $(grep -E '^[0-9]+ upgraded, [0-9]+ newly installed' "$root.apt.log" | tail -n1); root now $(du -sh --one-file-system "$root" | cut -f1)"

# Nothing of the build machine may leak in: no source tree, no override variable.
in_root /usr/bin/dragdiff-cli --version
in_root /usr/bin/dragdiff-cli info --model embedded
stamp "info done"

in_root env QT_QPA_PLATFORM=offscreen /usr/bin/dragdiff --version
if in_root ldd /usr/bin/dragdiff /usr/bin/dragdiff-cli | grep -q 'not found'; then
  in_root ldd /usr/bin/dragdiff /usr/bin/dragdiff-cli | grep 'not found' >&2
  exit 1
fi
stamp "GUI binary starts (--version) and every library resolves"

te=$(date +%s)
in_root /usr/bin/dragdiff-cli edit --model embedded --image /usr/share/dragdiff/samples/sample.png \
  --drag 128,128:150,136 --steps 6 --out /tmp/edited.png --report /tmp/report.json
[ -s "$root/tmp/edited.png" ] || { echo "test-deb-install: the edit wrote no image" >&2; exit 1; }
stamp "edit done in $(( $(date +%s) - te )) s: $(file -b "$root/tmp/edited.png" 2>/dev/null || stat -c %s "$root/tmp/edited.png")"

echo "test-deb-install: PASS (total $(( $(date +%s) - t0 )) s)"
