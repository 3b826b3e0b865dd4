#!/usr/bin/env bash
# Side-by-side benchmark runner: times every guest in $BUILD/bench/*.bin under
# each vdebug engine (BENCH_ENGINES: the translator and the interpreter) and
# under QEMU (TCG) in the same run, checks that all printed the same
# "BENCH <name> checksum XXXXXXXX" line, and prints a table of seconds (best
# of BENCH_RUNS runs) and ratios vdebug/QEMU, one row per guest and engine.
# See bench/README.md.
#
# `make bench` builds vdebug and the guests, then runs this with VDEBUG and
# BUILD set. This script assembles and compiles nothing of vdebug's.
#
# Environment:
#   VDEBUG         vdebug binary                  (default ./vdebug)
#   BUILD          build directory with bench/*.bin (default ./build)
#   BENCH_ENGINES  vdebug engines, one row each (default "dbt interp"); each
#                  is passed as `-accel ENGINE` (options ride along:
#                  "dbt,verify=on"). BENCH_ACCEL= (empty) passes no option,
#                  for a vdebug that predates it. See bench/lib/engines.bash.
#   BENCH_RUNS     timed runs per emulator and guest; the best counts (default 3)
#   BENCH          run only the guests whose name contains this string
#   BENCH_TIMEOUT  seconds after which one run is stopped and reported as a
#                  timeout, so that a hung emulator cannot hang `make bench`
#                  (default 300; 0 = none). This is not a speed assertion.
#   BENCH_ICOUNT   1 (default): count guest instructions under QEMU with a tiny
#                  TCG plugin (one extra, untimed QEMU run per guest); 0: skip
#   QEMU           QEMU binary (default qemu-system-i386)
#   BENCH_NO_INSTALL  set to skip `apt-get install qemu-system-x86` when QEMU is missing
set -u
cd "$(dirname "$0")/.." || exit 1
: "${VDEBUG:=$PWD/vdebug}" "${BUILD:=$PWD/build}"
RUNS=${BENCH_RUNS:-3}
TIMEOUT=${BENCH_TIMEOUT:-300}
ICOUNT=${BENCH_ICOUNT:-1}
QEMU=${QEMU:-qemu-system-i386}
BDIR=$BUILD/bench
# shellcheck source=bench/lib/engines.bash
. bench/lib/engines.bash
EXIT_OK=1          # isa-debug-exit: status = value << 1 | 1; guests write 0 on success

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# ------------------------------------------------------------------ QEMU
have_qemu=1
if ! command -v "$QEMU" >/dev/null 2>&1; then
    if [ -z "${BENCH_NO_INSTALL:-}" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "bench: $QEMU not found; installing qemu-system-x86 with apt-get" >&2
        { apt-get install -y -qq qemu-system-x86 || { apt-get update -qq && apt-get install -y -qq qemu-system-x86; }; } >/dev/null 2>&1
    fi
    if ! command -v "$QEMU" >/dev/null 2>&1; then
        echo "bench: SKIP QEMU: $QEMU is not available (apt-get install qemu-system-x86); vdebug times only, no checksum oracle"
        have_qemu=0
    fi
fi
[ "$have_qemu" = 1 ] && echo "bench: $("$QEMU" --version | head -n 1)"

# Instruction counting under QEMU: a minimal TCG plugin (bench/lib/insn_count.c)
# that adds each translation block's instruction count when the block runs.
# Counts include the firmware and loader (see the startup row).
plugin=
if [ "$have_qemu" = 1 ] && [ "$ICOUNT" = 1 ] && command -v "${CC:-cc}" >/dev/null 2>&1; then
    if "${CC:-cc}" -shared -fPIC -O2 -o "$tmp/insn.so" bench/lib/insn_count.c 2>"$tmp/cc.err"; then
        plugin=$tmp/insn.so
    else
        echo "bench: note: cannot build the QEMU instruction-count plugin; no instruction counts" >&2
    fi
fi

# ------------------------------------------------------------------ running
# run_once OUT ERR cmd... -> prints "STATUS MICROSECONDS"
run_once() {
    local out=$1 err=$2 t0 t1 st
    shift 2
    t0=$(date +%s%N)
    if [ "$TIMEOUT" != 0 ]; then
        timeout -k 5 "$TIMEOUT" "$@" </dev/null >"$out" 2>"$err"
    else
        "$@" </dev/null >"$out" 2>"$err"
    fi
    st=$?
    t1=$(date +%s%N)
    echo "$st $(( (t1 - t0) / 1000 ))"
}

# bench_emu KEY cmd... : RUNS timed runs; sets best_us, status, cksum, log for KEY
# Stops early (one run) if the first run fails.
bench_emu() {
    local key=$1 r st us
    shift
    best_us="" status=ok cksum=""
    for ((r = 0; r < RUNS; r++)); do
        read -r st us < <(run_once "$tmp/$key.out" "$tmp/$key.err" "$@")
        if [ "$st" = 124 ] || [ "$st" = 137 ]; then
            status="timeout after ${TIMEOUT}s"; best_us=; return
        fi
        if [ "$st" != "$EXIT_OK" ]; then
            status="exit status $st"; best_us=; return
        fi
        if [ -z "$best_us" ] || [ "$us" -lt "$best_us" ]; then best_us=$us; fi
    done
    cksum=$(grep -a -m 1 '^BENCH .* checksum ' "$tmp/$key.out")
    if grep -a -q '^BENCH FAULT' "$tmp/$key.out"; then status="guest fault"; fi
    [ -n "$cksum" ] || status="no checksum line"
}

# why KEY: one line that tells why a run failed
why() {
    local l
    l=$(grep -a -m 1 '^BENCH FAULT' "$tmp/$1.out")
    [ -n "$l" ] || l=$(grep -a -v '^\s*$' "$tmp/$1.err" | tail -n 1)
    [ -n "$l" ] || l=$(grep -a -v '^\s*$' "$tmp/$1.out" | tail -n 1)
    printf '%s' "${l:0:100}"
}

secs() { [ -n "$1" ] && awk -v u="$1" 'BEGIN { printf "%.3f", u / 1e6 }' || printf -- '-'; }
mips() { # insns us [startup_insns startup_us]: guest MIPS of the work alone
    awk -v i="$1" -v u="$2" -v si="${3:-0}" -v su="${4:-0}" 'BEGIN {
        if (i == "" || u == "" || u - su <= 0 || i - si <= 0) { printf "-"; exit }
        printf "%.0f", (i - si) / (u - su) }'
}
ratio() { # a b [sa sb]: (a - sa) / (b - sb)
    awk -v a="$1" -v b="$2" -v sa="${3:-0}" -v sb="${4:-0}" 'BEGIN {
        if (a == "" || b == "" || b - sb <= 0) { printf "-"; exit }
        if (a - sa <= 0) { printf "~0"; exit }   # within startup noise
        printf "%.2f", (a - sa) / (b - sb) }'
}

