; System instructions: CPUID (only what QEMU's qemu32 shares with us),
; MSRs, RDTSC/TSD, control-register checks, LMSW/SMSW, 16-bit LGDT/SGDT,
; DR4/DR5 aliasing, RSM, and #GP(0) for every privileged instruction at
; CPL 3. Same results under QEMU TCG with -cpu qemu32,+mtrr.
; qemu-args: -cpu qemu32,+mtrr,+nx (for the oracle run; vdebug advertises both)
%include "pm.inc"

%macro CHECK_BITS 4
    mov eax, %1
    and eax, %2
    CHECK_EQ eax, %3, %4
%endmacro

section .text
start:
    PM_INIT
    xor eax, eax
    cpuid
    CHECK_EQ ebx, 'Genu', "CPUID 0: GenuineIntel (EBX)"
    CHECK_EQ edx, 'ineI', "CPUID 0: GenuineIntel (EDX)"
    CHECK_EQ ecx, 'ntel', "CPUID 0: GenuineIntel (ECX)"
    mov eax, 1
    cpuid
    mov esi, eax
    ; FPU PSE TSC MSR PAE CX8 SEP MTRR PGE CMOV PAT
    CHECK_BITS edx, 0x1B979, 0x1B979, "CPUID 1: paging/TSC/MSR/MTRR/CMOV/PAT features"
    mov eax, esi
    shr eax, 8
    and eax, 0xF
    CHECK_EQ eax, 6, "CPUID 1: family 6"
    mov eax, 0x80000000
    cpuid
    cmp eax, 0x80000004
    jae .ext_ok
    FAIL "CPUID 0x80000000: brand string leaves"
.ext_ok:
    mov eax, 0x80000002
    cpuid
    test eax, eax
    jnz .brand_ok
    FAIL "CPUID 0x80000002: brand string"
.brand_ok:
    PASS "CPUID extended leaves"

    ; ---- MSRs ----
    mov ecx, 0x174
    mov eax, 0x1234
    xor edx, edx
    wrmsr
    mov ecx, 0x175
    mov eax, 0xdeadbee0
    wrmsr
    mov ecx, 0x174
    xor eax, eax
    rdmsr
    CHECK_EQ eax, 0x1234, "SYSENTER_CS round trip"
    mov ecx, 0x175
    rdmsr
    CHECK_EQ eax, 0xdeadbee0, "SYSENTER_ESP round trip"
    mov ecx, 0x277
    rdmsr
    CHECK_EQ eax, 0x00070406, "PAT reset value (low)"
    CHECK_EQ edx, 0x00070406, "PAT reset value (high)"
    mov eax, 0x00010406
    wrmsr
    xor eax, eax
    rdmsr
    CHECK_EQ eax, 0x00010406, "PAT round trip"
    mov ecx, 0xFE
    rdmsr
    CHECK_EQ eax, 0x508, "MTRRcap: 8 variable ranges, fixed, WC"
    mov ecx, 0x2FF
    mov eax, 0xC06
    xor edx, edx
    wrmsr
    xor eax, eax
    rdmsr
    CHECK_EQ eax, 0xC06, "MTRRdefType round trip"
    mov ecx, 0x201
    mov eax, 0xFFF00800
    mov edx, 0xF
    wrmsr
    xor eax, eax
    xor edx, edx
    rdmsr
    CHECK_EQ eax, 0xFFF00800, "MTRRphysMask0 round trip (low)"
    CHECK_EQ edx, 0xF, "MTRRphysMask0 round trip (high)"
    ; (QEMU's RDTSC ignores TSC writes; the unit test checks WRMSR 0x10)
    rdtsc
    mov esi, eax
    rdtsc
    sub eax, esi
    CHECK_BITS eax, 0x80000000, 0, "RDTSC does not go backwards"

    ; ---- control registers ----
    ; (CR0.NW without CD is #GP(0) on hardware but not in QEMU: unit test only)
    ; (a reserved CR4 bit is #GP(0); QEMU 8 loops in its SVM exit path
    ; there, so only the unit test checks it)
    FAULTS 6, NOERR, "MOV from CR1 -> #UD", mov eax, cr1
    FAULTS 6, NOERR, "MOV to CR5 -> #UD", mov cr5, eax
    mov ax, 0
    lmsw ax
    mov eax, cr0
    CHECK_BITS eax, 1, 1, "LMSW cannot clear PE"
    mov ax, 0x000B               ; PE MP TS
    lmsw ax
    smsw eax
    CHECK_BITS eax, 0xF, 0xB, "LMSW sets MP/TS, SMSW reads them"
    clts
    smsw eax
    CHECK_BITS eax, 0x8, 0, "CLTS clears TS"
    mov ax, 0x0001
    lmsw ax
    NOFAULT "INVD/WBINVD at CPL 0", wbinvd

    ; 16-bit LGDT loads a 24-bit base; 16-bit SGDT stores a zero sixth byte
    o16 lgdt [gdt16]
    sgdt [sgdt_buf]
    CHECK_EQ dword [sgdt_buf + 2], 0x00123456, "o16 LGDT: 24-bit base"
    mov dword [sgdt_buf + 2], 0xFFFFFFFF
    lgdt [pm_gdtr]
    o16 sgdt [sgdt_buf]
    mov eax, [pm_gdtr + 2]
    CHECK_EQ dword [sgdt_buf + 2], eax, "o16 SGDT: base with a zero high byte"

    ; debug register aliases
    mov eax, dr6
    mov esi, eax
    mov eax, dr4
    CHECK_EQ eax, esi, "DR4 aliases DR6 without CR4.DE"
    mov eax, dr7
    mov esi, eax
    mov eax, dr5
    CHECK_EQ eax, esi, "DR5 aliases DR7 without CR4.DE"
    mov eax, cr4
    or eax, 8
    mov cr4, eax
    FAULTS 6, NOERR, "DR4 with CR4.DE -> #UD", mov eax, dr4
    mov eax, cr4
    and eax, ~8
    mov cr4, eax
    FAULTS 6, NOERR, "RSM outside SMM -> #UD", rsm

    ; ---- CPL 3 ----
    ENTER_RING3
    FAULTS 13, 0, "ring 3: rdmsr", rdmsr
    FAULTS 13, 0, "ring 3: wrmsr", wrmsr
    FAULTS 13, 0, "ring 3: mov eax, cr0", mov eax, cr0
    FAULTS 13, 0, "ring 3: mov cr3, eax", mov cr3, eax
    FAULTS 13, 0, "ring 3: mov eax, dr7", mov eax, dr7
    FAULTS 13, 0, "ring 3: mov dr0, eax", mov dr0, eax
    FAULTS 13, 0, "ring 3: lgdt", lgdt [pm_gdtr]
    FAULTS 13, 0, "ring 3: lidt", lidt [pm_idtr]
    FAULTS 13, 0, "ring 3: lmsw", lmsw ax
    FAULTS 13, 0, "ring 3: clts", clts
    FAULTS 13, 0, "ring 3: invlpg", invlpg [0x1000]
    FAULTS 13, 0, "ring 3: wbinvd", wbinvd
    FAULTS 13, 0, "ring 3: invd", invd
    FAULTS 13, 0, "ring 3: rdpmc without CR4.PCE", rdpmc
    NOFAULT "ring 3: smsw", smsw eax
    NOFAULT "ring 3: sgdt", sgdt [sgdt_buf]
    NOFAULT "ring 3: rdtsc without CR4.TSD", rdtsc
    NOFAULT "ring 3: cpuid", cpuid
    LEAVE_RING3
    mov eax, cr4
    or eax, 4                    ; TSD
    mov cr4, eax
    NOFAULT "ring 0: rdtsc with CR4.TSD", rdtsc
    ENTER_RING3
    FAULTS 13, 0, "ring 3: rdtsc with CR4.TSD", rdtsc
    LEAVE_RING3
    mov eax, cr4
    and eax, ~4
    mov cr4, eax
    EXIT

gdt16:
    dw 0x1F
    dd 0xAB123456
sgdt_buf:
    times 8 db 0
section .rodata_strs
