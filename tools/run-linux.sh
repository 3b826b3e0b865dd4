#!/bin/sh
# Boot Debian's stock i386 kernel to a busybox shell on this terminal, with
# the GDB stub ready on 127.0.0.1:1234 (attach: gdb -ex 'target remote :1234').
# `poweroff` in the guest ends vdebug. Extra arguments go to vdebug, e.g.
#   tools/run-linux.sh -S                    hold the CPU until GDB continues
#   tools/run-linux.sh -append "console=ttyS0 nokaslr"
# The guest is fetched once with tools/fetch-guest.sh (Debian packages).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
[ -x "$top/vdebug" ] || make -C "$top" vdebug >/dev/null
dir=$("$top/tools/fetch-guest.sh" | tail -n 1)
append="console=ttyS0"
for a in "$@"; do [ "$a" = -append ] && append=""; done
echo "vdebug: booting Debian's $(cat "$dir/kernel-version") kernel; GDB: gdb -ex 'target remote :1234'" >&2
if [ -n "$append" ]; then
    exec "$top/vdebug" -kernel "$dir/vmlinuz" -initrd "$dir/initrd.gz" -m 256 -nographic -s -append "$append" "$@"
fi
exec "$top/vdebug" -kernel "$dir/vmlinuz" -initrd "$dir/initrd.gz" -m 256 -nographic -s "$@"
