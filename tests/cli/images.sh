#!/usr/bin/env bash
# Bad images: one clear "vdebug: " line, exit status 1, nothing half-started
# (no output file created, no guest output).
. "$(dirname "$0")/common.inc"

# ELF32 kernel with one PT_LOAD at 1 MiB; MEMSZ sets its memory size.
elf() { # name memsz
    asm "$1" <<ASM
bits 32
org 0x100000
ehdr: db 0x7f, "ELF", 1, 1, 1, 0
      times 8 db 0
      dw 2, 3
      dd 1, start, phdr - \$\$, 0, 0
      dw 52, 32, 1, 0, 0, 0
phdr: dd 1, 0, \$\$, \$\$, file_end - \$\$, $2, 7, 0x1000
align 4
      dd 0x1BADB002, 3, -(0x1BADB002 + 3)
start:
      mov dx, 0xf4
      mov eax, 0
      out dx, eax
      hlt
      times 512 db 0x90
file_end:
ASM
}
# a.out-kludge image loaded at ADDR
aout() { # name addr
    asm "$1" <<ASM
bits 32
org $2
hdr:  dd 0x1BADB002, 0x10003, -(0x1BADB002 + 0x10003)
      dd hdr, hdr, 0, 0, start
start: hlt
ASM
}

run -kernel "$T/nope.elf";                       expect kernel_missing 1 "cannot open kernel"
echo "just some text, not a kernel" >"$T/text"
run -kernel "$T/text";                           expect kernel_not_an_image 1 "neither a multiboot kernel"
head -c 1024 /dev/zero >"$T/bz"; printf 'HdrS' | dd of="$T/bz" bs=1 seek=$((0x202)) conv=notrunc 2>/dev/null
run -kernel "$T/bz";                             expect kernel_bzimage_broken 1 "broken Linux kernel image"
run -kernel "$T";                                expect kernel_is_directory 1 "not a regular file"

elf good 0x1000
head -c 300 "$T/good.bin" >"$T/trunc.bin"
run -kernel "$T/trunc.bin";                      expect kernel_truncated_elf 1 "truncated"
aout vga 0xA0000
run -kernel "$T/vga.bin";                        expect kernel_overlaps_vga_hole 1 "hole"
aout low_bios 0xF8000
run -kernel "$T/low_bios.bin";                   expect kernel_overlaps_bios_area 1 "hole"
elf huge 0x800000
run -m 4M -kernel "$T/huge.bin";                 expect kernel_larger_than_ram 1 "does not fit in 4 MiB"
head -c $((3 << 20)) /dev/zero >"$T/big"
run -m 2M -kernel "$T/big";                      expect kernel_file_larger_than_ram 1 "larger than"
run -kernel "$T/good.bin" -initrd "$T/nomod arg"; expect module_missing 1 "cannot open module '$T/nomod'"

head -c 65537 /dev/zero >"$T/rom_odd"
run -bios "$T/rom_odd";                          expect bios_not_64k_multiple 1 "64 KiB"
head -c $((17 << 20)) /dev/zero >"$T/rom_big"
run -bios "$T/rom_big";                          expect bios_too_large 1 "too large"
run -bios "$T/nope.rom";                         expect bios_missing 1 "cannot open BIOS"
head -c 65536 /dev/zero >"$T/rom"
run -bios "$T/rom" -initrd "$T/good.bin";        expect initrd_without_kernel 1 "need -kernel"

run -kernel "$T/good.bin" -device isa-debug-exit,iobase=0x3f6,iosize=4; expect exit_device_port_taken 1 "taken by"
run -kernel "$T/good.bin" -serial file:/nonexistent/dir/out; expect serial_file_unwritable 1 "cannot open"
run -kernel "$T/good.bin" -D /nonexistent/dir/log; expect log_file_unwritable 1 "-D"

# nothing half-started: a bad kernel must not create the serial/debugcon files
run -kernel "$T/text" -serial "file:$T/s.txt" -debugcon "file:$T/d.txt"
if [ "$st" = 1 ] && [ ! -e "$T/s.txt" ] && [ ! -e "$T/d.txt" ]; then pass no_files_on_error
else fail no_files_on_error "status $st, files: $(ls "$T")"; fi
finish
