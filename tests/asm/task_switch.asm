; Hardware task switches: CALL/JMP to a TSS, a task gate in the IDT, IRET
; with NT, busy bits and back links, CR0.TS, a 16-bit TSS, an exception
; through a task gate with its error code, and the TSS checks.
%include "pm.inc"
section .text
start:
    PM_INIT
    SET_DESC 0x40, tss2, 0x67, 0x89, 0x0                ; 32-bit TSS, available
    SET_DESC 0x48, tss_short, 0x50, 0x89, 0x0           ; limit below 0x67
    SET_DESC 0x58, tss_gp, 0x67, 0x89, 0x0              ; #GP handler task
    SET_DESC 0x60, tss16, 0x2B, 0x81, 0x0               ; 16-bit TSS
    SET_GATE 0x50, 0, 0x40, 0x85                        ; task gate to tss2
    mov eax, task2
    mov ebx, 0x60000
    mov edi, tss2
    call init_tss
    mov eax, gp_task
    mov ebx, 0x5F000
    mov edi, tss_gp
    call init_tss
    ; 16-bit TSS
    mov word [tss16 + 0x0e], task16 & 0xFFFF            ; only reachable if the code is low
    mov word [tss16 + 0x10], 2
    mov word [tss16 + 0x1a], 0xE000                     ; SP
    mov word [tss16 + 0x22], SEL_DATA0
    mov word [tss16 + 0x24], SEL_CODE0
    mov word [tss16 + 0x26], SEL_DATA0
    mov word [tss16 + 0x28], SEL_DATA0

    ; ---- CALL to a TSS, IRET back ----
    mov dword [t2_mode], 1
    mov ebx, 0x5A5A5A5A
    call 0x40:0
    CHECK_EQ ebx, 0x5A5A5A5A, "call task: registers of the caller restored"
    mov eax, [t2_flags]
    and eax, 0x4000
    CHECK_EQ eax, 0x4000, "call task: NT set in the new task"
    mov eax, [t2_link]
    CHECK_EQ eax, SEL_TSS, "call task: back link"
    mov eax, [t2_tr]
    CHECK_EQ eax, 0x40, "call task: TR"
    movzx eax, byte [pm_gdt + 0x40 + 5]
    CHECK_EQ eax, 0x89, "iret from task: its TSS is available again"
    movzx eax, byte [pm_gdt + SEL_TSS + 5]
    CHECK_EQ eax, 0x8B, "after iret: our TSS busy"
    mov eax, cr0
    and eax, 8
    CHECK_EQ eax, 8, "task switch sets CR0.TS"
    clts
    pushfd
    pop eax
    and eax, 0x4000
    CHECK_EQ eax, 0, "after iret: NT clear"

    ; ---- JMP to a TSS and back ----
    mov dword [t2_mode], 2
    jmp 0x40:0
    mov eax, [t2_flags]
    and eax, 0x4000
    CHECK_EQ eax, 0, "jmp task: NT clear"
    mov eax, [t2_oldbusy]
    CHECK_EQ eax, 0x89, "jmp task: old TSS no longer busy"
    str eax
    CHECK_EQ eax, SEL_TSS, "jmp back: TR"

    ; ---- task gate in the IDT ----
    mov dword [t2_mode], 1
    mov dword [t2_link], 0
    int 0x50
    mov eax, [t2_link]
    CHECK_EQ eax, SEL_TSS, "INT through a task gate: back link"

    ; ---- checks ----
    FAULTS 13, SEL_TSS, "call to the busy current TSS -> #GP(sel)", call SEL_TSS:0
    FAULTS 10, 0x48, "TSS limit below 0x67 -> #TS(sel)", call 0x48:0

    ; ---- exception through a task gate ----
    SET_GATE 13, 0, 0x58, 0x85
    mov eax, 0x1234
    mov es, ax                                          ; #GP(0x1234: LDT, null LDTR) -> gp_task
