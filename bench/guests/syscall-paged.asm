; Benchmark 3b: the syscall workload (bench/guests/syscall.asm) with paging
; on: user pages for ring 3, supervisor-only pages for the kernel's data and
; stack, and one deliberate user-mode #PF at the end.
; bench-expect: BENCH syscall-paged checksum e4192a6f
%define SC_PAGED
%define SC_NAME "syscall-paged"
%include "bench/guests/syscall.asm"
