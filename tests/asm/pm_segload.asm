; Protected-mode segment loads: null selectors, types, privilege, present,
; limits (byte/page granular, expand-down 16/32), accessed bit, LDT, precise
; faults of POP/LxS. Expected values are the architecture's (checked on QEMU).
%include "pm.inc"
section .text
start:
    PM_INIT
    SET_DESC 0x40, 0x200000, 0xFFF, 0x92, 0x4     ; data RW, limit 0xFFF, byte granular
    SET_DESC 0x48, 0, 0xFFFFF, 0x90, 0xC          ; data read-only, flat
    SET_DESC 0x50, 0, 0xFFFFF, 0x98, 0xC          ; code execute-only
    SET_DESC 0x58, 0, 0xFFFFF, 0x9A, 0xC          ; code readable
    SET_DESC 0x60, 0, 0xFFFFF, 0x12, 0xC          ; data, not present
    SET_DESC 0x68, 0x200000, 0xFFF, 0x96, 0x4     ; expand-down, B=1
    SET_DESC 0x70, 0x200000, 0xFFF, 0x96, 0x0     ; expand-down, B=0
    SET_DESC 0x78, 0, 0xFFFFF, 0x9E, 0xC          ; conforming readable code, DPL 0
    SET_DESC 0x80, 0x200000, 0xFF, 0xF2, 0x4      ; DPL 3 data, limit 0xFF (a small ring-3 stack)
    SET_DESC 0x88, 0x200000, 0x1, 0x92, 0xC       ; page granular: limit 0x1FFF
    SET_DESC 0x90, ldt_table, 0xF, 0x82, 0x0      ; LDT with two entries
    SET_DESC 0x98, 0, 0xFFFFF, 0x92, 0xC          ; data DPL 0 (used with RPL 3)

    ; ---- null selectors ----
    xor eax, eax
    NOFAULT "mov es, null selector", mov es, ax
    LIMIT_FAULTS 13, 0, "read through null ES -> #GP(0)", mov eax, [es:0x1000]
    xor eax, eax
    FAULTS 13, 0, "mov ss, null -> #GP(0)", mov ss, ax
    mov eax, 0x13
    FAULTS 13, 0x10, "mov ss, RPL 3 at CPL 0 -> #GP(sel)", mov ss, ax
    mov eax, 0x48
    FAULTS 13, 0x48, "mov ss, read-only data -> #GP(sel)", mov ss, ax
    mov eax, 0x58
    FAULTS 13, 0x58, "mov ss, code -> #GP(sel)", mov ss, ax
    mov eax, 0x60
    FAULTS 12, 0x60, "mov ss, not present -> #SS(sel)", mov ss, ax
    mov ax, ss
    CHECK_EQ eax, SEL_DATA0, "SS unchanged after failed loads"

    ; ---- types and privilege for data segment registers ----
    mov eax, 0x50
    FAULTS 13, 0x50, "mov es, execute-only code -> #GP(sel)", mov es, ax
    mov eax, 0x58
    NOFAULT "mov es, readable code", mov es, ax
    NOFAULT "read through readable code segment", mov eax, [es:start]
    LIMIT_FAULTS 13, 0, "write through code segment -> #GP(0)", mov [es:0x200000], eax
    LIMIT_FAULTS 13, 0, "write through CS override -> #GP(0)", mov [cs:0x200000], eax
    mov eax, 0x9B
    FAULTS 13, 0x98, "mov es, RPL 3 > DPL 0 -> #GP(sel)", mov es, ax
    mov eax, 0x60
    FAULTS 11, 0x60, "mov fs, not present -> #NP(sel)", mov fs, ax
    mov eax, 0x28
    FAULTS 13, 0x28, "mov gs, TSS descriptor -> #GP(sel)", mov gs, ax
    FAULTS 6, NOERR, "mov cs, ax -> #UD", db 0x8e, 0xc8
    FAULTS 6, NOERR, "mov sreg 6 -> #UD", db 0x8e, 0xf0

    ; ---- limits ----
    mov eax, 0x40
    mov es, ax
    NOFAULT "byte at the limit", mov al, [es:0xFFF]
    NOFAULT "dword ending at the limit", mov eax, [es:0xFFC]
    LIMIT_FAULTS 13, 0, "dword crossing the limit -> #GP(0)", mov eax, [es:0xFFD]
    mov al, [pm_gdt + 0x40 + 5]
    and eax, 0xFF
    CHECK_EQ eax, 0x93, "accessed bit set by the load"
    mov eax, 0x48
    mov es, ax
    LIMIT_FAULTS 13, 0, "write to read-only data -> #GP(0)", mov [es:0x200000], al
    mov eax, 0x68
    mov es, ax
    NOFAULT "expand-down B=1: offset limit+1", mov eax, [es:0x1000]
    NOFAULT "expand-down B=1: top dword", mov eax, [es:0xFFFFFFFC]
    LIMIT_FAULTS 13, 0, "expand-down B=1: offset at limit -> #GP(0)", mov al, [es:0xFFF]
    mov eax, 0x70
    mov es, ax
    NOFAULT "expand-down B=0: dword at 0xFFFC", mov eax, [es:0xFFFC]
    LIMIT_FAULTS 13, 0, "expand-down B=0: dword past 0xFFFF -> #GP(0)", mov eax, [es:0xFFFD]
    mov eax, 0x88
    mov es, ax
    NOFAULT "page granular: dword at 0x1FFC", mov eax, [es:0x1FFC]
    LIMIT_FAULTS 13, 0, "page granular: dword at 0x1FFD -> #GP(0)", mov eax, [es:0x1FFD]

    ; ---- LDT ----
    mov eax, 0x48
    FAULTS 13, 0x48, "lldt with a data descriptor -> #GP(sel)", lldt ax
    mov eax, 0x90
    lldt ax
    sldt ebx
    CHECK_EQ ebx, 0x90, "sldt"
    mov eax, 0x04
    NOFAULT "mov es, LDT entry 0", mov es, ax
    mov eax, [es:0x200000]
    mov eax, 0x0C
    NOFAULT "mov es, LDT entry 1", mov es, ax
    mov eax, 0x14
    FAULTS 13, 0x14, "LDT selector beyond the LDT limit -> #GP(sel)", mov es, ax

    ; ---- moves and precise faults ----
    mov eax, -1
    mov eax, ds
    CHECK_EQ eax, SEL_DATA0, "mov r32, ds zero-extends"
    mov ebx, esp
    push ds
    mov ecx, ebx
    sub ecx, esp
    pop ds
    CHECK_EQ ecx, 4, "push ds (32-bit) moves ESP by 4"
    mov ebx, esp
    push dword 0x50
    FAULTS 13, 0x50, "pop ds with a bad selector -> #GP(sel)", pop ds
    mov ecx, esp
    add esp, 4
    add ecx, 4
    CHECK_EQ ecx, ebx, "failed pop ds leaves ESP"
    mov eax, 0x12345678
    FAULTS 13, 0x50, "lfs with a bad selector -> #GP(sel)", lfs eax, [far_bad]
    CHECK_EQ eax, 0x12345678, "failed lfs leaves the register"
    NOFAULT "lfs", lfs eax, [far_good]
    CHECK_EQ eax, 0xCAFE, "lfs offset"
    mov ax, fs
    CHECK_EQ eax, 0x40, "lfs selector"

    ; ---- ring 3 ----
    mov ax, SEL_DATA0
    mov es, ax
    mov fs, ax
    ENTER_RING3
    mov eax, SEL_DATA0
    FAULTS 13, 0x10, "ring 3: mov es, DPL 0 data -> #GP(sel)", mov es, ax
    mov eax, 0x78
    NOFAULT "ring 3: mov es, conforming code DPL 0", mov es, ax
    mov eax, SEL_DATA3
    mov es, ax
    cmp dword [pm_is_qemu], 0
    je .ss_run
    puts "SKIP ring 3: push beyond SS limit: QEMU TCG does not check segment limits/types on data accesses", 10
    jmp .ss_done
.ss_run:
    mov eax, 0x83
    mov edi, esp
    mov ss, ax
    mov esp, 0x80
    push eax
    ARM_FAULT .ssrec
    mov esp, 0x200
.sspush:
    push eax
    mov dword [exc_resume], 0
.ssrec:
    mov eax, SEL_DATA3
    mov ss, ax
    mov esp, edi
    CHECK_FAULT 12, 0, "ring 3: push beyond SS limit -> #SS(0)"
    mov eax, [exc_eip]
    CHECK_EQ eax, .sspush, "ring 3: #SS at the push"
.ss_done:
    LEAVE_RING3
    EXIT

align 8
ldt_table:
    dq 0x00CF92000000FFFF
    dq 0x00CF92000000FFFF
far_bad:
    dd 0xCAFE
    dw 0x50
far_good:
    dd 0xCAFE
    dw 0x40
section .rodata_strs
