#!/usr/bin/env bash
# kvm-unit-tests, the x86 conformance suite of KVM and QEMU, as a test layer.
# Builds its i386 tests (tests/kut/build.sh) and runs every test of
# x86/unittests.cfg the way its run_tests.sh runs them under QEMU:
#   -nodefaults -serial stdio -device pc-testdev -device pci-testdev
#   -device isa-debug-exit,iobase=0xf4,iosize=0x4 -kernel x86/FILE.flat
#   [-append test_args] [-m from qemu_params] -initrd ENV
# with the settings QEMU's fw_cfg would give in the multiboot module ENV
# (NR_CPUS=1, MEMSIZE=<MiB>, TEST_DEVICE=1). A test passes when it exits
# through isa-debug-exit with status 0 (vdebug's exit status 1); status 77
# is the suite's skip. Each test runs
#   NAME            on the default engine (the translator), booted directly;
#   NAME[interp]    on -accel interp, and a third line checks the two agree
#                   (status, output, instruction count);
#   NAME[firmware]  on the default engine through the firmware, exactly as
#                   QEMU boots it: -bios SeaBIOS, the kernel through fw_cfg
#                   and multiboot_dma.bin, QEMU's module (NR_CPUS=1,
#                   TEST_DEVICE=1: the RAM size from fw_cfg); the same result
#                   as booted directly (KUT_FW=0 leaves it out);
#   NAME[kvm]       on -accel kvm where /dev/kvm runs guests, for the tests
#                   of at most KVM_MAX instructions (KUT_KVM=all: every test,
#                   0: none); the same result as the default engine.
# Tests that are x86_64-only, KVM-only, nodefault or need more than one CPU
# are skipped with the suite's reason.
#
# Where qemu-system-i386 is installed, each line also shows QEMU's result
# for the same test run by the suite's own command line (TCG, the cfg's
# -smp/-cpu/-append/timeout): for comparison only, never an assertion.
# QEMU's results are cached in $BUILD/kut/qemu/ (keyed by the binary, the
# command line and QEMU's version); KUT_QEMU=0 leaves QEMU out.
#
# Each vdebug run is bounded by -icount-limit: the cfg's timeout in virtual
# seconds (vdebug's clock runs 1 instruction = 1 ns), so a hung guest ends
# deterministically. Logs: $BUILD/kut/logs/. KUT_TESTS=name,name runs a subset.
set -u
cd "$(dirname "$0")/../.."
: "${VDEBUG:=$PWD/vdebug}" "${BUILD:=$PWD/build}"
ACCEL=(${VD_ACCEL:+-accel "$VD_ACCEL"})
# shellcheck source=tests/kut/build.sh
. tests/kut/build.sh
kut_build
case $? in
0) ;;
1) echo "SKIP kvm-unit-tests: $KUT_SKIP"; exit 0 ;;
*) echo "FAIL kvm-unit-tests: $KUT_SKIP"; tail -n 5 "$BUILD/kut/build.log" 2>/dev/null | sed 's/^/    | /'; exit 1 ;;
esac
LOGS=$BUILD/kut/logs QCACHE=$BUILD/kut/qemu
mkdir -p "$LOGS" "$QCACHE"
T=$(mktemp -d "${TMPDIR:-/tmp}/vdebug-kut.XXXXXX")
trap 'rm -rf "$T"' EXIT
failed=0
QEMU=
if [ "${KUT_QEMU:-1}" != 0 ] && command -v qemu-system-i386 >/dev/null; then
    QEMU=$(command -v qemu-system-i386)
    QVER=$("$QEMU" --version | sed -n '1s/.*version \([0-9.]*\).*/\1/p')
fi

# The cfg as one record per test: name|file|smp|args|qemu_params|arch|accel|groups|timeout|check
parse_cfg() {
    awk '
    function flush() { if (name != "") print name "|" file "|" smp "|" args "|" qp "|" arch "|" accel "|" groups "|" timeout "|" check }
    /^\[.*\]$/ { flush(); name = substr($0, 2, length($0) - 2); file = args = qp = arch = accel = groups = timeout = check = ""; smp = 1; next }
    /^[a-z_]+ *=/ {
        key = $0; sub(/ *=.*/, "", key); val = $0; sub(/^[a-z_]+ *= */, "", val)
        if (key == "file") file = val; else if (key == "smp") smp = val; else if (key == "extra_params" || key == "test_args") args = val
        else if (key == "qemu_params") qp = val; else if (key == "arch") arch = val; else if (key == "accel") accel = val
        else if (key == "groups") groups = val; else if (key == "timeout") timeout = val; else if (key == "check") check = val
    }
    END { flush() }' "$KUT_DIR/x86/unittests.cfg"
}

