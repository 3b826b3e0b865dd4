; Interrupt and exception delivery through the IDT: gate types and checks,
; error codes with the EXT/IDT bits, the stack switch from ring 3, serial
; delivery and double fault, INTO/INT1, and single-step (TF) traps.
%include "pm.inc"
section .text
start:
    PM_INIT
    SET_GATE 0x40, probe, SEL_CODE0, 0xEF          ; trap gate, DPL 3
    SET_GATE 0x43, probe, SEL_CODE0, 0xEE          ; interrupt gate, DPL 3

    ; ---- trap gate keeps IF, interrupt gate clears it ----
    sti
    int 0x40
    cli
    mov eax, [probe_flags]
    and eax, 0x200
    CHECK_EQ eax, 0x200, "trap gate keeps IF"
    sti
    int 0x43
after_same:
    cli
    mov eax, [probe_flags]
    and eax, 0x200
    CHECK_EQ eax, 0, "interrupt gate clears IF"
    mov eax, [probe_frame + 4]
    CHECK_EQ eax, SEL_CODE0, "same-level frame: CS"
    mov eax, [probe_frame]
    CHECK_EQ eax, after_same, "same-level frame: EIP after INT"

    ; ---- gate checks ----
    SET_GATE 0x41, probe, SEL_CODE0, 0x6E          ; not present
    FAULTS 11, 0x41*8+2, "gate not present -> #NP(vec*8+2)", int 0x41
    SET_GATE 0x42, probe, SEL_CODE0, 0x8C          ; a call gate type in the IDT
    FAULTS 13, 0x42*8+2, "call-gate type in IDT -> #GP(vec*8+2)", int 0x42
    SET_GATE 0x44, probe, 0, 0x8E
    FAULTS 13, 0, "gate with null selector -> #GP(0)", int 0x44
    SET_DESC 0x40, 0, 0xFFFFF, 0x1A, 0xC          ; code, not present
    SET_GATE 0x45, probe, 0x40, 0x8E
    FAULTS 11, 0x40, "gate to not-present code -> #NP(sel)", int 0x45
    SET_GATE 0x46, probe, SEL_DATA0, 0x8E
    FAULTS 13, SEL_DATA0, "gate to a data segment -> #GP(sel)", int 0x46
    lidt [small_idtr]
    FAULTS 13, 0x47*8+2, "vector beyond IDT limit -> #GP(vec*8+2)", int 0x47
    lidt [pm_idtr]

    ; ---- ring 3 -> ring 0 stack switch ----
    mov ebp, esp
    ENTER_RING3
    mov esi, esp
    int 0x40
    LEAVE_RING3
    mov eax, [probe_frame + 4]
    CHECK_EQ eax, SEL_CODE3, "ring 3 frame: CS"
    mov eax, [probe_frame + 12]
    CHECK_EQ eax, esi, "ring 3 frame: ESP"
    mov eax, [probe_frame + 16]
    CHECK_EQ eax, SEL_DATA3, "ring 3 frame: SS"
    mov eax, [probe_esp]
    lea ebx, [ebp - 20]
    CHECK_EQ eax, ebx, "ring 3: handler stack is ESP0 - 20"
    ENTER_RING3
    mov esi, esp
    FAULTS 11, 0x41*8+2, "ring 3: INT to not-present gate -> #NP", int 0x41
    mov ecx, esp
    CHECK_EQ ecx, esi, "ring 3: failed INT leaves ESP"
    LEAVE_RING3

    ; ---- serial delivery and double fault ----
    SET_GATE 6, probe, SEL_CODE0, 0x0E             ; #UD gate not present
    QEMU_DIFFERS "#UD with its gate absent: QEMU leaves EXT clear for exceptions"
    FAULTS 11, 6*8+2+1, "#UD with its gate absent -> #NP(vec*8+2+EXT)", ud2
    END_QEMU_DIFFERS
    RESTORE_GATE 6
    SET_GATE 13, probe, SEL_CODE0, 0x0E            ; #GP gate not present
    mov eax, 0x1234
    ARM_FAULT .df
    mov es, ax
    mov dword [exc_resume], 0
.df:
    RESTORE_GATE 13
    CHECK_FAULT 8, 0, "#GP with its gate absent -> #NP -> #DF(0)"

    ; ---- INTO, INT1 ----
    mov al, 0x7F
    add al, 1                                      ; OF = 1
    TRAPS 4, NOERR, "into with OF=1 -> #OF after the instruction", into
    xor eax, eax
    NOFAULT "into with OF=0", into
    ENTER_RING3
    QEMU_DIFFERS "ring 3: int1: QEMU raises #UD for ICEBP"
    TRAPS 1, NOERR, "ring 3: int1 ignores the gate DPL", int1
    END_QEMU_DIFFERS
    LEAVE_RING3

    ; ---- single step ----
    pushfd
    pop eax
    mov ebx, eax
    or eax, 0x100
    and ebx, ~0x100
    push eax
    ARM_FAULT .ss1
    popfd                                          ; sets TF: no trap after it
    nop                                            ; traps after this one
.ss1_after:
    nop
.ss1:
    PM_CHECK_RECORD 1, NOERR, .ss1_after, "TF: trap after the first instruction"
    mov eax, dr6
    and eax, 0x4000
    CHECK_EQ eax, 0x4000, "TF: DR6.BS"
    push ebx
    push eax
    or dword [esp], 0x100
    ARM_FAULT .ss2
    popfd                                          ; sets TF
    popfd                                          ; clears TF: still traps after it
.ss2_after:
    nop
.ss2:
    PM_CHECK_RECORD 1, NOERR, .ss2_after, "TF: POPF clearing TF traps after itself"
    pushfd
    or dword [esp], 0x100
    ARM_FAULT .ss3
    popfd
    int 0x43                                       ; no trap after INT; IRET restores TF
    nop                                            ; traps after this one
.ss3_after:
    nop
.ss3:
    PM_CHECK_RECORD 1, NOERR, .ss3_after, "TF: INT clears TF, handler not traced"
    mov eax, [probe_flags]
    and eax, 0x100
    CHECK_EQ eax, 0, "TF: clear in the handler"
    EXIT

; records the frame (6 dwords), the handler's EFLAGS and ESP, then returns
probe:
    push eax
    pushfd
    pop eax
    mov [ss:probe_flags], eax
    lea eax, [esp + 4]
    mov [ss:probe_esp], eax
    mov eax, [esp + 4]
    mov [ss:probe_frame], eax
    mov eax, [esp + 8]
    mov [ss:probe_frame + 4], eax
    mov eax, [esp + 12]
    mov [ss:probe_frame + 8], eax
    mov eax, [esp + 16]
    mov [ss:probe_frame + 12], eax
    mov eax, [esp + 20]
    mov [ss:probe_frame + 16], eax
    pop eax
    iretd

probe_flags: dd 0
probe_esp: dd 0
probe_frame: times 6 dd 0
small_idtr:
    dw 0x47 * 8 - 1
    dd pm_idt
section .rodata_strs
