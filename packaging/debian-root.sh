# shellcheck shell=bash
# Helpers for building and entering a minimal Debian root; sourced by test-debian.sh and
# test-deb-install.sh (not run on its own). Needs root and debootstrap.
#
# The mirror is the one this machine's apt already uses (deb822 .sources or one-line .list), so
# the scripts work behind the same proxy or snapshot as apt does; DEBIAN_MIRROR and
# DEBIAN_SECURITY_MIRROR override it.

apt_uris() {
  { grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{for (i = 2; i <= NF; i++) print $i}'
    grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
      | sed -E 's/^deb +(\[[^]]*\] +)?//' | awk '{print $1}'
  } | grep -E '/debian(-security)?/?$' || true
}

debian_mirror() {
  local m="${DEBIAN_MIRROR:-$(apt_uris | grep -v security | head -n1)}"
  echo "${m:-http://deb.debian.org/debian}"
}

debian_security_mirror() {
  echo "${DEBIAN_SECURITY_MIRROR:-$(apt_uris | grep -E 'debian-security' | head -n1)}"
}

# debian_root_create RELEASE ROOT LOG: a fresh minbase root of RELEASE with apt sources for the
# release, its updates and (when the host has one) its security suite.
debian_root_create() {
  local release="$1" root="$2" log="$3" mirror security
  mirror="$(debian_mirror)"
  security="$(debian_security_mirror)"
  rm -rf --one-file-system "$root"
  mkdir -p "$root"
  debootstrap --variant=minbase "$release" "$root" "$mirror" > "$log" 2>&1 || {
    tail -n 30 "$log" >&2
    return 1
  }
  {
    echo "deb $mirror $release main"
    echo "deb $mirror $release-updates main"
    if [ -n "$security" ]; then echo "deb $security $release-security main"; fi
  } > "$root/etc/apt/sources.list"
  touch "$root/.debootstrap-complete"
}

# debian_root_mount ROOT: /proc, /sys and /dev of the host inside ROOT, and the host's resolver.
# Every mount is recorded in debian_root_mounts so that debian_root_unmount (from a trap) undoes
# them in reverse order, also after a failure.
debian_root_mounts=()
debian_root_mount() {
  local root="$1" m
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  for m in proc sys dev; do
    mount --bind "/$m" "$root/$m"
    debian_root_mounts+=("$root/$m")
  done
}

# debian_root_bind SRC DST [ro]: one more bind mount, recorded like the others.
debian_root_bind() {
  mkdir -p "$2"
  mount --bind "$1" "$2"
  debian_root_mounts+=("$2")
  if [ "${3:-}" = ro ]; then mount -o remount,bind,ro "$2"; fi
}

debian_root_unmount() {
  local i
  for (( i=${#debian_root_mounts[@]}-1; i>=0; i-- )); do
    umount "${debian_root_mounts[$i]}" 2>/dev/null || umount -l "${debian_root_mounts[$i]}" 2>/dev/null || true
  done
  debian_root_mounts=()
}

# in_root ROOT CMD...: CMD inside ROOT with a clean environment (nothing of the host leaks in but
# what is passed explicitly).
in_root() {
  local root="$1"
  shift
  chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"
}
