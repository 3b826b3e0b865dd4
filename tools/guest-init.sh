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
else
    echo "vdebug: busybox shell on the console; 'poweroff' ends the machine"
    setsid cttyhack sh -l
fi
poweroff -f
