; Benchmark 2 (cr3): memory access with paging on. See bench/lib/paging.inc.
; bench-expect: BENCH paging-cr3 checksum 83fc998d
%include "mb.inc"
%include "bench/lib/bench.inc"
%ifndef PG_CR3
%define PG_CR3 3000
%endif
%define PG_NAME "paging-cr3"
%include "bench/lib/paging.inc"
