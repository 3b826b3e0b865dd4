#!/bin/sh
# /init of vdebug's Linux test guest (tools/fetch-guest.sh builds it in).
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
hostname vdebug
if grep -q 'vdebug.test=1' /proc/cmdline; then
    /test.sh
    echo "vdebug-test: done"
    poweroff -f
fi
# As PID 1, do what busybox's poweroff/reboot/halt ask of init (SIGUSR2,
# SIGTERM, SIGUSR1); respawn the console shell when it exits.
trap 'poweroff -f' USR2
trap 'reboot -f' TERM
trap 'halt -f' USR1
echo "vdebug: busybox shell on the console; 'poweroff' ends the machine"
while :; do
    setsid cttyhack sh -l &
    wait $!
done