# result LOG STATUS -> "PASS|FAIL|SKIP<TAB>summary". A run that ends with
# status 1 after the emulator's own error message never started the guest:
# QEMU's is a skip (as run_tests.sh's premature_failure), vdebug's a failure.
result() {
    local log=$1 st=$2 sum r first why
    sum=$(tr -d '\r\0' <"$log" | grep -a '^SUMMARY: ' | tail -n 1)
    first=$(grep -a -v -e '^qemu-system-[^:]*: warning:' "$log" | head -n 1)
    if [ "$st" = 1 ] && [[ "$first" == qemu-system-*:* || "$first" == vdebug:* ]] &&
       ! grep -a -q -v -e '^qemu-system-' -e '^vdebug:' "$log"; then
        [[ "$first" == qemu-* ]] && r=SKIP || r=FAIL
        printf '%s\t%s\n' "$r" "$first"
        return
    fi
    case $st in
    1) r=PASS ;;
    77) r=SKIP   # the suite's reason: its last SKIP line, else the line before the SUMMARY
        why=$(tr -d '\r\0' <"$log" | grep -a '^SKIP' | tail -n 1)
        [ -n "$why" ] || why=$(tr -d '\r\0' <"$log" | grep -a -B1 '^SUMMARY: ' | head -n 1)
        sum="$why${sum:+ ($sum)}" ;;
    124) r=FAIL; sum="no exit within the time limit${sum:+; last $sum}" ;;
    *) r=FAIL; [ -n "$sum" ] || sum="exit status $st: $(tr -d '\r\0' <"$log" | grep -a . | tail -n 1)" ;;
    esac
    printf '%s\t%s\n' "$r" "${sum:-exit status $st}" | LC_ALL=C tr -cd '\11\12\40-\176'
}

# seconds of a cfg timeout ("90s", "180", "1m"); default 90 s as runtime.bash
secs() {
    local t=${1:-90s}
    case $t in *m) echo $((${t%m} * 60)) ;; *s) echo "${t%s}" ;; *) echo "$t" ;; esac
}

qemu_result() { # name file smp args qemu_params timeout -> "R<TAB>summary"
    local name=$1 file=$2 smp=$3 args=$4 qp=$5 to=$6 key cached env st
    [ -n "$QEMU" ] || return 0
    key=$(printf '%s\n' "$QVER" "$smp" "$args" "$qp" "$to" | cat - "$KUT_DIR/x86/$file" | md5sum | cut -c1-16)
    cached=$QCACHE/$name.$key
    if [ ! -f "$cached" ]; then
        env=$T/qemu.env
        printf 'NR_CPUS=%s\nTEST_DEVICE=1\n' "$smp" >"$env"
        # x86/run's command line, TCG
        # shellcheck disable=SC2086
        timeout "$(secs "$to")" "$QEMU" --no-reboot -nodefaults -global kvm-pit.lost_tick_policy=discard \
            -device pc-testdev -device isa-debug-exit,iobase=0xf4,iosize=0x4 -display none -serial stdio \
            -device pci-testdev -machine accel=tcg -kernel "$KUT_DIR/x86/$file" -smp "$smp" \
            ${args:+-append "$args"} $qp -initrd "$env" </dev/null >"$LOGS/$name.qemu.log" 2>&1
        st=$?
        result "$LOGS/$name.qemu.log" "$st" >"$cached"
    fi
    cat "$cached"
}

# vdebug_run name file args mem timeout pass -> sets R (PASS/FAIL/SKIP) and S (summary)
# pass: main (the default engine, direct boot), interp (-accel interp), fw
# (the default engine through SeaBIOS and multiboot_dma.bin, with QEMU's
# multiboot module: the RAM size comes from fw_cfg) or kvm (-accel kvm)
vdebug_run() {
    local name=$1 file=$2 args=$3 mem=$4 to=$5 pass=$6 accel=("${ACCEL[@]}") boot=() st log=$LOGS/$name.$6.log
    printf 'NR_CPUS=1\nMEMSIZE=%s\nTEST_DEVICE=1\n' "$mem" >"$T/env"
    case $pass in
    main) log=$LOGS/$name.log ;;
    interp) accel=(-accel interp) ;;
    kvm) accel=(-accel kvm) ;;
    fw) boot=(-bios "$SEABIOS"); printf 'NR_CPUS=1\nTEST_DEVICE=1\n' >"$T/env" ;;
    esac
    "$VDEBUG" "${accel[@]}" "${boot[@]}" -nodefaults -serial stdio -device pc-testdev -device pci-testdev \
        -device isa-debug-exit,iobase=0xf4,iosize=0x4 -display none -no-reboot -m "$mem" \
        -kernel "$KUT_DIR/x86/$file" ${args:+-append "$args"} -initrd "$T/env" \
        -icount-limit "$(( $(secs "$to") * 1000000000 ))" -d stats -D "$log.stats" </dev/null >"$log" 2>&1
    st=$?
    echo "$st" >"$log.status"
    IFS=$'\t' read -r R S < <(result "$log" "$st")
}

