#!/usr/bin/env bash
# Installs the Debian packages lvs-image builds and tests with (.ci/apt-packages.txt), idempotently.
# Also enables deb-src entries, which `apt-get source ipvsadm` (the ipvsadm source tarball) needs, and Debian's
# non-free-firmware component, which the image's NIC firmware and CPU microcode packages come from.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export DEBIAN_FRONTEND=noninteractive

sudo_() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# deb-src and the non-free-firmware component, in the deb822 sources file (Debian 12) or a classic sources.list.
changed=0
deb822=/etc/apt/sources.list.d/debian.sources
if [ -f "$deb822" ] && grep -q '^Types: deb$' "$deb822"; then
  sudo_ sed -i 's/^Types: deb$/Types: deb deb-src/' "$deb822"
  changed=1
fi
if [ -f /etc/apt/sources.list ] && grep -q '^deb ' /etc/apt/sources.list && ! grep -q '^deb-src ' /etc/apt/sources.list; then
  sed -n 's/^deb /deb-src /p' /etc/apt/sources.list | sudo_ tee -a /etc/apt/sources.list >/dev/null
  changed=1
fi
# non-free-firmware (Debian 12's component for firmware-bnx2, firmware-realtek, intel-microcode, ...): the image's
# NIC firmware and early microcode are `apt-get download`ed from it (src/stages/firmware/). Only Debian's own
# entries get it: the deb822 file Debian writes, and sources.list lines whose URI is a Debian archive.
if [ -f "$deb822" ] && grep -Eq '^Components:' "$deb822" && grep -E '^Components:' "$deb822" | grep -vq 'non-free-firmware'; then
  sudo_ sed -i -E '/^Components:/{/non-free-firmware/!s/$/ non-free-firmware/}' "$deb822"
  changed=1
fi
debian_line='^deb(-src)? +(\[[^]]*\] +)?[a-z]+://[^ ]*debian[^ ]* +[^ ]+ +'
if [ -f /etc/apt/sources.list ] && grep -E "$debian_line" /etc/apt/sources.list | grep -vq 'non-free-firmware'; then
  sudo_ sed -i -E "\\#$debian_line#{/non-free-firmware/!s/\$/ non-free-firmware/}" /etc/apt/sources.list
  changed=1
fi

mapfile -t pkgs < <(grep -v '^\s*#' "$here/apt-packages.txt" | sed 's/\s*#.*//' | grep -v '^\s*$')
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
have_src_lists=$(ls /var/lib/apt/lists/ 2>/dev/null | grep -c '_source_Sources' || true)
have_nff_lists=$(ls /var/lib/apt/lists/ 2>/dev/null | grep -c '_non-free-firmware_binary-' || true)
if [ "${#missing[@]}" -gt 0 ] || [ "$changed" -eq 1 ] || [ "$have_src_lists" -eq 0 ] || [ "$have_nff_lists" -eq 0 ]; then
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
