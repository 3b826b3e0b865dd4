; The protected-mode harness itself: PM_INIT, fault recording, ring 3 round trip.
%include "pm.inc"
section .text
start:
    PM_INIT
    str eax
    CHECK_EQ eax, SEL_TSS, "TR loaded"
    FAULTS 6, NOERR, "ud2 -> #UD", ud2
    mov ax, 0x48
    FAULTS 13, 0x48, "mov ds, zero descriptor -> #GP(sel)", mov ds, ax
    SET_DESC 0x48, 0, 0xFFFFF, 0x12, 0xC        ; data, not present
    mov ax, 0x48
    FAULTS 11, 0x48, "mov ds, not present -> #NP(sel)", mov ds, ax
    mov ax, 0x100
    FAULTS 13, 0x100, "mov es, beyond GDT limit -> #GP(sel)", mov es, ax
    xor edx, edx
    xor ecx, ecx
    mov eax, 1
    FAULTS 0, NOERR, "div by zero -> #DE", div ecx
    mov ax, ds
    CHECK_EQ eax, SEL_DATA0, "DS unchanged after faults"

    mov ebx, esp
    ENTER_RING3
    mov ax, cs
    CHECK_EQ eax, SEL_CODE3, "ring 3: CS"
    FAULTS 13, 0, "ring 3: cli -> #GP(0)", cli
    FAULTS 13, 0, "ring 3: hlt -> #GP(0)", hlt
    FAULTS 13, 0, "ring 3: out 0x80 (bitmap denies) -> #GP(0)", out 0x80, al
    TRAPS 3, NOERR, "ring 3: int3 -> #BP, EIP after", int3
    mov eax, [exc_cs]
    CHECK_EQ eax, SEL_CODE3, "ring 3: #BP recorded CS 0x1B"
    FAULTS 13, 0x102, "ring 3: int 0x20 (gate DPL 0) -> #GP(vec*8+2)", int 0x20
    LEAVE_RING3
    mov ax, cs
    CHECK_EQ eax, SEL_CODE0, "back in ring 0: CS"
    mov ecx, esp
    CHECK_EQ ecx, ebx, "back in ring 0: ESP as before"
    EXIT
section .rodata_strs
