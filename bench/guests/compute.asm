; Benchmark 1: integer compute. No I/O inside the timed work, paging off.
; Each of REPS rounds:
;   - fill a 64 KiB buffer from a 32-bit LCG (dword stores)
;   - CRC-32 (reflected, poly 0xEDB88320) of the buffer, byte at a time by table
;   - sieve of Eratosthenes over SIEVE_N bytes, count primes
;   - Shell sort of SORT_N LCG dwords, then a weighted sum (imul) and a
;     sortedness check
;   - a mul/div chain: MUL, DIV, IMUL, IDIV, shifts and rotates
; Prints one line with the partial results and the combined checksum.
; bench-expect: BENCH compute checksum 0d000280
%include "mb.inc"
%include "bench/lib/bench.inc"

%ifndef REPS
%define REPS 160
%endif
SIEVE_N   equ 1 << 20
SORT_N    equ 16384
MULDIV_N  equ 200000

CRC_TAB   equ 0x200000              ; 256 dwords
BUF       equ 0x210000              ; 64 KiB
BUF_LEN   equ 0x10000
SORTA     equ 0x240000              ; SORT_N dwords
SIEVE     equ 0x300000              ; SIEVE_N bytes

section .text
start:
    BENCH_INIT
    call crc_table

    xor ebp, ebp                     ; combined checksum
    mov dword [round], 0
.round:
    ; --- LCG fill
    mov eax, [round]
    imul eax, eax, 0x9E3779B9
    add eax, 12345
    mov edi, BUF
    mov ecx, BUF_LEN / 4
.fill:
    LCG eax
    mov [edi], eax
    add edi, 4
    dec ecx
    jnz .fill

    ; --- CRC-32 over the buffer
    mov esi, BUF
    mov ecx, BUF_LEN
    mov eax, 0xFFFFFFFF
.crc:
    movzx ebx, byte [esi]
    xor bl, al
    shr eax, 8
    xor eax, [CRC_TAB + ebx * 4]
    inc esi
    dec ecx
    jnz .crc
    not eax
    mov [r_crc], eax
    rol ebp, 5
    xor ebp, eax

    ; --- sieve
    call sieve
    mov [r_primes], eax
    rol ebp, 5
    add ebp, eax

    ; --- sort
    call sort_bench
    mov [r_sort], eax
    rol ebp, 5
    xor ebp, eax

    ; --- mul/div chain
    call muldiv
    mov [r_muldiv], eax
    rol ebp, 5
    add ebp, eax

    inc dword [round]
    cmp dword [round], REPS
    jb .round

    puts "compute:"
    KV "crc", [r_crc]
    KV "primes", [r_primes]
    KV "sort", [r_sort]
    KV "muldiv", [r_muldiv]
    KV "unsorted", [r_unsorted]
    puts 10
    BENCH_RESULT "compute", ebp
    EXIT

; CRC-32 table
crc_table:
    xor ecx, ecx
.n:
    mov eax, ecx
    mov edx, 8
.bit:
    shr eax, 1
    jnc .nox
    xor eax, 0xEDB88320
.nox:
    dec edx
    jnz .bit
    mov [CRC_TAB + ecx * 4], eax
    inc ecx
    cmp ecx, 256
    jb .n
    ret

; sieve over SIEVE_N bytes; returns the number of primes < SIEVE_N in EAX
sieve:
    mov edi, SIEVE
    mov ecx, SIEVE_N / 4
    mov eax, 0x01010101
    rep stosd
    mov byte [SIEVE], 0
    mov byte [SIEVE + 1], 0
    mov ebx, 2
.outer:
    mov eax, ebx
    mul eax                          ; eax = i*i
    cmp eax, SIEVE_N
    jae .count
    cmp byte [SIEVE + ebx], 0
    je .next
.mark:
    mov byte [SIEVE + eax], 0
    add eax, ebx
    cmp eax, SIEVE_N
    jb .mark
.next:
    inc ebx
    jmp .outer
.count:
    xor eax, eax
    xor ecx, ecx
.c:
    movzx edx, byte [SIEVE + ecx]
    add eax, edx
    inc ecx
    cmp ecx, SIEVE_N
    jb .c
    ret

; fill SORTA with LCG values, Shell sort (Ciura gaps), checksum
sort_bench:
    mov eax, [round]
    add eax, 0xC0FFEE
    xor ecx, ecx
.f:
    LCG eax
    mov [SORTA + ecx * 4], eax
    inc ecx
    cmp ecx, SORT_N
    jb .f

    mov dword [gap_i], 0
.gap:
    mov esi, [gap_i]
    mov edx, [gaps + esi * 4]        ; gap
    test edx, edx
    jz .sorted
    mov ecx, edx                     ; i = gap
.i:
    cmp ecx, SORT_N
    jae .nextgap
    mov eax, [SORTA + ecx * 4]       ; tmp
    mov edi, ecx                     ; j
.j:
    cmp edi, edx
    jb .place
    mov ebx, edi
    sub ebx, edx
    mov esi, [SORTA + ebx * 4]
    cmp esi, eax
    jbe .place
    mov [SORTA + edi * 4], esi
    mov edi, ebx
    jmp .j
.place:
    mov [SORTA + edi * 4], eax
    inc ecx
    jmp .i
.nextgap:
    inc dword [gap_i]
    jmp .gap
.sorted:
    ; weighted sum and sortedness
    xor eax, eax
    xor ecx, ecx
    xor edi, edi                     ; inversions
.s:
    mov ebx, [SORTA + ecx * 4]
    mov edx, ebx
    imul edx, ecx
    add eax, edx
    xor eax, ebx
    rol eax, 1
    test ecx, ecx
    jz .s1
    cmp [SORTA + ecx * 4 - 4], ebx
    jbe .s1
    inc edi
.s1:
    inc ecx
    cmp ecx, SORT_N
    jb .s
    add [r_unsorted], edi
    ret

; mul/div chain; returns EAX
muldiv:
    mov esi, [round]
    add esi, 0x12345678              ; acc
    mov ecx, 1
.m:
    mov eax, esi
    mul ecx                          ; edx:eax = acc * i
    add eax, 0x9E3779B9
    adc edx, 0
    mov ebx, ecx
    or ebx, 0x10000                  ; divisor > edx? make sure no #DE:
    cmp edx, ebx
    jb .d
    xor edx, edx
.d:
    div ebx                          ; eax = q, edx = r
    lea esi, [esi + eax]
    xor esi, edx
    ; signed part
    mov eax, esi
    cdq
    mov ebx, ecx
    or ebx, 7
    neg ebx                          ; divisor <= -7: no overflow
    idiv ebx
    imul eax, eax, -7
    add esi, eax
    sub esi, edx
    mov edx, ecx
    and edx, 31
    xchg ecx, edx
    rol esi, cl
    shr eax, cl
    xchg ecx, edx
    xor esi, eax
    inc ecx
    cmp ecx, MULDIV_N
    jbe .m
    mov eax, esi
    ret

section .data align=4096            ; mutable data: its own page, not the code's
gaps:   dd 1750, 701, 301, 132, 57, 23, 10, 4, 1, 0
round:      dd 0
gap_i:      dd 0
r_crc:      dd 0
r_primes:   dd 0
r_sort:     dd 0
r_muldiv:   dd 0
r_unsorted: dd 0

section .rodata_strs
