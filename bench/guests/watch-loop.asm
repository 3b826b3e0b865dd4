; The guest of bench/watch-session.sh: a hot loop whose loads and stores all
; hit one 4 KiB page (a 256-bucket histogram, a 256-dword table, a running
; sum) that also holds a variable written only once per round (WATCHED,
; ROUNDS times in the whole run). The session script sets a GDB write
; watchpoint on WATCHED: a debugger whose watchpoints make the whole page slow
; pays on every iteration; one that checks only the watched range pays for
; the ROUNDS writes alone. The dword right after WATCHED (NEXT) is
; read-modified-written on every iteration.
; Paging off; code, stack and IDT are on other pages. ITERS (total loop
; iterations, 12 instructions each) and ROUNDS can be overridden with nasm -D;
; ITERS=0 is the fixed cost of a session (the ROUNDS writes still happen).
; "bench-watch:" names the watched address for the session script.
; bench-expect: BENCH watch-loop checksum d2763373
; bench-watch: 0x300800
; bench-not-in-mean: the guest of bench/watch-session.sh, a tight loop like compute's
%include "mb.inc"
%include "bench/lib/bench.inc"

%ifndef ITERS
%define ITERS 64000000
%endif
%ifndef ROUNDS
%define ROUNDS 4
%endif
PER_ROUND equ ITERS / ROUNDS

WPAGE     equ 0x300000
HIST      equ WPAGE + 0x000         ; 256 dwords
TABLE     equ WPAGE + 0x400         ; 256 dwords
WATCHED   equ WPAGE + 0x800         ; written once per round
NEXT      equ WPAGE + 0x804         ; written every iteration

section .text
start:
    BENCH_INIT
    ; clear the histogram and the running sum (not WATCHED: RAM starts zeroed,
    ; and the watchpoint is set before this runs), fill the table
    mov edi, HIST
    mov ecx, 256
    xor eax, eax
    rep stosd
    mov dword [NEXT], 0
    mov eax, 0x2545F491
    xor ecx, ecx
.fill:
    LCG eax
    mov [TABLE + ecx * 4], eax
    inc ecx
    cmp ecx, 256
    jb .fill

    mov eax, 12345                   ; LCG state
    xor esi, esi                     ; mixer
    xor ebp, ebp                     ; round
.round:
    mov ecx, PER_ROUND
    test ecx, ecx
    jz .round_end
.loop:
    LCG eax
    mov ebx, eax
    shr ebx, 24
    inc dword [HIST + ebx * 4]       ; read-modify-write on the watched page
    mov edx, ecx
    and edx, 255
    add esi, [TABLE + edx * 4]       ; read from the watched page
    xor esi, eax
    add [NEXT], esi                  ; the dword next to WATCHED
    dec ecx
    jnz .loop
.round_end:
    inc ebp
    mov [WATCHED], ebp               ; the rare write: 1, 2, ... ROUNDS
    cmp ebp, ROUNDS
    jb .round

    ; checksum: the histogram weighted by bucket, the sums, the watched value
    xor ebx, ebx
    xor edx, edx
.sum:
    mov edi, [HIST + ebx * 4]
    inc ebx
    imul edi, ebx
    add edx, edi
    rol edx, 3
    cmp ebx, 256
    jb .sum
    puts "watch-loop:"
    KV "hist", edx
    KV "mix", esi
    KV "next", [NEXT]
    KV "watched", [WATCHED]
    puts 10
    xor edx, esi
    add edx, [NEXT]
    xor edx, [WATCHED]
    BENCH_RESULT "watch-loop", edx
    EXIT
section .rodata_strs
