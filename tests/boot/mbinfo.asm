; A multiboot kernel that prints what its loader gave it on port 0xE9:
; EAX, the info flags, mem_lower/upper, the boot device, the command line,
; each module's bounds, size and string, the loader name and the memory map;
; then exits through isa-debug-exit (0xF4). tests/boot/firmware.sh boots it
; through SeaBIOS and QEMU's multiboot_dma.bin under vdebug and QEMU and
; compares the two outputs.
%include "mb.inc"
section .text
start:
    mov edi, ebx
    puts "eax="
    call mb_print_hex
    puts 10, "flags="
    mov eax, [edi]
    call mb_print_hex
    puts 10, "mem_lower="
    mov eax, [edi + 4]
    call mb_print_hex
    puts " mem_upper="
    mov eax, [edi + 8]
    call mb_print_hex
    puts 10, "boot_device="
    mov eax, [edi + 12]
    call mb_print_hex
    puts 10, "cmdline="
    mov esi, [edi + 16]
    call mb_print
    puts 10, "loader="
    mov esi, [edi + 64]
    call mb_print
    puts 10
    mov ecx, [edi + 20]
    mov ebx, [edi + 24]
.mod: jecxz .mods_done
    puts "module start="
    mov eax, [ebx]
    call mb_print_hex
    puts " size="
    mov eax, [ebx + 4]
    sub eax, [ebx]
    call mb_print_hex
    puts " first="
    mov eax, [ebx]
    mov eax, [eax]
    call mb_print_hex
    puts " string="
    mov esi, [ebx + 8]
    call mb_print
    puts 10
    add ebx, 16
    dec ecx
    jmp .mod
.mods_done:
    mov ebx, [edi + 48]          ; mmap
    mov ecx, [edi + 44]
    add ecx, ebx
.mm: cmp ebx, ecx
    jae .mm_done
    puts "mmap base="
    mov eax, [ebx + 4]
    call mb_print_hex
    puts " len="
    mov eax, [ebx + 12]
    call mb_print_hex
    puts " type="
    mov eax, [ebx + 20]
    call mb_print_hex
    puts 10
    add ebx, [ebx]
    add ebx, 4
    jmp .mm
.mm_done:
    EXIT