# command lines (arrays, so that `timeout` can run them): set_cmds IMG
# vdebug's: set_vd_cmd ENGINE IMG (its -d stats line goes to $tmp/vd.stats)
# shellcheck disable=SC2054  # the commas are inside QEMU option values
set_vd_cmd() {
    engine_args "$1"
    vd_cmd=("$VDEBUG" "${ENGINE_ARGS[@]}" -kernel "$2" -nographic -serial none -debugcon stdio
        -device isa-debug-exit,iobase=0xf4,iosize=4 -d stats -D "$tmp/vd.stats")
}
# shellcheck disable=SC2054
set_cmds() {
    qemu_cmd=("$QEMU" -accel tcg -kernel "$1" -display none -serial none
        -debugcon stdio -device isa-debug-exit,iobase=0xf4,iosize=4 -no-reboot)
}

# vdebug's own instruction count: its -d stats line "stats: N guest
# instructions, ..." (or, from a vdebug without -d stats, "N instructions",
# "insns: N" / "icount: N" on stderr)
vd_insns() {
    local n
    n=$(sed -n 's/^stats: \([0-9][0-9]*\) guest instructions.*/\1/p' "$tmp/vd.stats" 2>/dev/null | tail -n 1)
    [ -n "$n" ] || n=$(grep -a -o -E '([0-9]+ (guest )?instructions|(insns|icount)[:=] *[0-9]+)' "$tmp/vd.err" "$tmp/vd.out" 2>/dev/null \
        | head -n 1 | grep -o -E '[0-9]+' | head -n 1)
    printf '%s' "$n"
}
# the translator's share: "stats: engine dbt: N guest instructions, M (P%) in translated code"
vd_translated() {
    sed -n 's/^stats: engine [^:]*: [0-9]* guest instructions, [0-9]* (\([0-9.]*%\)) in translated code.*/\1/p' \
        "$tmp/vd.stats" 2>/dev/null | tail -n 1
}

