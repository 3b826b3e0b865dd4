#!/usr/bin/env bash
# Raw -bios ROMs: the CPU starts at F000:FFF0 in the ROM's last 16 bytes
# (mapped at the top of 4 GiB, last 128 KiB aliased below 1 MiB).
. "$(dirname "$0")/common.inc"

# rom NAME SIZE: a ROM of SIZE bytes whose reset vector jumps to 16-bit code
# that checks the alias window and reports on port 0xE9, then exits via 0xF4.
rom() {
    asm "$1" <<ASM
bits 16
size equ $2
base equ 0x100000 - (size < 0x20000 ? size : 0x20000)  ; lowest aliased address
org 0
times size - 0x10000 db 0          ; everything below the F000 segment
marker_ofs equ 0x10000 - 0x20000   ; unused for 64K ROMs
seg_f000:
start:
    mov ax, cs
    mov ds, ax
    mov dx, 0xe9
    mov si, msg - seg_f000
.l: lodsb
    test al, al
    jz .done
    out dx, al
    jmp .l
.done:
%if size >= 0x20000
    mov ax, 0xe000                 ; E000:0000 is ROM offset size - 0x20000
    mov es, ax
    cmp dword [es:0], 'ROMM'       ; placed there below
    jne .bad
    mov si, ok - seg_f000
.l2: lodsb
    test al, al
    jz .exit
    out dx, al
    jmp .l2
.bad:
    mov al, 'X'
    out dx, al
%endif
.exit:
    mov dx, 0xf4
    xor eax, eax
    out dx, eax
    cli
    hlt
msg: db "PASS bios reset vector", 10, 0
ok:  db "PASS bios alias at E0000", 10, 0
times 0xfff0 - (\$ - seg_f000) db 0xff
    jmp 0xf000:(start - seg_f000)
times 0x10000 - (\$ - seg_f000) db 0
ASM
}
rom rom64 0x10000
run -bios "$T/rom64.bin" "${GUEST[@]}"
[ "$st" = 1 ] && [ "$out" = "PASS bios reset vector" ] && pass bios_64k_reset_vector \
    || fail bios_64k_reset_vector "status $st: $out $err"

rom rom256 0x40000
# put the marker at ROM offset size - 0x20000 (seen at E000:0000)
printf 'ROMM' | dd of="$T/rom256.bin" bs=1 seek=$((0x40000 - 0x20000)) conv=notrunc 2>/dev/null
run -bios "$T/rom256.bin" "${GUEST[@]}"
[ "$st" = 1 ] && [ "$out" = $'PASS bios reset vector\nPASS bios alias at E0000' ] && pass bios_256k_alias \
    || fail bios_256k_alias "status $st: $out $err"
finish
