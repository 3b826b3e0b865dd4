#!/usr/bin/env bash
# Debian's i386 kernel booted to the end of its test script and powered off
# under the translator's lockstep checker (-accel dbt,verify=on): every
# translated block of the whole boot is run again on the interpreter and
# compared (vdebug stops with status 3 and a report at the first
# difference). The checks are those of tests/boot/linux.sh.
cd "$(dirname "$0")/../.." || exit 1
: "${VDEBUG:=$PWD/vdebug}"
if ! "$VDEBUG" -accel help 2>&1 | grep -q '^ *dbt'; then
    echo "SKIP linux_verify: this vdebug has no translator (not an x86-64 host)"
    exit 0
fi
VD_ACCEL=dbt,verify=on exec bash tests/boot/linux.sh