gp_resume:
    RESTORE_GATE 13
    mov eax, [gp_err]
    CHECK_EQ eax, 0x1234, "#GP through a task gate: error code on the new stack"
    mov eax, [gp_eip]
    CHECK_EQ eax, gp_resume - 2, "#GP through a task gate: faulting EIP saved"

    ; ---- 16-bit TSS (needs its code below 64 KiB: copy it) ----
    mov esi, task16_code
    mov edi, 0x7000
    mov ecx, task16_end - task16_code
    rep movsb
    mov word [tss16 + 0x0e], 0x7000
    mov dword [0x7100], 0
    call 0x60:0
    mov eax, [0x7100]
    CHECK_EQ eax, 0x1616, "16-bit task ran and returned"

    ; ---- a task in v86 mode (EFLAGS.VM in its TSS), back through a task gate ----
    mov byte [0x9000], 0xB8                             ; mov ax, 0x4242
    mov word [0x9001], 0x4242
    mov word [0x9003], 0x61CD                           ; int 0x61
    mov byte [0x9005], 0xF4                             ; hlt
    SET_DESC 0x68, tss_v86, 0x67, 0x89, 0x0
    mov dword [tss_v86 + 0x20], 0                       ; IP
    mov dword [tss_v86 + 0x24], 0x23002                 ; VM, IOPL 3
    mov dword [tss_v86 + 0x38], 0xFFF0                  ; SP
%assign k 0x48
%rep 6
    mov dword [tss_v86 + k], 0x900
%assign k k + 4
%endrep
    mov dword [tss_v86 + 4], 0x5E000                    ; ESP0/SS0 for the way out
    mov dword [tss_v86 + 8], SEL_DATA0
    mov word [tss_v86 + 0x66], 0x68
    SET_GATE 0x61, 0, SEL_TSS, 0xE5                     ; DPL 3 task gate back to us
    jmp 0x68:0
    ; back here through INT 0x61 in the v86 task
    pushfd
    mov eax, [esp]
    and dword [esp], ~0x4000                            ; clear NT (we were "called")
    popfd
    and eax, 0x4000
    CHECK_EQ eax, 0x4000, "v86 task: INT through a task gate nests (NT)"
    movzx eax, word [pm_tss]
    CHECK_EQ eax, 0x68, "v86 task: back link"
    mov eax, [tss_v86 + 0x28]
    and eax, 0xFFFF
    CHECK_EQ eax, 0x4242, "v86 task: ran its code (saved AX)"
    mov eax, [tss_v86 + 0x24]
    and eax, 0x20000
    CHECK_EQ eax, 0x20000, "v86 task: saved EFLAGS has VM"
    mov eax, [tss_v86 + 0x20]
    CHECK_EQ eax, 5, "v86 task: saved IP after the INT"
    EXIT

; EAX = entry, EBX = stack top, EDI = TSS
init_tss:
    mov [edi + 0x20], eax
    mov [edi + 0x38], ebx
    mov dword [edi + 0x24], 2
    mov eax, cr3
    mov [edi + 0x1c], eax
    mov dword [edi + 0x48], SEL_DATA0
    mov dword [edi + 0x4c], SEL_CODE0
    mov dword [edi + 0x50], SEL_DATA0
    mov dword [edi + 0x54], SEL_DATA0
    mov dword [edi + 0x58], SEL_DATA0
    mov dword [edi + 0x5c], SEL_DATA0
    mov word [edi + 0x66], 0x68
    ret

task2:
    pushfd
    pop eax
    mov [t2_flags], eax
    movzx eax, word [tss2]
    mov [t2_link], eax
    str eax
    mov [t2_tr], eax
    movzx eax, byte [pm_gdt + SEL_TSS + 5]
    mov [t2_oldbusy], eax
    mov ebx, 0x12345678
    cmp dword [t2_mode], 2
    je .jmp
    iretd
    jmp task2
.jmp:
    jmp SEL_TSS:0
    jmp task2

gp_task:
    pop eax                                             ; error code
    mov [gp_err], eax
    mov eax, [pm_tss + 0x20]                            ; the faulting task's EIP
    mov [gp_eip], eax
    mov dword [pm_tss + 0x20], gp_resume
    iretd
    jmp gp_task

bits 32
task16_code:
    mov dword [0x7100], 0x1616
    iretd
task16_end:
task16 equ 0

t2_mode: dd 0
t2_flags: dd 0
t2_link: dd 0
t2_tr: dd 0
t2_oldbusy: dd 0
gp_err: dd 0
gp_eip: dd 0
align 16
tss2: times 0x68 db 0
tss_gp: times 0x68 db 0
tss_short: times 0x68 db 0
tss16: times 0x2C db 0
align 16
tss_v86: times 0x68 db 0
section .rodata_strs
