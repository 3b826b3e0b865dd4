; The ACPI PM device from a guest, as an OS in PIC mode uses it: ACPI mode
; through SMI_CMD, the PM timer against the PIT (3.579545 MHz is three times
; the PIT's 1.193182 MHz), and the timer-overflow SCI on IRQ 9 through the
; slave 8259 with IRQ 9 level-triggered in the ELCR: TMR_STS set in the
; handler, write-1-to-clear drops the line. Ports as QEMU's PIIX4 PM under
; SeaBIOS (0x600, SMI_CMD 0xB2, SCI 9): passes under qemu-system-i386
; -icount shift=0 too (without -icount, TCG's clocks follow the host and the
; rate check sees its latencies).
%include "pm.inc"
PM1_STS equ 0x600
PM1_EN equ 0x602
PM1_CNT equ 0x604
PM_TMR equ 0x608
SMI_CMD equ 0xB2
TMR_STS equ 1
SCI_EN equ 1

section .text
start:
    PM_INIT
    SET_GATE 0x29, irq9, SEL_CODE0, 0x8E
    ; PICs: master at 0x20, slave at 0x28, everything masked for now
    PIC_REMAP 0xFF, 0xFF

    ; ACPI mode: SCI_EN follows the ACPI_ENABLE command (a firmware may take a while)
    mov dx, PM1_CNT
    in ax, dx
    test al, SCI_EN
    jnz .enabled
    mov al, 0xF1
    out SMI_CMD, al
    mov ecx, 1000000
.wait_sci_en:
    in ax, dx
    test al, SCI_EN
    jnz .enabled
    loop .wait_sci_en
.enabled:
    and eax, SCI_EN
    CHECK_EQ eax, SCI_EN, "ACPI_ENABLE through SMI_CMD sets SCI_EN"
    ; status starts clear after writing ones to it, SCI events disabled
    mov dx, PM1_EN
    xor eax, eax
    out dx, ax
    mov dx, PM1_STS
    mov ax, 0xFFFF
    out dx, ax

    ; PM timer vs PIT: PIT channel 2, mode 0, 11932 ticks (10 ms) gated by
    ; port 0x61 bit 0; OUT2 (port 0x61 bit 5) goes high at terminal count
    in al, 0x61
    and al, 0xFC                 ; gate off, speaker off
    out 0x61, al
    mov al, 0xB0                 ; channel 2, lobyte/hibyte, mode 0
    out 0x43, al
    mov ax, 11932
    out 0x42, al
    mov al, ah
    out 0x42, al
    mov dx, PM_TMR
    in eax, dx
    mov ebx, eax
    in al, 0x61
    or al, 1                     ; gate on: counting starts
    out 0x61, al
.pit_wait:
    in al, 0x61
    test al, 0x20
    jz .pit_wait
    mov dx, PM_TMR
    in eax, dx
    sub eax, ebx
    and eax, 0xFFFFFF
    mov [pm_ticks], eax
    ; 3 * 11932 = 35796 PM ticks; allow 1% for the polling
    cmp eax, 35796 - 358
    jb .rate_bad
    cmp eax, 35796 + 358
    ja .rate_bad
    PASS "PM timer runs at 3x the PIT rate (35796 ticks in 11932 PIT ticks)"
    jmp .rate_done
.rate_bad:
    FAIL "PM timer runs at 3x the PIT rate (35796 ticks in 11932 PIT ticks)"
    mov eax, [pm_ticks]
    call mb_print_hex
    puts 10
.rate_done:
    ; top byte of the 24-bit timer reads 0
    mov dx, PM_TMR
    in eax, dx
    shr eax, 24
    CHECK_EQ eax, 0, "PM_TMR bits 31:24 read 0 (24-bit timer)"

    ; the overflow SCI: ELCR IRQ 9 level, unmask IRQ 2 (cascade) and IRQ 9
    mov dx, 0x4D1
    in al, dx
    or al, 0x02
    out dx, al
    mov al, 0xFB
    out 0x21, al
    mov al, 0xFD
    out 0xA1, al
    mov dx, PM1_STS
    mov ax, TMR_STS
    out dx, ax
    mov dx, PM1_EN
    mov ax, 1                    ; TMR_EN
    out dx, ax
.sleep:
    cli
    cmp dword [sci_count], 0
    jne .woken
    sti
    hlt
    jmp .sleep
.woken:
    CHECK_EQ [sci_count], 1, "timer overflow raises one SCI on IRQ 9"
    mov eax, [sci_sts]
    and eax, TMR_STS
    CHECK_EQ eax, TMR_STS, "SCI handler finds TMR_STS set"
    ; the timer had just crossed a multiple of 2^23 (allow 2^16 ticks, ~18 ms)
    mov eax, [sci_tmr]
    and eax, 0x7FFFFF
    cmp eax, 0x10000
    jb .tmr_ok
    FAIL "overflow SCI comes as bit 23 of the timer changes"
    call mb_print_hex
    puts 10
    jmp .tmr_done
.tmr_ok:
    PASS "overflow SCI comes as bit 23 of the timer changes"
.tmr_done:
    CHECK_EQ [sci_sts_after], 0, "writing 1 clears TMR_STS"
    ; with the status clear the level line is low: nothing pending in the slave's IRR
    mov al, 0x0A
    out 0xA0, al
    in al, 0xA0
    and eax, 0x02
    CHECK_EQ eax, 0, "SCI line low after the status is cleared"
    ; quiet again
    mov dx, PM1_EN
    xor eax, eax
    out dx, ax
    mov al, 0xFF
    out 0x21, al
    out 0xA1, al
    EXIT

irq9:
    push eax
    push edx
    inc dword [sci_count]
    mov dx, PM_TMR
    in eax, dx
    mov [sci_tmr], eax
    mov dx, PM1_STS
    in ax, dx
    movzx eax, ax
    mov [sci_sts], eax
    mov dx, PM1_EN               ; one overflow is enough: TMR_EN off
    xor eax, eax
    out dx, ax
    mov dx, PM1_STS
    mov ax, TMR_STS
    out dx, ax
    in ax, dx
    movzx eax, ax
    and eax, TMR_STS
    mov [sci_sts_after], eax
    mov al, 0x20
    out 0xA0, al
    out 0x20, al
    pop edx
    pop eax
    iretd

pm_ticks: dd 0
sci_count: dd 0
sci_sts: dd 0
sci_tmr: dd 0
sci_sts_after: dd 0xFFFFFFFF
section .rodata_strs
