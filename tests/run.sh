#!/usr/bin/env bash
# Runs every test layer and prints one line per case, then "N passed, N failed, N skipped".
#   unit/diff programs   $BUILD/tests/{unit,diff}/*      print PASS/FAIL/SKIP lines
#   guest programs       tests/asm/*.asm                 report PASS/FAIL on port 0xE9, exit via 0xF4
#   scripts              tests/{cli,gdb,boot}/*.sh       print PASS/FAIL/SKIP lines
# A program that exits non-zero (other than guests' expected status) without a
# FAIL line counts as one failure. Environment: VDEBUG (binary), BUILD (build dir).
# Optional: TESTS=pattern runs only the programs whose name contains it.
set -u
cd "$(dirname "$0")/.."
: "${VDEBUG:=$PWD/vdebug}" "${BUILD:=$PWD/build}"
export VDEBUG BUILD
pass=0 fail=0 skip=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT

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

for src in tests/asm/*.asm; do
    [ -f "$src" ] || continue
    name=asm/$(basename "$src" .asm); want "$name" || continue
    img=$BUILD/tests/asm/$(basename "$src" .asm).bin
    # extra flags for this guest: a line "; vdebug-args: ..." in the source
    args=$(sed -n 's/^; *vdebug-args: *//p' "$src" | head -n 1)
    # shellcheck disable=SC2086
    "$VDEBUG" -kernel "$img" -nographic -serial none -debugcon stdio -no-reboot \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 $args </dev/null >"$out" 2>&1
    tally "$name" $? 1
done

for t in tests/cli/*.sh tests/gdb/*.sh tests/boot/*.sh; do
    [ -f "$t" ] || continue
    name=${t#tests/}; name=${name%.sh}; want "$name" || continue
    bash "$t" >"$out" 2>&1; tally "$name" $? 0
done

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
