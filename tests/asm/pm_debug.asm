; Debug exceptions meeting the protection model: an instruction breakpoint
; (DR0) is a fault, the handler returns with RF set so the instruction runs
; once, and RF is gone afterwards so the breakpoint hits again next time.
%include "pm.inc"
section .text
start:
    PM_INIT
    SET_GATE 1, db_handler, SEL_CODE0, 0x8E
    mov eax, target
    mov dr0, eax
    mov eax, 0x1                                       ; L0, execute, 1 byte
    mov dr7, eax
    call target
    CHECK_EQ [db_count], 1, "DR0 execute breakpoint: one #DB"
    CHECK_EQ [hits], 1, "RF: the instruction then ran once"
    CHECK_EQ [db_eip], target, "#DB is a fault at the breakpoint address"
    mov eax, [db_dr6]
    and eax, 0xF
    CHECK_EQ eax, 1, "DR6.B0"
    call target
    CHECK_EQ [db_count], 2, "RF cleared after one instruction: hits again"
    CHECK_EQ [hits], 2, "second call ran"
    xor eax, eax
    mov dr7, eax
    EXIT

target:
    inc dword [hits]
    ret

db_handler:
    push eax
    inc dword [db_count]
    mov eax, [esp + 4]
    mov [db_eip], eax
    mov eax, dr6
    mov [db_dr6], eax
    xor eax, eax
    mov dr6, eax
    or dword [esp + 12], 0x10000                       ; RF in the frame
    pop eax
    iretd

hits: dd 0
db_count: dd 0
db_eip: dd 0
db_dr6: dd 0
section .rodata_strs
