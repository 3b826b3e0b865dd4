; What a -kernel boot leaves for real-mode code, as a BIOS would
; (machine/bios_data.h): the IVT points IRQ 0 at F000:FEA5, the 8259 is
; initialised with vector base 08h and IRQ 0 open, the 8254 ticks at 18.2 Hz.
; (The same image passes under QEMU with SeaBIOS, whose other handlers are
; elsewhere in the F segment.)
; The guest drops to real mode, enables interrupts and waits for the BIOS's
; tick handler to count in the BDA (0x46C) and send its EOI, then takes the
; RTC's periodic interrupt (IRQ 8, open in the slave's mask) through IVT 70h,
; whose handler reads RTC register C (the acknowledge) and sends both EOIs. Runs from a copy at 0x8000; results at RES.
%include "pm.inc"
BLOB equ 0x8000
RES equ 0x7000
%define OFS(l) ((l) - rm_blob)
section .text
start:
    in al, 0x21                           ; before PM_INIT, which masks the 8259s
    mov [saved_masks], al
    in al, 0xA1
    mov [saved_masks + 1], al
    PM_INIT
    CHECK_EQ [8 * 4], 0xF000FEA5, "IVT 08h: the BIOS timer handler at F000:FEA5"
    CHECK_EQ [0x1C * 4], 0xF000FF53, "IVT 1Ch: IRET at F000:FF53"
    movzx eax, word [0x0F * 4 + 2]
    CHECK_EQ eax, 0xF000, "IVT 0Fh: a handler in the BIOS segment"
    movzx eax, word [0x70 * 4 + 2]
    CHECK_EQ eax, 0xF000, "IVT 70h: a handler in the BIOS segment"
    movzx eax, word [0x413]
    CHECK_EQ eax, 639, "BDA 0x413: 639 KiB of base memory"
    movzx eax, word [0x40E]
    CHECK_EQ eax, 0x9FC0, "BDA 0x40E: EBDA segment"
    movzx eax, word [saved_masks]
    CHECK_EQ eax, 0x8EB8, "8259 masks as SeaBIOS leaves them (slave 8E, master B8)"
    mov al, [saved_masks]
    out 0x21, al
    mov al, [saved_masks + 1]
    out 0xA1, al
    mov esi, rm_blob
    mov edi, BLOB
    mov ecx, rm_end - rm_blob
    rep movsb
    mov edi, RES
    mov ecx, 16
    xor eax, eax
    rep stosd
    mov [saved_esp], esp
    jmp SEL_CODE16:(BLOB + OFS(rm_entry16) - 0)
back32:
    mov ax, SEL_DATA0
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov fs, ax
    mov gs, ax
    mov esp, [saved_esp]
    CHECK_EQ [RES + 0], 2, "real mode: two timer ticks counted in the BDA"
    CHECK_EQ [RES + 4], 0, "real mode: the tick handler sent its EOI (master ISR clear)"
    CHECK_EQ [RES + 8], 0, "real mode: RTC IRQ 8 through IVT 70h: EOIs sent (both ISRs clear)"
    CHECK_EQ [RES + 16], 0, "real mode: the IRQ 8 handler read RTC register C (else IRQF and PF stay set)"
    CHECK_EQ [RES + 12], 0, "real mode: the wait loops did not run out"
    EXIT

saved_esp: dd 0
saved_masks: dw 0

bits 16
rm_blob:
rm_entry16:                               ; 16-bit protected mode, CS base 0
    mov ax, SEL_DATA16
    mov ss, ax
    mov eax, cr0
    and eax, ~1
    mov cr0, eax
    jmp 0x0800:OFS(rm_real)
rm_real:
    xor ax, ax
    mov ss, ax
    mov sp, 0x6000
    mov ds, ax
    mov es, ax
    lidt [cs:OFS(rm_idtr)]
    mov ebx, [0x46C]
    sti
    mov ecx, 100000000                    ; bound: ~5 ticks of 1 ns instructions
.wait:
    mov eax, [0x46C]
    sub eax, ebx
    cmp eax, 2
    jae .ticked
    a32 loop .wait
    mov dword [RES + 12], 1
.ticked:
    cli
    mov [RES + 0], eax
    mov al, 0x0B                          ; OCW3: read the ISR
    out 0x20, al
    in al, 0x20
    movzx eax, al
    mov [RES + 4], eax
    ; the RTC's periodic interrupt (register A: 1024 Hz) on IRQ 8
    mov al, 0x0B
    out 0x70, al
    in al, 0x71
    or al, 0x40                           ; PIE
    mov ah, al
    mov al, 0x0B
    out 0x70, al
    mov al, ah
    out 0x71, al
    sti
    mov ecx, 10000000                     ; ~10 periods
.rtc:
    a32 loop .rtc
    cli
    mov al, 0x0C                          ; register C (reading it clears it)
    out 0x70, al
    in al, 0x71
    movzx eax, al
    mov [RES + 16], eax
    mov al, 0x0B
    out 0x20, al
    out 0xA0, al
    in al, 0x20
    mov ah, al
    in al, 0xA0
    movzx eax, ax
    mov [RES + 8], eax
    mov eax, cr0
    or eax, 1
    mov cr0, eax
    jmp dword SEL_CODE0:back32
rm_idtr:
    dw 0x3FF
    dd 0
rm_end:
bits 32
section .rodata_strs
