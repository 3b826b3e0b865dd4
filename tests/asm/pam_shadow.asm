; i440FX shadow RAM from a guest, under every engine: the PAM registers of
; the host bridge (PCI 00:00.0, 0x59-0x5F) decide per segment whether reads
; and writes of 0xC0000-0xFFFFF reach RAM. The loader left them all
; read-write (as a firmware does). Code in the C segment is run, then the
; segment is made read-only, write-only and off: each change must be seen at
; once by loads (the TLB holds host pointers) and by execution (translated
; code is keyed by host pointer), and a write the chipset drops must change
; nothing. Without a ROM, "off" reads the bus: all ones.
%include "mb.inc"
SEG_C equ 0xC4000               ; PAM1 high nibble (0x5A bits 5:4)

section .text
start:
    ; the loader's setting: 0x59 = 0x30, 0x5A-0x5F = 0x33
    mov eax, 0x80000058
    mov dx, 0xcf8
    out dx, eax
    mov dx, 0xcfc
    in eax, dx
    CHECK_EQ eax, 0x33333000, "PAM0-2 read-write after the loader (0x58-0x5B)"
    mov eax, 0x80000072
    mov dx, 0xcf8
    out dx, eax
    mov dx, 0xcfe
    in al, dx
    and eax, 0xff
    CHECK_EQ eax, 0x02, "SMRAM closed (0x72)"

    mov esi, ret1
    call install               ; mov eax, 1; ret
    call SEG_C
    CHECK_EQ eax, 1, "code in shadow RAM runs"
    call SEG_C                 ; again: cached/translated now
    CHECK_EQ eax, 1, "and runs again"

    mov bl, 0x13               ; read-only RAM (RE); the C0000 segment (low nibble) stays read-write
    call set_pam1
    mov esi, ret2
    call install               ; dropped by the chipset
    call SEG_C
    CHECK_EQ eax, 1, "read-only: the write was dropped, the old code runs"
    mov eax, [SEG_C]
    CHECK_EQ eax, 0x000001b8, "read-only: reads see RAM"

    mov bl, 0x23               ; write-only (WE): reads go to the bus
    call set_pam1
    mov eax, [SEG_C]
    CHECK_EQ eax, 0xffffffff, "write-only: reads see the empty bus at once"
    mov esi, ret3
    call install               ; reaches RAM
    mov eax, [SEG_C]
    CHECK_EQ eax, 0xffffffff, "write-only: still the bus after writing"

    mov bl, 0x33               ; read-write again
    call set_pam1
    mov eax, [SEG_C]
    CHECK_EQ eax, 0x000003b8, "read-write: the write made while write-only is there"
    call SEG_C
    CHECK_EQ eax, 3, "read-write: the new code runs (the old translation is gone)"

    mov bl, 0x03               ; off: both to the bus
    call set_pam1
    mov eax, [SEG_C + 4]
    CHECK_EQ eax, 0xffffffff, "off: reads see the bus"
    mov dword [SEG_C], 0x12345678
    mov bl, 0x33
    call set_pam1
    mov eax, [SEG_C]
    CHECK_EQ eax, 0x000003b8, "off: the write went nowhere"
    ; the neighbouring segment (C0000) was read-write throughout
    mov dword [0xC0000], 0xabcd1234
    mov eax, [0xC0000]
    CHECK_EQ eax, 0xabcd1234, "C0000 segment untouched by PAM1's high nibble"
    EXIT

; bl -> PAM1 (0x5A), a byte write through CONFIG_DATA
set_pam1:
    mov eax, 0x80000058
    mov dx, 0xcf8
    out dx, eax
    mov dx, 0xcfe
    mov al, bl
    out dx, al
    ret

; copy the 6-byte routine at esi to SEG_C
install:
    mov edi, SEG_C
    mov ecx, 6
    rep movsb
    ret

ret1: mov eax, 1
      ret
ret2: mov eax, 2
      ret
ret3: mov eax, 3
      ret
