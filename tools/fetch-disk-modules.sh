#!/bin/sh
# The kernel modules the disk tests load into Debian's i386 guest kernel:
# ata_piix (libata, SCSI disk and CD-ROM), ext4 (which mounts ext2) and
# isofs, with every module they depend on, from the same linux-image package
# as tools/fetch-guest.sh's vmlinuz (apt-get download), cached in
# .guest-cache/linux/modules/ with a file 'order' listing them so that each
# comes after its dependencies. Prints the directory.
# Usage: tools/fetch-disk-modules.sh [GUEST_DIR]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$top/.guest-cache/linux}
[ -s "$dir/kernel-version" ] || { echo "fetch-disk-modules: run tools/fetch-guest.sh first" >&2; exit 1; }
out=$dir/modules
if [ ! -s "$out/order" ]; then
    kver=$(cat "$dir/kernel-version")
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    chmod 755 "$tmp"
    (cd "$tmp" && apt-get download -q "linux-image-$kver:i386" >/dev/null 2>&1) ||
        { echo "fetch-disk-modules: apt-get download linux-image-$kver:i386 failed" >&2; exit 1; }
    dpkg-deb -x "$tmp"/linux-image-*.deb "$tmp/root"
    if ! cmp -s "$tmp/root/boot/vmlinuz-$kver" "$dir/vmlinuz"; then
        echo "fetch-disk-modules: the archive's linux-image-$kver is not the cached kernel; rerun tools/fetch-guest.sh" >&2
        exit 1
    fi
    mkdir "$tmp/mods"
    # dependencies from each module's .modinfo (no modinfo/depmod needed)
    python3 - "$tmp/root/lib/modules/$kver" "$tmp/mods" <<'PY'
import os, re, shutil, sys
src, dst = sys.argv[1], sys.argv[2]
idx = {}
for r, _, fs in os.walk(src):
    for f in fs:
        if f.endswith('.ko'):
            idx[f[:-3].replace('-', '_')] = os.path.join(r, f)
order = []
def visit(m):
    if m in order:
        return
    data = open(idx[m], 'rb').read()
    d = re.search(rb'\0depends=([^\0]*)\0', data)
    for dep in (d.group(1).decode().split(',') if d else []):
        if dep:
            visit(dep.replace('-', '_'))
    order.append(m)
for m in ['crc32c_generic', 'crct10dif_generic', 'crc64_rocksoft_generic',
          'ata_piix', 'sd_mod', 'sr_mod', 'ext4', 'isofs']:
    visit(m)
for m in order:
    shutil.copy(idx[m], os.path.join(dst, m + '.ko'))
open(os.path.join(dst, 'order'), 'w').write('\n'.join(order) + '\n')
PY
    rm -rf "$out.$$"
    mv "$tmp/mods" "$out.$$"
    mv -T "$out.$$" "$out" 2>/dev/null || rm -rf "$out.$$" # another run got there first
fi
echo "$out"
