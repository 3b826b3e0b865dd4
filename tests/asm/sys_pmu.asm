; The P6 performance counters (src/cpu/pmu.c): PERFCTR writes sign-extend
; bit 31 into the 40-bit counter, EN of PERFEVTSEL0 starts and stops both
; counters, INST_RETIRED counts retired instructions (as read by RDPMC and
; RDMSR), a counter with INT set interrupts through the local APIC when it
; wraps, reserved event-select bits and bad RDPMC indexes raise #GP, and
; RDPMC at CPL 3 needs CR4.PCE. QEMU TCG models no P6 counters: the test
; SKIPs under QEMU.
%include "pm.inc"

%define EVT_INST_RETIRED 0xC0
%define SEL_USR (1 << 16)
%define SEL_OS (1 << 17)
%define SEL_EN (1 << 22)

%macro WRMSR 3 ; msr, edx, eax
    mov ecx, %1
    mov edx, %2
    mov eax, %3
    wrmsr
%endmacro

section .text
start:
    PM_INIT
    QEMU_DIFFERS "P6 performance counters: QEMU TCG does not model them (RDPMC is #UD there)"
    mov ecx, 0x186
    xor edx, edx
    mov eax, 0x200000
    FAULTS 13, 0, "PERFEVTSEL0 reserved bit 21: #GP(0)", wrmsr
    mov ecx, 0x187
    mov edx, 1
    xor eax, eax
    FAULTS 13, 0, "PERFEVTSEL1 bits 63:32: #GP(0)", wrmsr
    mov ecx, 2
    FAULTS 13, 0, "RDPMC ECX=2: #GP(0)", rdpmc

    WRMSR 0xC1, 0, 0x80001234
    mov ecx, 0xC1
    rdmsr
    CHECK_EQ eax, 0x80001234, "PERFCTR0 write: low 32 bits"
    CHECK_EQ edx, 0xFF, "PERFCTR0 write: bit 31 sign-extended to bit 39"
    WRMSR 0xC2, 0, 0x7fffffff
    mov ecx, 1
    rdpmc
    CHECK_EQ edx, 0, "PERFCTR1 write: bit 31 clear, no extension"

    ; count retired instructions with counter 0; counter 1 counts nothing modelled
    WRMSR 0xC1, 0, 0
    WRMSR 0xC2, 0, 0
    WRMSR 0x187, 0, 0x2E | SEL_USR | SEL_OS                  ; L2 requests: never counted here
    WRMSR 0x186, 0, EVT_INST_RETIRED | SEL_USR | SEL_OS | SEL_EN
    xor ecx, ecx
    rdpmc
    mov esi, eax
    times 10 nop
    rdpmc                                                 ; 10 nops + mov esi + rdpmc later
    sub eax, esi
    CHECK_EQ eax, 12, "INST_RETIRED between two RDPMCs: every retired instruction"
    mov ecx, 1
    rdpmc
    CHECK_EQ eax, 0, "unmodelled event (L2 requests) stays 0"

    ; EN clear: both counters stop
    WRMSR 0x186, 0, EVT_INST_RETIRED | SEL_USR | SEL_OS
    xor ecx, ecx
    rdpmc
    mov esi, eax
    times 10 nop
    rdpmc
    CHECK_EQ eax, esi, "EN clear: the counter holds its value"

    ; a counter with INT set that wraps raises the performance-monitoring
    ; interrupt through the local APIC's LVT performance-counter entry
    mov dword [0xFEE000F0], 0x1FF                         ; SVR: APIC on, spurious vector 0xFF
    mov dword [0xFEE00340], 0x41                          ; LVT PC: fixed, vector 0x41
    WRMSR 0xC1, 0, -1000                                  ; 1000 instructions to the wrap
    WRMSR 0x186, 0, EVT_INST_RETIRED | SEL_USR | SEL_OS | SEL_EN | (1 << 20)
    ARM_FAULT .pmi
    sti
    mov ecx, 2000
.spin:
    dec ecx
    jnz .spin
    cli
    FAIL "counter overflow with INT: no interrupt after 4000 instructions"
    jmp .pmi_done
.pmi:
    PM_CHECK_RECORD 0x41, ANYERR, 0, "counter overflow with INT: interrupt through LVT PC"
    mov eax, 2000
    sub eax, ecx
    cmp eax, 400                                          ; 2 instructions per turn: ~500 turns
    jb .pmi_early
    cmp eax, 510
    ja .pmi_early
    PASS "the interrupt comes at the wrap (about 1000 instructions in)"
    jmp .pmi_eoi
.pmi_early:
    FAIL "the interrupt is not at the wrap"
.pmi_eoi:
    mov dword [0xFEE000B0], 0                             ; EOI
.pmi_done:
    WRMSR 0x186, 0, 0
    xor ecx, ecx
    rdpmc
    CHECK_EQ edx, 0, "after the wrap the counter is small again (high bits)"
    mov dword [0xFEE000F0], 0xFF                          ; APIC software-disabled again

    ; RDPMC at CPL 3: #GP without CR4.PCE, allowed with it
    ENTER_RING3
    xor ecx, ecx
    FAULTS 13, 0, "RDPMC at CPL 3 without CR4.PCE: #GP(0)", rdpmc
    LEAVE_RING3
    mov eax, cr4
    or eax, 1 << 8
    mov cr4, eax
    ENTER_RING3
    xor ecx, ecx
    NOFAULT "RDPMC at CPL 3 with CR4.PCE", rdpmc
    LEAVE_RING3
    END_QEMU_DIFFERS
    EXIT
