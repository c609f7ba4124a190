#!/usr/bin/env bash
# Installs the Debian packages lvs-image builds and tests with (.ci/apt-packages.txt), idempotently.
# Also enables deb-src entries, which `apt-get source ipvsadm` (the ipvsadm source tarball) needs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export DEBIAN_FRONTEND=noninteractive

sudo_() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# deb-src: the deb822 sources file (Debian 12) or a classic sources.list.
changed=0
if [ -f /etc/apt/sources.list.d/debian.sources ] && grep -q '^Types: deb$' /etc/apt/sources.list.d/debian.sources; then
  sudo_ sed -i 's/^Types: deb$/Types: deb deb-src/' /etc/apt/sources.list.d/debian.sources
  changed=1
fi
if [ -f /etc/apt/sources.list ] && grep -q '^deb ' /etc/apt/sources.list && ! grep -q '^deb-src ' /etc/apt/sources.list; then
  sed -n 's/^deb /deb-src /p' /etc/apt/sources.list | sudo_ tee -a /etc/apt/sources.list >/dev/null
  changed=1
fi

mapfile -t pkgs < <(grep -v '^\s*#' "$here/apt-packages.txt" | sed 's/\s*#.*//' | grep -v '^\s*$')
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
have_src_lists=$(ls /var/lib/apt/lists/ 2>/dev/null | grep -c '_source_Sources' || true)
if [ "${#missing[@]}" -gt 0 ] || [ "$changed" -eq 1 ] || [ "$have_src_lists" -eq 0 ]; then
  sudo_ apt-get update -q
fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing: ${missing[*]}"
  # policy-rc.d keeps package scripts from starting services (tftpd-hpa, dnsmasq) on this machine.
  printf '#!/bin/sh\nexit 101\n' | sudo_ tee /usr/sbin/policy-rc.d >/dev/null
  sudo_ chmod +x /usr/sbin/policy-rc.d
  # Without recommends: qemu-system-x86 alone would pull GTK, gstreamer and mesa (qemu-system-gui), which no test
  # uses; what a recommend gave that the build needs (libc6-dev for gcc) is listed in apt-packages.txt.
  sudo_ apt-get install -y -q --no-install-recommends "${missing[@]}"
  sudo_ rm -f /usr/sbin/policy-rc.d
else
  echo "Debian packages: all ${#pkgs[@]} present"
fi
