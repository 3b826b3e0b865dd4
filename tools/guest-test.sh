#!/bin/sh
# /test.sh of vdebug's Linux test guest: prints "T: name: value" lines that
# tests/linux/boot.sh compares with what the kernel and busybox must print.
echo "T: uname: $(uname -s -r -m)"
echo "T: hostname: $(hostname)"
echo "T: cpu vendor: $(sed -n 's/^vendor_id[[:space:]]*: //p' /proc/cpuinfo)"
echo "T: cpu family: $(sed -n 's/^cpu family[[:space:]]*: //p' /proc/cpuinfo)"
echo "T: cpu fpu: $(sed -n 's/^fpu[[:space:]]*: //p' /proc/cpuinfo)"
flags=$(sed -n 's/^flags[[:space:]]*: //p' /proc/cpuinfo)
for f in fpu tsc cx8 apic cmov mmx fxsr sse sse2; do
    case " $flags " in *" $f "*) echo "T: flag $f: yes" ;; *) echo "T: flag $f: no" ;; esac
done
echo "T: shell arithmetic: $(( (7 * 6) << 2 ))"
echo "T: seq sort: $(seq 1 20 | sort -rn | head -n 3 | tr '\n' ' ')"
echo "T: sed: $(echo vdebug-linux | sed 's/-/ boots /')"
echo "T: md5sum: $(echo -n 'vdebug' | md5sum | cut -d' ' -f1)"
echo "T: wc: $(printf 'a b\nc d e\n' | wc -w)"
# busybox-static's awk has no libm: arithmetic only, on the x87
echo "T: awk divide: $(awk 'BEGIN { printf "%.12f %.6e", 22 / 7, 1 / 3 * 1e-300 }')"
echo "T: awk newton sqrt2: $(awk 'BEGIN { x = 1; for (i = 0; i < 8; i++) x = (x + 2 / x) / 2; printf "%.15f", x }')"
echo "T: awk factorial: $(awk 'BEGIN { x = 1; for (i = 1; i <= 20; i++) x *= i; printf "%.0f", x }')"
echo "T: awk harmonic: $(awk 'BEGIN { s = 0; for (i = 1; i <= 1000; i++) s += 1 / i; printf "%.12f", s }')"
echo "T: awk int: $(awk 'BEGIN { printf "%d %d %s", int(-7.5), int(1e9 / 7), 0.1 + 0.2 == 0.3 ? "equal" : "differ" }')"
echo "T: mounts: $(grep -c -E '^(proc|sysfs) ' /proc/mounts)"
