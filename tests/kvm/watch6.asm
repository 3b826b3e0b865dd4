; The guest of tests/gdb/kvm_watch.sh: protected mode without paging (so
; that it runs under KVM on any host), six dwords written in turn, twice:
; round r writes var_i = r * 0x100 + i. Then a marker label the debugger
; breaks at once the watchpoints are gone, and exit.
%ifdef MAPFILE
[map symbols MAPFILE]
%endif
%include "mb.inc"
section .text
start:
    mov ebx, 0x100                   ; round 1
ready:
.round:
    mov eax, ebx
    mov [var0], eax
    inc eax
    mov [var1], eax
    inc eax
    mov [var2], eax
    inc eax
    mov [var3], eax
    inc eax
    mov [var4], eax
    inc eax
    mov [var5], eax
    add ebx, 0x100
    cmp ebx, 0x300
    jb .round
    ; some work in protected mode before the marker: the guest is back in KVM by then
    mov ecx, 3000
.spin:
    dec ecx
    jnz .spin
after_watch:
    mov eax, [var5]
    CHECK_EQ eax, 0x205, "last value written"
    EXIT

align 4
var0: dd 0
var1: dd 0
var2: dd 0
var3: dd 0
var4: dd 0
var5: dd 0
section .rodata_strs
