; Benchmark 2 (copy): memory access with paging on. See bench/lib/paging.inc.
; bench-expect: BENCH paging-copy checksum d113c199
%include "mb.inc"
%include "bench/lib/bench.inc"
%ifndef PG_COPY
%define PG_COPY 40
%endif
%define PG_NAME "paging-copy"
%include "bench/lib/paging.inc"