have_vd=1
if [ ! -x "$VDEBUG" ]; then
    echo "bench: vdebug binary $VDEBUG not found: vdebug columns empty"
    have_vd=0
fi

guests=()
for g in startup compute paging-walk paging-copy paging-cr3 syscall syscall-paged timer; do
    [ -f "bench/guests/$g.asm" ] && guests+=("$g")
done
for src in bench/guests/*.asm; do    # any others, in name order
    g=$(basename "$src" .asm)
    [[ " ${guests[*]} " == *" $g "* ]] || guests+=("$g")
done

echo "bench: best of $RUNS runs per emulator; ratio = vdebug/qemu (lower is better for vdebug);"
echo "bench: net = the same after subtracting each emulator's startup row; vdebug engines: ${ENGINES[*]}"
[ "$have_vd" = 0 ] || engines_note
fmt='%-14s %-8s %9s %9s %7s %7s %12s %7s %7s %12s  %s\n'
rows=()
rows+=("$(printf "$fmt" workload engine vdebug_s qemu_s ratio net qemu_insns q_mips vd_mips vdebug_insns status)")
printf '%s\n' "${rows[0]}"
st_q="" st_insns=""
declare -A st_vd vfail
for e in "${ENGINES[@]}"; do st_vd[$e]="" vfail[$e]=0; done
no_mean=" startup "
nfail=0 nrun=0
for g in "${guests[@]}"; do
    [ -z "${BENCH:-}" ] || [[ "$g" == *"$BENCH"* ]] || [ "$g" = startup ] || continue
    img=$BDIR/$g.bin
    if [ ! -f "$img" ]; then
        rows+=("$(printf "$fmt" "$g" - - - - - - - - - "not built ($img)")"); printf '%s\n' "${rows[-1]}"
        continue
    fi
    set_cmds "$img"
    nrun=$((nrun + 1))
    # QEMU: the oracle first
    q_us="" q_sum="" q_status="no qemu" q_insns=""
    if [ "$have_qemu" = 1 ]; then
        bench_emu q "${qemu_cmd[@]}"
        q_us=$best_us q_sum=$cksum q_status=$status
        if [ "$q_status" = ok ] && [ -n "$plugin" ]; then
            "${qemu_cmd[@]}" -plugin "$plugin" -d plugin -D "$tmp/plugin.log" </dev/null >/dev/null 2>&1
            q_insns=$(sed -n 's/^insns: //p' "$tmp/plugin.log" 2>/dev/null | tail -n 1)
        fi
    fi
    [ "$g" != startup ] || st_q=$q_us st_insns=$q_insns
    # status: QEMU is the oracle; without it, the "; bench-expect: LINE"
    # recorded in the guest source (what QEMU printed when it was written)
    expect=$(sed -n 's/^; *bench-expect: *//p' "bench/guests/$g.asm" | head -n 1)
    if [ "$have_qemu" = 1 ]; then ref=$q_sum ref_from=qemu; else ref=$expect ref_from="recorded bench-expect"; fi
    grep -q '^; *bench-not-in-mean' "bench/guests/$g.asm" && no_mean+="$g "
    if [ "$have_qemu" = 1 ] && [ "$q_status" != ok ]; then nfail=$((nfail + 1)); fi
    # vdebug: each engine; v_us_of[engine] for the QEMU variant rows below
    declare -A v_us_of=()
    first_insns="" first_engine=""
    engines=("${ENGINES[@]}")
    [ "$have_vd" = 1 ] || engines=(-)
    for e in "${engines[@]}"; do
        v_us="" v_sum="" v_status="no vdebug" v_insns="" v_tr=""
        if [ "$have_vd" = 1 ]; then
            set_vd_cmd "$e" "$img"
            rm -f "$tmp/vd.stats"
            bench_emu vd "${vd_cmd[@]}"
            v_us=$best_us v_sum=$cksum v_status=$status
            v_insns=$(vd_insns) v_tr=$(vd_translated)
        fi
        if [ "$have_qemu" = 1 ] && [ "$q_status" != ok ]; then
            w=$(why q)
            note="QEMU FAILED ($q_status${w:+: $w}) - guest bug?"
        elif [ "$have_vd" = 1 ] && [ "$v_status" != ok ]; then
            w=$(why vd)
            note="VDEBUG FAILED ($v_status${w:+: $w})"
            v_us=""
            vfail[$e]=$((vfail[$e] + 1))
        elif [ "$have_vd" = 1 ] && [ -n "$ref" ] && [ "$v_sum" != "$ref" ]; then
            note="CHECKSUM MISMATCH: vdebug '${v_sum#BENCH }' vs $ref_from '${ref#BENCH }'"
            v_us=""
            vfail[$e]=$((vfail[$e] + 1))
        elif [ "$have_vd" = 1 ] && [ -n "$ref" ]; then
            note="ok (${ref#BENCH }${ref_from:+, checked against $ref_from})"
            [ "$ref_from" = qemu ] && note="ok (${ref#BENCH })"
        else
            note="unchecked: ${q_sum#BENCH }${v_sum#BENCH }"
            [ "$have_vd" = 1 ] && vfail[$e]=$((vfail[$e] + 1))
        fi
        if [ "$have_qemu" = 1 ] && [ -n "$expect" ] && [ -n "$q_sum" ] && [ "$q_sum" != "$expect" ]; then
            note+="; NOTE: QEMU's line differs from the source's bench-expect '$expect': update it"
        fi
        [ -z "$v_tr" ] || [ -z "$v_us" ] || note+="; $v_tr translated"
        # the engines must agree on the instruction count (issue 9: identical counts)
        if [ -n "$v_insns" ] && [ -n "$v_us" ]; then
            if [ -z "$first_insns" ]; then first_insns=$v_insns first_engine=$e
            elif [ "$v_insns" != "$first_insns" ]; then note+="; INSTRUCTION COUNT DIFFERS from $first_engine's $first_insns"
            fi
        fi
        [ "$g" != startup ] || [ "$have_vd" = 0 ] || st_vd[$e]=$v_us
        v_us_of[$e]=$v_us
        st_e=""
        [ "$have_vd" = 0 ] || st_e=${st_vd[$e]}
        net=-
        [ "$g" = startup ] || net=$(ratio "$v_us" "$q_us" "$st_e" "$st_q")
        rows+=("$(printf "$fmt" "$g" "$e" "$(secs "$v_us")" "$(secs "$q_us")" "$(ratio "$v_us" "$q_us")" \
            "$net" "${q_insns:--}" "$(mips "$q_insns" "$q_us" "$st_insns" "$st_q")" \
            "$(mips "$q_insns" "$v_us" "$st_insns" "$st_e")" "${v_insns:--}" "$note")")
        printf '%s\n' "${rows[-1]}"
    done

    # QEMU variants declared in the guest source: "; bench-qemu-variant: NAME ARGS..."
    # (QEMU timed once more; vdebug's times are those above, one row per engine)
    while read -r vname vargs; do
        [ -n "$vname" ] && [ "$have_qemu" = 1 ] || continue
        # shellcheck disable=SC2086
        bench_emu qv "${qemu_cmd[@]}" $vargs
        if [ "$status" != ok ]; then
            w=$(why qv)
            vnote="QEMU FAILED ($status${w:+: $w})"
        elif [ "$cksum" != "$q_sum" ]; then
            vnote="QEMU variant checksum differs: '${cksum#BENCH }'"
        else
            vnote="qemu $vargs; vdebug as above"
        fi
        for e in "${engines[@]}"; do
            v_us=${v_us_of[$e]:-}
            st_e=""
            [ "$have_vd" = 0 ] || st_e=${st_vd[$e]}
            rows+=("$(printf "$fmt" "$g@$vname" "$e" "$(secs "$v_us")" "$(secs "$best_us")" \
                "$(ratio "$v_us" "$best_us")" "$(ratio "$v_us" "$best_us" "$st_e" "$st_q")" - - - - "$vnote")")
            printf '%s\n' "${rows[-1]}"
        done
    done < <(sed -n 's/^; *bench-qemu-variant: *//p' "bench/guests/$g.asm")
