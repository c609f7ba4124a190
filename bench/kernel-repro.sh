#!/usr/bin/env bash
# The site kernel's build is reproducible: the kernel of images/dsas-lv1.yaml built again from scratch, in an empty
# lvs-image cache and with ccache off, must equal this machine's cached build byte for byte. CI's frozen offline
# check (.ci/frozen-offline.sh) takes the kernel's compile from the machine's cache to stay in its time budget;
# this is the proof it leaves out (5-6 minutes on a 2-core machine, 1 compile). Usage: bash bench/kernel-repro.sh
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/lvs-kernel-repro.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp images/dsas-lv1.yaml images/dsas-lv1.lock "$work/"
node bin/lvs-image.js build "$work/dsas-lv1.yaml" --out "$work/machine"
start=$(date +%s)
env LVS_IMAGE_CACHE="$work/empty-cache" CCACHE_DISABLE=1 node bin/lvs-image.js build "$work/dsas-lv1.yaml" --out "$work/scratch"
echo "kernel from scratch: $(($(date +%s) - start)) s"
a=$(sha256sum < "$work/machine/dsas/lv1/lv1-kernel" | cut -d' ' -f1)
b=$(sha256sum < "$work/scratch/dsas/lv1/lv1-kernel" | cut -d' ' -f1)
echo "lv1-kernel machine cache $a"
echo "lv1-kernel from scratch  $b"
[ "$a" = "$b" ] || { echo "kernel-repro: the kernel differs when built from scratch" >&2; exit 1; }
echo "kernel-repro: byte-identical"
