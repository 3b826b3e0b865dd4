; SYSENTER / SYSEXIT with the harness GDT laid out as they expect
; (SYSENTER_CS = 0x08: SS 0x10, user CS 0x1B, user SS 0x23).
%include "pm.inc"
section .text
start:
    PM_INIT
    xor edx, edx
    mov ecx, 0x174
    mov eax, SEL_CODE0
    wrmsr
    mov ecx, 0x175
    mov eax, 0x5F000
    wrmsr
    mov ecx, 0x176
    mov eax, kernel_entry
    wrmsr
    ENTER_RING3
    mov ecx, esp
    mov edx, back_in_user
    sysenter
back_in_user:
    mov eax, cs
    CHECK_EQ eax, SEL_CODE3, "sysexit: CS 0x1B"
    mov eax, ss
    CHECK_EQ eax, SEL_DATA3, "sysexit: SS 0x23"
    mov eax, [k_cs]
    CHECK_EQ eax, SEL_CODE0, "sysenter: CS from SYSENTER_CS"
    mov eax, [k_ss]
    CHECK_EQ eax, SEL_DATA0, "sysenter: SS = CS + 8"
    mov eax, [k_esp]
    CHECK_EQ eax, 0x5F000, "sysenter: ESP from SYSENTER_ESP"
    mov eax, [k_flags]
    and eax, 0x200
    CHECK_EQ eax, 0, "sysenter: IF cleared"
    FAULTS 13, 0, "sysexit at CPL 3 -> #GP(0)", sysexit
    LEAVE_RING3
    EXIT

kernel_entry:
    mov [k_esp], esp
    pushfd
    pop dword [k_flags]
    mov eax, cs
    mov [k_cs], eax
    mov eax, ss
    mov [k_ss], eax
    sysexit

k_esp: dd 0
k_flags: dd 0
k_cs: dd 0
k_ss: dd 0
section .rodata_strs
