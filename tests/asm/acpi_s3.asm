; ACPI S3 (suspend to RAM) the way an OS uses it on QEMU's pc machine (and
; kvm-unit-tests' s3 test): the guest finds the FACS (RSDP -> RSDT -> FADT), sets its waking vector,
; arms the RTC alarm with PM1_EN.RTC_EN, writes SLP_TYP 1 | SLP_EN, and must
; stop right there; the RTC wakes the machine, which resets and resumes at the
; waking vector in real mode (CS = vector >> 4). The resumed code checks that
; RAM survived, that no instruction ran after the sleep write, the wake status
; (WAK_STS, RTC_STS) and the CMOS shutdown status (0xFE at the suspend,
; cleared by the firmware's resume path, as SeaBIOS does), then exits. Under
; QEMU 7.2 with SeaBIOS the same image fails only "nothing ran after SLP_EN":
; its TCG CPU goes on for a few instructions after the sleep write.
%include "mb.inc"
RESUME equ 0x1000
MARK equ 0x2000
%define OFS(l) ((l) - rs_blob)
section .text
start:
    mov esi, 0xE0000                      ; RSDP: "RSD PTR " on a 16-byte boundary
.rsdp:
    cmp dword [esi], 'RSD '
    jne .next
    cmp dword [esi + 4], 'PTR '
    je .rsdt
.next:
    add esi, 16
    cmp esi, 0x100000
    jb .rsdp
    FAIL "RSDP found"
    EXIT
.rsdt:
    mov ebx, [esi + 16]                   ; RSDT
    mov ecx, [ebx + 4]
    sub ecx, 36
    shr ecx, 2                            ; entries
    lea edx, [ebx + 36]
.fadt:
    mov esi, [edx]
    cmp dword [esi], 'FACP'
    je .found
    add edx, 4
    loop .fadt
    FAIL "FADT found through the RSDT"
    EXIT
.found:
    mov esi, [esi + 36]                   ; FIRMWARE_CTRL: the FACS
    cmp dword [esi], 'FACS'
    jne .nofacs
    PASS "FACS found through RSDP, RSDT, FADT"
    jmp .go
.nofacs:
    FAIL "FACS found through RSDP, RSDT, FADT"
    EXIT
.go:
    mov dword [esi + 12], RESUME          ; firmware_waking_vector
    mov esi, rs_blob
    mov edi, RESUME
    mov ecx, rs_end - rs_blob
    rep movsb
    mov dx, 0x602                         ; PM1a_EN: RTC_EN
    mov ax, 0x400
    out dx, ax
    mov al, 0x0C                          ; clear RTC flags
    out 0x70, al
    in al, 0x71
    mov al, 0x01                          ; alarm: any second, minute, hour
    out 0x70, al
    mov al, 0xC0
    out 0x71, al
    mov al, 0x03
    out 0x70, al
    mov al, 0xC0
    out 0x71, al
    mov al, 0x05
    out 0x70, al
    mov al, 0xC0
    out 0x71, al
    mov al, 0x0B                          ; register B: AIE
    out 0x70, al
    in al, 0x71
    or al, 0x20
    mov ah, al
    mov al, 0x0B
    out 0x70, al
    mov al, ah
    out 0x71, al
    mov dword [MARK], 0x5A5A5A5A
    mov dx, 0x604                         ; PM1a_CNT: SLP_TYP 1 (S3) | SLP_EN
    mov ax, 0x2400
    out dx, ax
    mov dword [MARK], 1                   ; must never run
.spin:
    jmp .spin

bits 16
rs_blob:                                  ; resumed here: real mode, CS = 0x100, IP = 0
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 0x7000
    cmp dword [MARK], 0x5A5A5A5A
    mov si, OFS(s_ram)
    call rs_check
    mov dx, 0x600                         ; PM1a_STS
    in ax, dx
    and ax, 0x8400
    cmp ax, 0x8400
    mov si, OFS(s_sts)
    call rs_check
    mov al, 0x0F
    out 0x70, al
    in al, 0x71
    cmp al, 0
    mov si, OFS(s_cmos)
    call rs_check
    mov al, [cs:OFS(failed)]
    out 0xF4, al                          ; isa-debug-exit: 0 -> status 1
.halt:
    hlt
    jmp .halt
; print "PASS <name>" or "FAIL <name>" by ZF; SI = name
rs_check:
    pushf
    mov bx, OFS(s_pass)
    jz .p
    mov bx, OFS(s_fail)
    mov byte [cs:OFS(failed)], 2
.p:
    call rs_puts
    mov bx, si
    call rs_puts
    popf
    ret
rs_puts:                                  ; BX = string (CS-relative)
    mov al, [cs:bx]
    test al, al
    jz .d
    out 0xE9, al
    inc bx
    jmp rs_puts
.d:
    ret
failed: db 0
s_pass: db "PASS ", 0
s_fail: db "FAIL ", 0
s_ram: db "resumed at the waking vector: RAM kept, nothing ran after SLP_EN", 10, 0
s_sts: db "PM1_STS after the wake-up: WAK_STS and RTC_STS", 10, 0
s_cmos: db "CMOS shutdown status consumed by the firmware's resume (0)", 10, 0
rs_end:
bits 32
section .rodata_strs