done

# geometric means of one engine's workload ratios that vdebug completed (not
# startup, not the QEMU variant rows, not guests marked "; bench-not-in-mean: why")
gmean() { # column engine
    printf '%s\n' "${rows[@]:1}" | awk -v c="$1" -v e="$2" -v skip="$no_mean" '
        $2 == e && index(skip, " " $1 " ") == 0 && $1 !~ /@/ && $c ~ /^[0-9.]+$/ && $c > 0 {
        s += log($c); n++ } END { if (n) printf "%.2f over %d workloads", exp(s / n), n; else printf "none" }'
}
# engine E against engine F: geometric mean over the workloads both completed
# of E's net ratio / F's (QEMU cancels out: the ratio of the net times)
gmean_pair() { # engine other
    printf '%s\n' "${rows[@]:1}" | awk -v a="$1" -v b="$2" -v skip="$no_mean" '
        index(skip, " " $1 " ") == 0 && $1 !~ /@/ && $6 ~ /^[0-9.]+$/ && $6 > 0 {
            if ($2 == a) ra[$1] = $6; else if ($2 == b) rb[$1] = $6 }
        END { for (w in ra) if (w in rb) { s += log(ra[w] / rb[w]); n++ }
              if (n) printf "%.2f over %d workloads", exp(s / n), n; else printf "none" }'
}
echo "bench: not in the means:${no_mean% }"
if [ "$have_vd" = 1 ]; then
    for e in "${ENGINES[@]}"; do
        echo "bench: $e: geometric mean of ratio (vdebug/qemu): $(gmean 5 "$e"); of net: $(gmean 6 "$e")"
    done
    for e in "${ENGINES[@]:1}"; do
        echo "bench: $e / ${ENGINES[0]} (net times): $(gmean_pair "$e" "${ENGINES[0]}")"
    done
fi
echo "bench: q_mips/vd_mips: million guest instructions per second of the work alone, both from QEMU's count less the startup row's"
if [ "$have_vd" = 1 ]; then
    for e in "${ENGINES[@]}"; do
        echo "bench: vdebug $e ran $((nrun - vfail[$e])) of $nrun guests with the expected checksum (failed, wrong or unchecked: ${vfail[$e]})"
    done
fi
[ "$nfail" = 0 ] || echo "bench: $nfail guest(s) failed under QEMU: fix the guest"
exit 0
