; The smallest guest: multiboot entry state, a few instructions, PASS lines, exit.
%include "mb.inc"
section .text
start:
    CHECK_EQ eax, 0x2BADB002, "multiboot magic in EAX"
    mov ecx, 10
    xor eax, eax
.loop:
    add eax, ecx
    loop .loop
    CHECK_EQ eax, 55, "loop sum 1..10"
    EXIT
section .rodata_strs
