#!/usr/bin/env bash
# Pins that hold (issue 11's acceptance, with issue 12's keepalived): the health-checked example is locked to
# what Debian ships today (kernel, ipvsadm, keepalived, dropbear and busybox sources), built online, its sources
# exported; then, with an empty cache and store and no downloads allowed, the export is imported and `build --frozen
# --offline` must publish a kernel and initrd byte-identical to the online build (kernel and programs rebuilt from
# the store; the SSH host key is the one the online build made in the secrets folder beside the spec).
# Nothing here compares with a lock shipped in the repository, so a Debian rebuild cannot make it fail.
set -euo pipefail
cd "$(dirname "$0")/.."
cli() { node bin/lvs-image.js "$@"; }
spec=checked-example
site=checked-example
host=lv4
work=$(mktemp -d /tmp/lvs-frozen-offline.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp "images/$spec.yaml" "$work/$spec.yaml"
cli lock "$work/$spec.yaml"
cli build "$work/$spec.yaml" --out "$work/online"
cli sources export "$work/$spec.yaml" "$work/carry"

offline=("env" "LVS_IMAGE_CACHE=$work/empty-cache" "LVS_IMAGE_OFFLINE=1")
"${offline[@]}" node bin/lvs-image.js sources import "$work/carry"
"${offline[@]}" node bin/lvs-image.js build --frozen --offline "$work/$spec.yaml" --out "$work/offline"

# Every source came from the store (not from the installed package or the archive).
log="$work/offline/.logs/$site-build.log"
for s in kernel ipvsadm keepalived dropbear busybox; do
  grep -E "^source $s: .*\(store\)$" "$log" || { echo "frozen-offline: $s did not come from the store" >&2; exit 1; }
done
for f in "$host/$host-kernel" "$host/$host-initrd.img"; do
  a=$(sha256sum < "$work/online/$site/$f" | cut -d' ' -f1)
  b=$(sha256sum < "$work/offline/$site/$f" | cut -d' ' -f1)
  echo "$f online $a offline $b"
  [ "$a" = "$b" ] || { echo "frozen-offline: $f differs between the online and the offline frozen build" >&2; exit 1; }
done
echo "frozen-offline: kernel and initrd byte-identical"
