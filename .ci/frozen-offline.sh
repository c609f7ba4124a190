#!/usr/bin/env bash
# Pins that hold (issue 11's acceptance): the reference spec is locked to what Debian ships today, built online,
# its sources exported; then, with an empty cache and store and no downloads allowed, the export is imported and
# `build --frozen --offline` must publish a kernel and initrd byte-identical to the online build.
# Nothing here compares with a lock shipped in the repository, so a Debian rebuild cannot make it fail.
set -euo pipefail
cd "$(dirname "$0")/.."
cli() { node bin/lvs-image.js "$@"; }
work=$(mktemp -d /tmp/lvs-frozen-offline.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp images/dsas-lv1.yaml "$work/dsas-lv1.yaml"
cli lock "$work/dsas-lv1.yaml"
cli build "$work/dsas-lv1.yaml" --out "$work/online"
cli sources export "$work/dsas-lv1.yaml" "$work/carry"

offline=("env" "LVS_IMAGE_CACHE=$work/empty-cache" "LVS_IMAGE_OFFLINE=1")
"${offline[@]}" node bin/lvs-image.js sources import "$work/carry"
"${offline[@]}" node bin/lvs-image.js build --frozen --offline "$work/dsas-lv1.yaml" --out "$work/offline"

# Both sources came from the store (not from the installed package or the archive).
log="$work/offline/.logs/dsas-build.log"
for s in kernel ipvsadm; do
  grep -E "^source $s: .*\(store\)$" "$log" || { echo "frozen-offline: $s did not come from the store" >&2; exit 1; }
done
for f in lv1/lv1-kernel lv1/lv1-initrd.img; do
  a=$(sha256sum < "$work/online/dsas/$f" | cut -d' ' -f1)
  b=$(sha256sum < "$work/offline/dsas/$f" | cut -d' ' -f1)
  echo "$f online $a offline $b"
  [ "$a" = "$b" ] || { echo "frozen-offline: $f differs between the online and the offline frozen build" >&2; exit 1; }
done
echo "frozen-offline: kernel and initrd byte-identical"
