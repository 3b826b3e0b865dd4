#!/usr/bin/env bash
# Debian's kernel writes its console to the VGA text screen (vgacon, from the
# screen_info the loader reports as a BIOS in mode 3 would): with
# console=tty0 the monitor's screendump shows the kernel's own lines, as
# the serial port carries them (init's output goes to the last console, the
# serial port).
set -u
cd "$(dirname "$0")/../.."
: "${VDEBUG:=$PWD/vdebug}"
# shellcheck source=tests/boot/linux.inc
. tests/boot/linux.inc
linux_guest || exit 1
T=$(mktemp -d)
trap '[ -n "${pid:-}" ] && kill "$pid" 2>/dev/null; rm -rf "$T"' EXIT
mkfifo "$T/mon"
"$VDEBUG" "${ACCEL[@]}" -kernel "$G/vmlinuz" -initrd "$G/initrd.gz" -append "console=tty0 console=ttyS0" \
    -m 256 -serial "file:$T/serial" -monitor stdio -icount-limit 40000000000 <"$T/mon" >"$T/out" 2>"$T/err" &
pid=$!
exec 7>"$T/mon"
# the shell is up when its banner reaches the serial port (the monitor runs between slices)
while kill -0 "$pid" 2>/dev/null && ! grep -q "busybox shell on the console" "$T/serial" 2>/dev/null; do sleep 0.2; done
echo "screendump $T/screen.txt" >&7
while kill -0 "$pid" 2>/dev/null && [ ! -s "$T/screen.txt" ]; do sleep 0.1; done
echo quit >&7
exec 7>&-
wait "$pid"; st=$?; pid=
failed=0
if [ "$st" = 0 ] && [ -s "$T/screen.txt" ]; then echo "PASS linux_screendump"
else echo "FAIL linux_screendump: status $st: $(tail -n 2 "$T/err")"; failed=1; fi
# the kernel's last lines before init, as the serial port has them too
last=$(grep -F "Run /init as init process" "$T/serial" | tr -d '\r')
if [ -n "$last" ] && grep -qxF -- "$last" "$T/screen.txt" && [ "$(wc -l <"$T/screen.txt")" = 25 ]; then
    echo "PASS linux_vgacon_text_on_screen"
else
    echo "FAIL linux_vgacon_text_on_screen: $(tail -n 5 "$T/screen.txt" | tr '\n' '|')"; failed=1
fi
if grep -q "Console: colour VGA+ 80x25" "$T/serial"; then echo "PASS linux_vgacon_found"
else echo "FAIL linux_vgacon_found: $(grep -i console "$T/serial" | head -n 3 | tr '\n' '|')"; failed=1; fi
exit $failed
