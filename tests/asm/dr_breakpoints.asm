; Debug registers: instruction breakpoints (#DB fault before the
; instruction), data write and read/write breakpoints (#DB trap after it,
; DR6.Bn), lengths and overlap.
; Same results under QEMU TCG.
%include "pm.inc"

%macro CHECK_BITS 4
    mov eax, %1
    and eax, %2
    CHECK_EQ eax, %3, %4
%endmacro

%macro SET_DR7 1
    mov eax, %1
    mov dr7, eax
%endmacro

%macro CLEAR_DR6 0
    xor eax, eax
    mov dr6, eax
%endmacro

section .text
start:
    PM_INIT
    ; ---- instruction breakpoint ----
    mov eax, bp_insn
    mov dr0, eax
    CLEAR_DR6
    SET_DR7 0x1                  ; L0, execute, 1 byte
    ARM_FAULT .ibp_rec
    jmp bp_insn
.ibp_rec:
    PM_CHECK_RECORD 1, NOERR, bp_insn, "code breakpoint: #DB fault at the instruction"
    mov eax, dr6
    CHECK_BITS eax, 0xF, 1, "code breakpoint: DR6.B0"
    SET_DR7 0
    mov eax, 1
    call bp_insn
    CHECK_EQ eax, 2, "disabled code breakpoint does not fire"

    ; ---- data breakpoints ----
    mov eax, var
    mov dr1, eax
    CLEAR_DR6
    SET_DR7 0x00D00004           ; L1, write, 4 bytes
    TRAPS 1, NOERR, "write breakpoint: #DB trap after the write", mov dword [var], 5
    CHECK_EQ dword [var], 5, "write breakpoint: the write happened"
    mov eax, dr6
    CHECK_BITS eax, 0xF, 2, "write breakpoint: DR6.B1"
    CLEAR_DR6
    NOFAULT "write breakpoint: a read does not fire", mov eax, [var]
    TRAPS 1, NOERR, "write breakpoint: a 1-byte write to its last byte fires", mov byte [var + 3], 1
    NOFAULT "write breakpoint: the next dword does not fire", mov dword [var + 4], 1
    TRAPS 1, NOERR, "write breakpoint: a word write overlapping its start fires", mov word [var - 1], 0
    SET_DR7 0x00F00004           ; L1, read/write, 4 bytes
    TRAPS 1, NOERR, "read/write breakpoint: a read fires", mov eax, [var]
    TRAPS 1, NOERR, "read/write breakpoint: a read-modify-write fires", add dword [var], 1
    mov eax, var + 2
    mov dr2, eax
    CLEAR_DR6
    SET_DR7 0x05000010           ; L2, write, 2 bytes at var+2
    NOFAULT "2-byte breakpoint: write below does not fire", mov word [var], 1
    TRAPS 1, NOERR, "2-byte breakpoint: write inside fires", mov byte [var + 3], 1
    mov eax, dr6
    CHECK_BITS eax, 0xF, 4, "2-byte breakpoint: DR6.B2"
    SET_DR7 0

    ; (general detect, DR7.GD, is not implemented by QEMU: unit test only)
    EXIT

bp_insn:
    inc eax
    ret
align 8
    dd 0
var: dd 0, 0
section .rodata_strs
