; Benchmark 2 (walk): memory access with paging on. See bench/lib/paging.inc.
; bench-expect: BENCH paging-walk checksum ccc6f0b2
%include "mb.inc"
%include "bench/lib/bench.inc"
%ifndef PG_WALK
%define PG_WALK 10000
%endif
%define PG_NAME "paging-walk"
%include "bench/lib/paging.inc"
