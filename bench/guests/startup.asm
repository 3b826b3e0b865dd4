; Baseline: boot and exit at once. Its time is each emulator's fixed cost
; (process start, firmware/loader, exit), which bench/run.sh subtracts from
; the other workloads for the "net" ratio.
; bench-expect: BENCH startup checksum 600dcafe
%include "mb.inc"
%include "bench/lib/bench.inc"
section .text
start:
    BENCH_INIT
    puts "startup:", 10
    BENCH_RESULT "startup", 0x600dcafe
    EXIT
section .rodata_strs
