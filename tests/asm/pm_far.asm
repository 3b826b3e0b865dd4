; Far JMP/CALL/RETF/IRET in protected mode: direct code segments, conforming
; code, call gates with parameter copy and the inner stack switch, returns to
; an outer level (data segments nulled), and the precise faults of each.
%include "pm.inc"
section .text
start:
    PM_INIT
    SET_CALLGATE 0x40, gate_target, SEL_CODE0, 0xEC, 2   ; DPL 3 gate to ring 0, 2 params
    SET_CALLGATE 0x48, gate_target, SEL_CODE0, 0x8C, 0   ; DPL 0 gate
    SET_DESC 0x50, 0, 0xFFFFF, 0x9E, 0xC                 ; conforming readable code, DPL 0
    SET_CALLGATE 0x58, gate_target, 0x60, 0xEC, 0        ; gate to a not-present segment
    SET_DESC 0x60, 0, 0xFFFFF, 0x1A, 0xC                 ; code, not present
    SET_CALLGATE 0x68, gate_target, SEL_CODE0, 0xEC, 0   ; DPL 3 gate, for JMP
    SET_DESC 0x80, 0, 0xFFFFF, 0xBA, 0xC                 ; code DPL 1
    SET_CALLGATE 0x88, gate_target, 0x80, 0xEC, 0        ; DPL 3 gate to ring 1
    SET_DESC 0x90, 0, 0xFFFFF, 0x32, 0xC                 ; data DPL 1, not present

    ; ---- direct code segments at CPL 0 ----
    NOFAULT "jmp far to CPL-0 code", jmp SEL_CODE0:.j1
.j1:
    FAULTS 13, SEL_CODE3 & ~3, "jmp far to DPL 3 code from CPL 0 -> #GP(sel)", jmp SEL_CODE3:.j1
    FAULTS 13, 0, "call far null selector -> #GP(0)", call far [null_ptr]
    FAULTS 13, SEL_DATA0, "call far to data -> #GP(sel)", call SEL_DATA0:0
    FAULTS 11, 0x60, "call far to not-present code -> #NP(sel)", call 0x60:0
    mov ebx, esp
    push dword 1
    push dword 2
    call SEL_CODE0:ret8
    mov ecx, esp
    CHECK_EQ ecx, ebx, "retf 8 releases the parameters"

    ; ---- ring 3 ----
    ENTER_RING3
    mov ebx, esp
    push dword 0x1111
    push dword 0x2222
    call 0x43:0
after_gate:
    mov dx, ds
    mov ax, SEL_DATA3
    mov ds, ax
    mov es, ax
    mov ecx, esp
    CHECK_EQ ecx, ebx, "call gate: retf 8 back at ring 3 restores ESP"
    xor eax, eax
    mov ax, cs
    CHECK_EQ eax, SEL_CODE3, "call gate: back at CPL 3"
    movzx edx, dx
    CHECK_EQ edx, 0, "retf to outer level nulls DS holding DPL 0 data"
    mov eax, [gt_cs]
    CHECK_EQ eax, SEL_CODE0, "call gate: target runs at CPL 0"
    mov eax, [gt_frame]
    CHECK_EQ eax, after_gate, "call gate frame: EIP"
    mov eax, [gt_frame + 4]
    CHECK_EQ eax, SEL_CODE3, "call gate frame: CS"
    mov eax, [gt_frame + 8]
    CHECK_EQ eax, 0x2222, "call gate frame: parameter 1"
    mov eax, [gt_frame + 12]
    CHECK_EQ eax, 0x1111, "call gate frame: parameter 2"
    lea ecx, [ebx - 8]
    CHECK_EQ [gt_frame + 16], ecx, "call gate frame: caller ESP"
    mov eax, [gt_frame + 20]
    CHECK_EQ eax, SEL_DATA3, "call gate frame: caller SS"
    mov eax, [gt_esp]
    CHECK_EQ eax, PM_STACK_TOP - 24, "call gate: inner stack from TSS ESP0"

    FAULTS 13, 0x48, "ring 3: call gate with DPL 0 -> #GP(gate)", call 0x4B:0
    FAULTS 11, 0x60, "ring 3: call gate to not-present code -> #NP(cs)", call 0x5B:0
    FAULTS 13, SEL_CODE0, "ring 3: jmp through gate to more privileged code -> #GP(cs)", jmp 0x6B:0
    call 0x53:conf_target
    mov eax, [conf_cs]
    CHECK_EQ eax, 0x53, "ring 3: call conforming code keeps CPL 3"
    push dword SEL_CODE0
    push dword .r0
    FAULTS 13, SEL_CODE0, "ring 3: retf to CPL 0 -> #GP(sel)", retf
.r0:
    add esp, 8
    ; (ring 1 targets, so that the fault itself is delivered with the good SS0)
    mov dword [pm_tss + 0x10], 0                        ; SS1 null
    mov esi, esp
    FAULTS 10, 0, "ring 3: call gate with null SS1 -> #TS(0)", call 0x8B:0
    mov ecx, esp
    CHECK_EQ ecx, esi, "ring 3: failed call gate leaves ESP"
    mov dword [pm_tss + 0x10], 0x91
    QEMU_DIFFERS "ring 3: call gate with SS1 not present: QEMU raises #TS, the SDM #SS"
    FAULTS 12, 0x90, "ring 3: call gate with SS1 not present -> #SS(sel)", call 0x8B:0
    END_QEMU_DIFFERS
    mov dword [pm_tss + 0x10], SEL_DATA0
    FAULTS 10, SEL_DATA0, "ring 3: call gate with SS1 of DPL 0 -> #TS(sel)", call 0x8B:0
    LEAVE_RING3

    ; ---- IRET to an outer level with a bad SS ----
    mov ebx, esp
    push dword SEL_DATA0                                 ; RPL 0 for a CPL 3 return
    push dword USER_STACK_TOP
    pushfd
    push dword SEL_CODE3
    push dword .never
    FAULTS 13, SEL_DATA0, "iret to CPL 3 with RPL 0 SS -> #GP(ss)", iretd
    mov esp, ebx
    push dword SEL_DATA3
    push dword USER_STACK_TOP
    pushfd
    push dword SEL_CODE0 | 3
    push dword .never
    FAULTS 13, SEL_CODE0, "iret to DPL 0 code with RPL 3 -> #GP(cs)", iretd
    mov esp, ebx
    EXIT
.never:
    FAIL "reached .never"
    EXIT

ret8:
    retf 8

; ring-0 side of the call gate: record the frame, load a DPL-0 DS, return
gate_target:
    mov [ss:gt_esp], esp
    push eax
    xor eax, eax
    mov ax, cs
    mov [ss:gt_cs], eax
%assign k 0
%rep 6
    mov eax, [esp + 4 + k]
    mov [ss:gt_frame + k], eax
%assign k k + 4
%endrep
    mov ax, SEL_DATA0
    mov ds, ax
    pop eax
    retf 8

conf_target:
    push eax
    xor eax, eax
    mov ax, cs
    mov [conf_cs], eax
    pop eax
    retf

gt_esp: dd 0
gt_cs: dd 0
gt_frame: times 6 dd 0
conf_cs: dd 0
null_ptr: dd 0, 0
section .rodata_strs