# Tests that cannot pass on vdebug's machine for a reason the suite does not
# check itself (tests/kut/known: NAME, the expected SUMMARY or exit status,
# the reason). Exactly that outcome is reported as a skip with the reason;
# any other outcome, a pass included, is a failure (the list needs updating).
known_result() { # name; adjusts R and S
    local line want why
    line=$(grep -v '^#' tests/kut/known | awk -F'|' -v n="$1" '$1 == n')
    [ -n "$line" ] || return 0
    want=$(cut -d'|' -f2 <<<"$line") why=$(cut -d'|' -f3 <<<"$line")
    # shellcheck disable=SC2053
    if [ "$R" != PASS ] && [[ "$S" == $want ]]; then
        R=SKIP S="$why (vdebug: $S, as expected)"
    else
        R=FAIL S="expected '$want' (tests/kut/known: $why), got $R: $S"
    fi
}

INTERP_MAX=1000000000

# same_result LINE_NAME WHAT: reports R/S, a failure unless they are the
# default-engine direct run's (R0/S0)
same_result() {
    if [ "$R" = "$R0" ] && [ "$S" = "$S0" ]; then
        report "$R" "$1" "$S (as $2)" ""
    else
        report FAIL "$1" "$R: $S; $2: $R0: $S0" ""
    fi
}

# The firmware pass: Debian's SeaBIOS and QEMU's multiboot_dma.bin
SEABIOS=/usr/share/seabios/bios-256k.bin FW_WHY=
for f in "$SEABIOS" /usr/share/qemu/multiboot_dma.bin; do
    [ -r "$f" ] || FW_WHY="$f missing (Debian packages seabios, qemu-system-data)"
done
# The KVM pass: where /dev/kvm runs guests, every test of at most KVM_MAX
# instructions (the software KVM of the machines this was written on runs
# about 2 million instructions a second and cannot page: a test runs there
# until it turns paging on, early in its start-up, then on the interpreter)
KVM_MAX=20000000
KVM_WHY=$("$VDEBUG" -accel help | sed -n 's/^kvm *not usable here: /KVM not usable here: /p')
# Tests this host's KVM runs differently from the architecture (a SKIP with
# the reason; a FAIL if the test then agrees with the translator):
declare -A KVM_HOST=()
stats_of() { sed -n 's/^stats: \([0-9][0-9]* guest instructions, virtual time [0-9.]* s\),.*/\1/p' "$1"; }

report() { # R name summary qemu
    local q=""
    [ -n "$4" ] && q=" [QEMU $QVER: ${4%%$'\t'*}, ${4#*$'\t'}]"
    echo "$1 $2: $3$q"
    [ "$1" = FAIL ] && failed=1
    return 0
}

