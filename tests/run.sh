#!/usr/bin/env bash
# Runs every test layer and prints one line per case, then "N passed, N failed, N skipped".
#   unit/diff programs   $BUILD/tests/{unit,diff}/*      print PASS/FAIL/SKIP lines
#   guest programs       tests/asm/*.asm                 report PASS/FAIL on port 0xE9, exit via 0xF4
#   scripts              tests/{cli,gdb,boot}/*.sh       print PASS/FAIL/SKIP lines
#   kvm-unit-tests       tests/kut/x86.sh                builds the suite into $BUILD/kut, one line per test
# A program that exits non-zero (other than guests' expected status) without a
# FAIL line counts as one failure. Environment: VDEBUG (binary), BUILD (build dir).
# Optional: TESTS=pattern runs only the programs whose name contains it.
# Engines: each guest runs twice, under the default engine (or -accel $VD_ACCEL
# when VD_ACCEL is set, e.g. VD_ACCEL=dbt,verify=on) and under -accel interp,
# the reference; its own lines are reported for both (asm/NAME, asm/NAME[interp])
# and one more line says whether the two runs agree: same exit status, same
# output, same guest instruction count and virtual time (-d stats). The cli,
# gdb and boot scripts pass -accel $VD_ACCEL to vdebug when it is set.
set -u
cd "$(dirname "$0")/.."
: "${VDEBUG:=$PWD/vdebug}" "${BUILD:=$PWD/build}"
export VDEBUG BUILD
pass=0 fail=0 skip=0
out=$(mktemp)
guest_out=$(mktemp -d) # the two runs of a guest: output, status, -d stats
trap 'rm -f "$out"; rm -rf "$guest_out"' EXIT

tally() { # name status expected_status
    local name=$1 st=$2 want=$3 p f s
    p=$(grep -c '^PASS ' "$out"); f=$(grep -c '^FAIL ' "$out"); s=$(grep -c '^SKIP ' "$out")
    sed -n -e "s#^\(PASS\|FAIL\|SKIP\) #\1 $name: #p" "$out"
    if [ "$st" != "$want" ] && [ "$f" = 0 ]; then
        echo "FAIL $name: exit status $st (expected $want)"
        tail -n 5 "$out" | sed 's/^/    | /'
        f=1
    fi
    if [ "$p" = 0 ] && [ "$f" = 0 ] && [ "$s" = 0 ]; then
        echo "FAIL $name: reported no test case"
        tail -n 5 "$out" | sed 's/^/    | /'
        f=1
    fi
    pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
}
want() { [ -z "${TESTS:-}" ] || [[ "$1" == *"$TESTS"* ]]; }

for t in "$BUILD"/tests/unit/* "$BUILD"/tests/diff/*; do
    [ -x "$t" ] && [ -f "$t" ] || continue
    name=${t#"$BUILD"/tests/}; want "$name" || continue
    "$t" >"$out" 2>&1; tally "$name" $? 0
done

ACCEL=(${VD_ACCEL:+-accel "$VD_ACCEL"})
# stats_of LOG: "N guest instructions, virtual time T s" from the -d stats line
stats_of() { sed -n 's/^stats: \([0-9][0-9]* guest instructions, virtual time [0-9.]* s\),.*/\1/p' "$1"; }
# engine_of LOG: the engine named by the per-engine -d stats lines
engine_of() { sed -n 's/^stats: engine \([a-z]*\): .*/\1/p' "$1" | head -n 1; }

for src in tests/asm/*.asm; do
    [ -f "$src" ] || continue
    name=asm/$(basename "$src" .asm); want "$name" || continue
    img=$BUILD/tests/asm/$(basename "$src" .asm).bin
    # extra flags for this guest: a line "; vdebug-args: ..." in the source
    # (a -d or -D there would replace the -d stats the comparison needs)
    args=$(sed -n 's/^; *vdebug-args: *//p' "$src" | head -n 1)
    # the default engine (or VD_ACCEL's), then the reference interpreter
    for eng in main interp; do
        if [ "$eng" = main ]; then accel=("${ACCEL[@]}"); n=$name; else accel=(-accel interp); n="$name[interp]"; fi
        # shellcheck disable=SC2086
        "$VDEBUG" "${accel[@]}" -kernel "$img" -nographic -serial none -debugcon stdio -no-reboot \
            -device isa-debug-exit,iobase=0xf4,iosize=0x04 -d stats -D "$guest_out/$eng.stats" $args \
            </dev/null >"$out" 2>&1
        st=$?
        cp "$out" "$guest_out/$eng.out"
        echo "$st" >"$guest_out/$eng.status"
        tally "$n" "$st" 1
    done
    s1=$(stats_of "$guest_out/main.stats"); s2=$(stats_of "$guest_out/interp.stats")
    e1=$(engine_of "$guest_out/main.stats")
    why=""
    if [ -z "$s1" ] || [ -z "$s2" ]; then
        why="no -d stats line (${e1:-default}: '$s1', interp: '$s2')"
    elif [ "$s1" != "$s2" ]; then
        why="${e1:-default}: $s1; interp: $s2"
    elif [ "$(cat "$guest_out/main.status")" != "$(cat "$guest_out/interp.status")" ]; then
        why="exit status ${e1:-default}: $(cat "$guest_out/main.status"), interp: $(cat "$guest_out/interp.status")"
    elif ! cmp -s "$guest_out/main.out" "$guest_out/interp.out"; then
        why="output differs (< ${e1:-default}, > interp)"
    fi
    if [ -z "$why" ]; then
        echo "PASS $name: engines agree (${s1%% guest*} instructions, ${e1:-default} = interp)"
        pass=$((pass + 1))
    else
        echo "FAIL $name: engines disagree: $why"
        diff "$guest_out/main.out" "$guest_out/interp.out" | head -n 6 | sed 's/^/    | /'
        fail=$((fail + 1))
    fi
done

for t in tests/cli/*.sh tests/gdb/*.sh tests/boot/*.sh tests/kut/x86.sh; do
    [ -f "$t" ] || continue
    name=${t#tests/}; name=${name%.sh}; want "$name" || continue
    bash "$t" >"$out" 2>&1; tally "$name" $? 0
done

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
