; The double-fault table with a page fault: #PF alone, #PF whose delivery
; raises a contributory fault (-> #DF), contributory + contributory (-> #DF),
; benign + contributory (serial), and #DF delivered through a task gate.
%include "pm.inc"
PD equ 0x300000
section .text
start:
    PM_INIT
    ; paging: one 4 MiB identity page (PSE) for 0-4 MiB, nothing above
    mov edi, PD
    mov ecx, 1024
    xor eax, eax
    rep stosd
    mov dword [PD], 0x87                               ; P, RW, US, PS
    mov eax, cr4
    or eax, 0x10                                       ; PSE
    mov cr4, eax
    mov eax, PD
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax

    FAULTS 14, 0, "read of an unmapped page -> #PF(0)", mov eax, [0x400000]
    mov eax, [exc_cr2]
    CHECK_EQ eax, 0x400000, "#PF: CR2"
    FAULTS 14, 2, "write of an unmapped page -> #PF(2)", mov [0x400010], eax

    SET_GATE 14, 0, SEL_CODE0, 0x0E                    ; #PF gate not present
    ARM_FAULT .df1
    mov eax, [0x400000]
    mov dword [exc_resume], 0
.df1:
    RESTORE_GATE 14
    CHECK_FAULT 8, 0, "#PF whose gate is absent (-> #NP) -> #DF(0)"

    SET_GATE 11, 0, SEL_CODE0, 0x0E                    ; #NP gate not present
    mov ax, 0x40
    SET_DESC 0x40, 0, 0xFFFFF, 0x12, 0xC               ; not-present data
    ARM_FAULT .np
    mov ds, ax
    mov dword [exc_resume], 0
.np:
    RESTORE_GATE 11
    CHECK_FAULT 8, 0, "#NP whose gate is absent -> #DF(0)"

    SET_GATE 3, 0, SEL_CODE0, 0x6E                     ; #BP gate (DPL 3) not present
    FAULTS 11, 3*8+2, "int3 with its gate absent -> #NP, no #DF (software INT)", int3
    RESTORE_GATE 3
    SET_GATE 1, 0, SEL_CODE0, 0x0E                     ; #DB gate not present
    pushfd
    or dword [esp], 0x100
    ARM_FAULT .db
    popfd
    nop
.db:
    RESTORE_GATE 1
    QEMU_DIFFERS "single-step #DB with its gate absent: QEMU leaves EXT clear"
    CHECK_FAULT 11, 1*8+2+1, "single-step #DB with its gate absent -> #NP (benign: serial)"
    END_QEMU_DIFFERS

    ; #DF through a task gate, with its own stack
    SET_DESC 0x48, tss_df, 0x67, 0x89, 0x0
    mov dword [tss_df + 0x20], df_task
    mov dword [tss_df + 0x24], 2
    mov dword [tss_df + 0x38], 0x5F000
    mov eax, cr3
    mov [tss_df + 0x1c], eax
    mov [pm_tss + 0x1c], eax                           ; our CR3, reloaded on the way back
    mov dword [tss_df + 0x48], SEL_DATA0
    mov dword [tss_df + 0x4c], SEL_CODE0
    mov dword [tss_df + 0x50], SEL_DATA0
    mov dword [tss_df + 0x54], SEL_DATA0
    mov dword [tss_df + 0x58], SEL_DATA0
    mov dword [tss_df + 0x5c], SEL_DATA0
    SET_GATE 8, 0, 0x48, 0x85
    SET_GATE 14, 0, SEL_CODE0, 0x0E
    mov eax, [0x400000]                                ; #PF -> #NP -> #DF (task)
df_back:
    RESTORE_GATE 14
    RESTORE_GATE 8
    CHECK_EQ [df_err], 0, "#DF through a task gate: error code 0"
    mov eax, [df_eip]
    CHECK_EQ eax, df_back - 5, "#DF task: the faulting EIP saved in the old TSS"
    EXIT

df_task:
    pop eax
    mov [df_err], eax
    mov eax, [pm_tss + 0x20]
    mov [df_eip], eax
    mov dword [pm_tss + 0x20], df_back
    iretd
    jmp df_task

df_err: dd -1
df_eip: dd 0
align 16
tss_df: times 0x68 db 0
section .rodata_strs