while IFS='|' read -r name file smp args qp arch accel groups timeout check; do
    [ -n "${KUT_TESTS:-}" ] && [[ ",$KUT_TESTS," != *",$name,"* ]] && continue
    args=$(eval echo "$args")       # the cfg's quoting (and backticks), as runtime.bash's eval
    why=
    if [ -n "$arch" ] && [ "$arch" != i386 ]; then why="$arch only"
    elif [[ " $groups " == *" nodefault "* ]]; then why="test marked as manual run only"
    elif [ -n "$accel" ] && [ "$accel" != tcg ]; then why="$accel only"
    elif [ "$smp" != 1 ]; then why="needs $smp CPUs (vdebug models one; -smp $smp)"
    elif [ ! -f "$KUT_DIR/x86/$file" ]; then why="Test file '$file' not found"
    fi
    if [ -n "$why" ]; then
        q=""
        # SMP tests are the ones QEMU can still run here: show what it says
        [ "$smp" != 1 ] && [ -z "$arch$accel" ] && [[ " $groups " != *" nodefault "* ]] && [ -f "$KUT_DIR/x86/$file" ] &&
            q=$(qemu_result "$name" "$file" "$smp" "$args" "$qp" "$timeout")
        report SKIP "$name" "$why" "$q"
        continue
    fi
    # the cfg's QEMU parameters: -m gives the RAM; -cpu names a QEMU CPU model
    # (vdebug has its one CPU); anything else is passed on as it is
    mem=128 extra=()
    read -r -a qa <<<"$qp"
    for ((i = 0; i < ${#qa[@]}; i++)); do
        case ${qa[i]} in
        -m) mem=${qa[i + 1]}; i=$((i + 1)); mem=${mem%M}; case $mem in *g|*G) mem=$((${mem%[gG]} * 1024)) ;; esac ;;
        -cpu) i=$((i + 1)) ;;
        *) extra+=("${qa[i]}") ;;
        esac
    done
    if [ ${#extra[@]} -gt 0 ]; then
        report SKIP "$name" "QEMU parameters vdebug does not take: ${extra[*]}" "$(qemu_result "$name" "$file" "$smp" "$args" "$qp" "$timeout")"
        continue
    fi
    q=$(qemu_result "$name" "$file" "$smp" "$args" "$qp" "$timeout")
    vdebug_run "$name" "$file" "$args" "$mem" "$timeout" main
    known_result "$name"
    report "$R" "$name" "$S" "$q"
    R0=$R S0=$S
    # the reference interpreter re-runs every test of at most INTERP_MAX
    # instructions (all but sieve and the vmexit benchmarks; KUT_INTERP=all: every test)
    n=$(stats_of "$LOGS/$name.log.stats"); n=${n%% guest*}
    if [ "${KUT_INTERP:-1}" = 0 ]; then :
    elif [ "${KUT_INTERP:-1}" != all ] && [ "${n:-0}" -gt "$INTERP_MAX" ]; then
        echo "SKIP $name[interp]: ${n} instructions, more than the $INTERP_MAX the interpreter re-runs (KUT_INTERP=all)"
    else
        vdebug_run "$name" "$file" "$args" "$mem" "$timeout" interp
        known_result "$name"
        report "$R" "$name[interp]" "$S" ""
        a=$LOGS/$name.log b=$LOGS/$name.interp.log
        s1=$(stats_of "$a.stats") s2=$(stats_of "$b.stats")
        if [ -n "$s1" ] && [ "$s1" = "$s2" ] && cmp -s "$a" "$b" && cmp -s "$a.status" "$b.status"; then
            echo "PASS $name: engines agree (${s1%% guest*} instructions)"
        else
            echo "FAIL $name: engines disagree (default: ${s1:-no stats}, status $(cat "$a.status"); interp: ${s2:-no stats}, status $(cat "$b.status"))"
            diff "$a" "$b" | head -n 6 | sed 's/^/    | /'
            failed=1
        fi
    fi
    # through the firmware, as QEMU boots it: the same result as the direct boot
    if [ "${KUT_FW:-1}" = 0 ]; then :
    elif [ -n "$FW_WHY" ]; then echo "SKIP $name[firmware]: $FW_WHY"
    else
        vdebug_run "$name" "$file" "$args" "$mem" "$timeout" fw
        known_result "$name"
        same_result "$name[firmware]" "booted directly"
    fi
    # under KVM, the tests of at most KVM_MAX instructions
    if [ "${KUT_KVM:-1}" = 0 ]; then :
    elif [ -n "$KVM_WHY" ]; then echo "SKIP $name[kvm]: $KVM_WHY"
    elif [ "${KUT_KVM:-1}" != all ] && [ "${n:-0}" -gt "$KVM_MAX" ]; then
        echo "SKIP $name[kvm]: ${n} instructions, more than the $KVM_MAX run under KVM (KUT_KVM=all runs every test)"
    elif [ -n "${KVM_HOST[$name]:-}" ]; then
        vdebug_run "$name" "$file" "$args" "$mem" "$timeout" kvm
        if [ "$R" = "$R0" ] && [ "$S" = "$S0" ]; then
            echo "FAIL $name[kvm]: listed in KVM_HOST ('${KVM_HOST[$name]}') but gives the direct boot's result: $R: $S"
            failed=1
        else
            echo "SKIP $name[kvm]: this host's KVM: ${KVM_HOST[$name]} ($R: $S)"
        fi
    else
        vdebug_run "$name" "$file" "$args" "$mem" "$timeout" kvm
        known_result "$name"
        same_result "$name[kvm]" "on ${VD_ACCEL:-the translator}"
    fi
done < <(parse_cfg)
exit $failed
