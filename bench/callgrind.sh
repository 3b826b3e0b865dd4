#!/usr/bin/env bash
# Repeatable cost measure for vdebug's engines: host instructions executed
# (callgrind's Ir) per guest instruction, on scaled-down copies of the bench
# guests. Wall-clock times on a shared machine vary by tens of percent from
# run to run; these counts do not, so they show what a change to the run
# loop, the translator or the memory paths is worth.
#
#   bench/callgrind.sh [VDEBUG...]      # default: ./vdebug
#
# One pair of columns (Ir, Ir/insn) per binary and engine: every binary runs
# every engine of BENCH_ENGINES (default "dbt interp", each as -accel ENGINE;
# see bench/lib/engines.bash), so one binary gives the translator and the
# interpreter side by side, and two binaries give before/after per engine:
#   BENCH_ENGINES=interp bench/callgrind.sh /tmp/old/vdebug ./vdebug
#
# Guest instruction counts come from QEMU (bench/lib/insn_count.c) and, like
# the host counts, are net of the `startup` guest (firmware, loader, exit).
# Without QEMU the table shows host instructions only. Environment: BUILD
# (scratch directory, default a temporary one), CG_GUESTS (substring filter),
# QEMU (binary), BENCH_ENGINES / BENCH_ACCEL (engines), VDEBUG_ARGS (more
# vdebug options for every run, split on spaces). The translator's time to
# translate is part of its count, as it is part of a run.
set -u
cd "$(dirname "$0")/.." || exit 1
[ $# -gt 0 ] || set -- ./vdebug
QEMU=${QEMU:-qemu-system-i386}
# shellcheck source=bench/lib/engines.bash
. bench/lib/engines.bash
read -r -a extra_args <<<"${VDEBUG_ARGS:-}"
command -v valgrind >/dev/null || { echo "callgrind: SKIP: valgrind not installed"; exit 0; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
OUT=${BUILD:-$tmp}/bench-cg
mkdir -p "$OUT"

# guest and the nasm defines that shrink it to some 5-50 M instructions
guests=(
    "startup"
    "compute -DREPS=2"
    "paging-walk -DPG_WALK=200"
    "paging-copy -DPG_COPY=2"
    "paging-cr3 -DPG_CR3=200"
    "syscall -DN=100000"
    "syscall-paged -DN=100000"
)

plugin=
if command -v "$QEMU" >/dev/null && "${CC:-cc}" -shared -fPIC -O2 -o "$tmp/insn.so" bench/lib/insn_count.c 2>/dev/null; then
    plugin=$tmp/insn.so
fi

ir() { # binary engine image -> Ir of the whole run ("failed" unless the guest exited with status 1)
    local st
    engine_args "$2"
    rm -f "$tmp/cg.out"
    valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" "$1" "${ENGINE_ARGS[@]}" "${extra_args[@]}" \
        -kernel "$3" -nographic -serial none \
        -debugcon file:"$tmp/con" -device isa-debug-exit,iobase=0xf4,iosize=4 >/dev/null 2>"$tmp/vg.err" </dev/null
    st=$?
    if [ "$st" != 1 ] || [ ! -f "$tmp/cg.out" ]; then
        echo "callgrind: $1 ${ENGINE_ARGS[*]} ${extra_args[*]} on $3: exit status $st: $(grep -v '^==' "$tmp/vg.err" | tail -n 1)" >&2
        echo failed
        return
    fi
    sed -n 's/^summary: *//p' "$tmp/cg.out"
}
qinsns() {
    [ -n "$plugin" ] || return
    "$QEMU" -accel tcg -kernel "$1" -display none -serial none -debugcon null \
        -device isa-debug-exit,iobase=0xf4,iosize=4 -no-reboot -plugin "$plugin" -d plugin -D "$tmp/q.log" \
        </dev/null >/dev/null 2>&1
    sed -n 's/^insns: //p' "$tmp/q.log" | tail -n 1
}

engines_note
printf '%-14s %11s' guest guest_insns
# column label: the binary's name, or its directory's when it is just "vdebug";
# then the engine (the engine alone for a single binary)
label() { local n; n=$(basename "$1"); [ "$n" != vdebug ] || n=$(basename "$(dirname "$(realpath "$1")")"); printf '%s' "${n:0:12}"; }
for b in "$@"; do
    for e in "${ENGINES[@]}"; do
        l=$e
        [ $# = 1 ] || l="$(label "$b"):$e"
        printf ' %14s %8s' "Ir:${l:0:11}" "Ir/insn"
    done
done
printf '\n'
declare -A st_ir
st_q=0
for entry in "${guests[@]}"; do
    read -r g defs <<<"$entry"
    [ -z "${CG_GUESTS:-}" ] || [[ "$g" == *"$CG_GUESTS"* ]] || [ "$g" = startup ] || continue
    # shellcheck disable=SC2086
    nasm -f bin -I tests/asm/lib/ $defs -o "$OUT/$g.bin" "bench/guests/$g.asm" || exit 1
    q=$(qinsns "$OUT/$g.bin")
    [ "$g" = startup ] && st_q=${q:-0}
    n=$(( ${q:-0} - st_q ))
    printf '%-14s %11s' "$g" "$([ "$g" != startup ] && [ -n "$q" ] && echo "$n" || echo -)"
    for b in "$@"; do
        for e in "${ENGINES[@]}"; do
            i=$(ir "$b" "$e" "$OUT/$g.bin")
            [ "$g" = startup ] && st_ir[$b/$e]=$i
            per=-
            if [ "$g" != startup ] && [ -n "$q" ] && [ "$n" -gt 0 ] && [ "$i" != failed ] && [ "${st_ir[$b/$e]}" != failed ]; then
                per=$(awk -v i="$i" -v s="${st_ir[$b/$e]}" -v n="$n" 'BEGIN { printf "%.1f", (i - s) / n }')
            fi
            printf ' %14s %8s' "$i" "$per"
        done
    done
    printf '\n'
done
