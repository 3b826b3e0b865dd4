; The A20 gate (port 0x92 bit 1) from a guest, under every engine: while it
; masks address bit 20, the second megabyte is the first one again --
; RAM, the VGA text memory at 0xB8000 and the shadow segments with their
; PAM modes (a read-only segment drops a write made through the alias) --
; and every higher odd megabyte is the even one below it. The probe runs
; from low memory (this image lives at 1 MiB, which the gate hides) and
; uses no stack while the gate is closed; it leaves its results at RES.
%include "mb.inc"
PROBE equ 0x8000
RES equ 0x6000
SEG_C equ 0xC4000               ; PAM1 high nibble (0x5A bits 5:4)

section .text
start:
    mov esi, probe
    mov edi, PROBE
    mov ecx, probe_end - probe
    rep movsb
    mov dword [0x7000], 0x11111111
    mov dword [0x107000], 0x22222222      ; gate open: another dword
    mov dword [0x107004], 0
    mov dword [0x200100], 0x33333333
    mov dword [0x300100], 0x44444444
    mov dword [0xB8000], 0
    mov dword [SEG_C], 0xaaaaaaaa
    mov bl, 0x13                          ; C4000 read-only, C0000 read-write
    call set_pam1
    mov eax, PROBE
    call eax
    mov bl, 0x33
    call set_pam1

    in al, 0x92
    and eax, 2
    CHECK_EQ eax, 2, "the gate open again (port 0x92 bit 1)"
    CHECK_EQ dword [RES], 0x11111111, "gate closed: 0x107000 reads 0x7000"
    CHECK_EQ dword [0x7004], 0x55555555, "gate closed: a write to 0x107004 lands at 0x7004"
    CHECK_EQ dword [0x107004], 0, "gate open: 0x107004 untouched by that write"
    CHECK_EQ dword [0x107000], 0x22222222, "gate open: 0x107000 is itself again"
    CHECK_EQ dword [RES + 4], 0x33333333, "gate closed: 0x300100 reads 0x200100"
    CHECK_EQ dword [0xB8000], 0x07410742, "gate closed: a write to 0x1B8000 lands in the VGA text memory"
    mov ebx, [0xF0000]
    CHECK_EQ dword [RES + 8], ebx, "gate closed: 0x1F0000 reads 0xF0000"
    CHECK_EQ dword [RES + 12], 0xaaaaaaaa, "gate closed: read-only C4000 segment drops a write through 0x1C4000"
    CHECK_EQ dword [SEG_C], 0xaaaaaaaa, "read-only C4000 segment unchanged"
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

; copied to PROBE: closes the gate, reads and writes through the aliases,
; opens the gate; no stack use in between
probe:
    in al, 0x92
    and al, ~3                            ; bit 0 would reset the machine
    out 0x92, al
    mov eax, [0x107000]
    mov [RES], eax
    mov dword [0x107004], 0x55555555
    mov eax, [0x300100]
    mov [RES + 4], eax
    mov dword [0x1B8000], 0x07410742
    mov eax, [0x1F0000]
    mov [RES + 8], eax
    mov dword [0x1C4000], 0xbbbbbbbb
    mov eax, [0x1C4000]
    mov [RES + 12], eax
    in al, 0x92
    or al, 2
    and al, ~1
    out 0x92, al
    ret
probe_end:
