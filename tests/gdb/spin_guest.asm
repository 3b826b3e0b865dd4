; A long computation for tests/gdb/reverse_interrupt.sh: 250 million rounds
; of a four-instruction loop (a billion instructions), then its
; result on the debug console and exit (status 1).
%include "mb.inc"
%ifdef MAPFILE
[map symbols MAPFILE]
%endif
start:
    mov esp, 0x90000
    xor eax, eax
    mov ecx, 250000000
spin:
    add eax, ecx
    rol eax, 3
    dec ecx
    jnz spin
spin_end:
    mov [result], eax
    puts "spun"
    EXIT
result: dd 0
