#!/usr/bin/env bash
# Guests that run: exit status, output backends, logs, watchdog, halts,
# triple faults and resets, serial input.
. "$(dirname "$0")/common.inc"

# -- smoke guest through multiboot: PASS lines on debugcon, exit status 1
run -kernel "$BUILD/tests/asm/smoke.bin" "${GUEST[@]}"
if [ "$st" = 1 ] && [[ "$out" == *"PASS loop sum 1..10"* ]] && ! grep -q FAIL "$T/out"; then
    pass smoke_multiboot_exit_status
else fail smoke_multiboot_exit_status "status $st: $out $err"; fi

# -- QEMU flags with the same meaning are accepted
run -kernel "$BUILD/tests/asm/smoke.bin" "${GUEST[@]}" -machine pc -smp 1 -display none -nodefaults
[ "$st" = 1 ] && [[ "$out" == *"PASS loop sum"* ]] && pass qemu_flags_accepted || fail qemu_flags_accepted "status $st: $err"

# -- -bios with -kernel: the firmware boots the kernel through fw_cfg (as
# QEMU: SeaBIOS runs QEMU's multiboot_dma.bin, which enters the kernel)
if [ -r /usr/share/seabios/bios-256k.bin ] && [ -r /usr/share/qemu/multiboot_dma.bin ]; then
    run -kernel "$BUILD/tests/asm/smoke.bin" "${GUEST[@]}" -bios /usr/share/seabios/bios-256k.bin
    [ "$st" = 1 ] && [[ "$out" == *"PASS loop sum"* ]] && pass bios_and_multiboot_kernel \
        || fail bios_and_multiboot_kernel "status $st: $err"
else
    echo "SKIP bios_and_multiboot_kernel: Debian's seabios or qemu-system-data is not installed"
fi

# -- ELF32 kernel (program headers) reports through debugcon and exits with 0x21 -> 0x43
asm elf <<'ASM'
bits 32
org 0x100000
ehdr: db 0x7f, "ELF", 1, 1, 1, 0
      times 8 db 0
      dw 2, 3
      dd 1, start, phdr - $$, 0, 0
      dw 52, 32, 1, 0, 0, 0
phdr: dd 1, 0, $$, $$, file_end - $$, file_end - $$, 7, 0x1000
align 4
      dd 0x1BADB002, 3, -(0x1BADB002 + 3)
start:
      mov esi, msg
      mov dx, 0xe9
.l:   mov al, [esi]
      cmp al, 0
      je .done
      out dx, al
      inc esi
      jmp .l
.done:
      mov dx, 0xf4
      mov eax, 0x21
      out dx, eax
      hlt
msg:  db "PASS elf kernel", 10, 0
file_end:
ASM
run -kernel "$T/elf.bin" "${GUEST[@]}"
[ "$st" = 67 ] && [ "$out" = "PASS elf kernel" ] && pass elf_kernel_exit_value || fail elf_kernel_exit_value "status $st: $out $err"

# -- QEMU's default exit port 0x501 when iobase is not given
asm exit501 <<'ASM'
%include "mb.inc"
start:
    mov dx, 0x501
    mov al, 3
    out dx, al
    hlt
ASM
run -kernel "$T/exit501.bin" -serial none -device isa-debug-exit
[ "$st" = 7 ] && pass exit_device_default_iobase || fail exit_device_default_iobase "status $st: $err"

# -- serial and debugcon to files
asm hello <<'ASM'
%include "mb.inc"
start:
    mov esi, smsg
    mov dx, 0x3f8
.s: lodsb
    test al, al
    jz .d
    out dx, al
    jmp .s
.d: puts "to debugcon", 10
    EXIT
smsg: db "hello serial", 10, 0
section .rodata_strs
ASM
run -kernel "$T/hello.bin" -serial "file:$T/serial.txt" -debugcon "file:$T/dcon.txt" -no-reboot \
    -device isa-debug-exit,iobase=0xf4,iosize=4
[ "$st" = 1 ] && [ "$(cat "$T/serial.txt")" = "hello serial" ] && [ -z "$out" ] \
    && pass serial_file_backend || fail serial_file_backend "status $st: $(cat "$T/serial.txt" 2>&1)"
[ "$(cat "$T/dcon.txt" 2>&1)" = "to debugcon" ] && pass debugcon_file_backend \
    || fail debugcon_file_backend "$(cat "$T/dcon.txt" 2>&1)"
run -kernel "$T/hello.bin" -serial stdio -debugcon none -device isa-debug-exit,iobase=0xf4
[ "$st" = 1 ] && [ "$out" = "hello serial" ] && pass serial_stdio_backend || fail serial_stdio_backend "status $st: $out"
run -kernel "$T/hello.bin" -debugcon none -device isa-debug-exit,iobase=0xf4
[ "$st" = 1 ] && [ "$out" = "hello serial" ] && pass serial_defaults_to_stdio || fail serial_defaults_to_stdio "status $st: $out"

# -- -d in_asm -D FILE: the log goes to the file, not to stderr
run -kernel "$BUILD/tests/asm/smoke.bin" "${GUEST[@]}" -d in_asm,int -D "$T/log.txt"
if [ "$st" = 1 ] && grep -qi "out" "$T/log.txt" && [ -z "$err" ]; then pass log_to_file
else fail log_to_file "status $st, stderr '$err', log $(head -c 200 "$T/log.txt")"; fi

# -- -append and -initrd reach the kernel through the multiboot info block
asm mbinfo <<'ASM'
%include "mb.inc"
start:
    mov esi, [ebx + 16]          ; cmdline
    call mb_print
    puts 10
    CHECK_EQ dword [ebx + 20], 1, "one module"
    mov eax, [ebx + 24]
    mov eax, [eax]               ; mod_start
    CHECK_EQ dword [eax], 'MODD', "module contents"
    mov eax, [ebx + 24]
    mov esi, [eax + 8]           ; module string
    call mb_print
    puts 10
    EXIT
section .rodata_strs
ASM
printf 'MODDATA' >"$T/mod.bin"
run -kernel "$T/mbinfo.bin" "${GUEST[@]}" -append "console=ttyS0 quiet" -initrd "$T/mod.bin arg1"
want="$T/mbinfo.bin console=ttyS0 quiet
PASS one module
PASS module contents
$T/mod.bin arg1"
[ "$st" = 1 ] && [ "$out" = "$want" ] && pass append_and_initrd_reach_kernel \
    || fail append_and_initrd_reach_kernel "status $st: $out $err"

# -- -d unimp logs unmapped port accesses
asm unmapped <<'ASM'
%include "mb.inc"
start:
    mov dx, 0x5555
    in al, dx
    EXIT
ASM
run -kernel "$T/unmapped.bin" "${GUEST[@]}" -d unimp -D "$T/unimp.log"
[ "$st" = 1 ] && grep -q "unmapped port read 0x5555" "$T/unimp.log" && pass d_unimp_logs_unmapped_port \
    || fail d_unimp_logs_unmapped_port "status $st: $(cat "$T/unimp.log" 2>&1)"

# -- the RTC starts at a fixed date (deterministic) or at -rtc base=...
asm rtc <<'ASM'
%include "mb.inc"
%macro CMOS 1
    mov al, %1
    out 0x70, al
    in al, 0x71
%endmacro
start:
    CMOS 0x09                    ; year (BCD)
    shl eax, 8
    CMOS 0x08                    ; month
    shl eax, 8
    CMOS 0x07                    ; day
    shl eax, 8
    CMOS 0x04                    ; hours
    call mb_print_hex
    puts 10
    EXIT
section .rodata_strs
ASM
run -kernel "$T/rtc.bin" "${GUEST[@]}"
[ "$st" = 1 ] && [ "$out" = 26010100 ] && pass rtc_fixed_default_date || fail rtc_fixed_default_date "status $st: $out"
run -kernel "$T/rtc.bin" "${GUEST[@]}" -rtc base=2020-02-03T04:05:06,clock=vm
[ "$st" = 1 ] && [ "$out" = 20020304 ] && pass rtc_base_date || fail rtc_base_date "status $st: $out"

# -- -icount-limit stops a spinning guest
asm spin <<'ASM'
%include "mb.inc"
start:
    jmp start
ASM
run -kernel "$T/spin.bin" "${GUEST[@]}" -icount-limit 100000
expect icount_limit_stops_spin 124 "instruction limit reached (-icount-limit 100000)"

# -- HLT with IF=0 and no exit: a clean stop with a message
asm cli_hlt <<'ASM'
%include "mb.inc"
start:
    cli
    hlt
ASM
run -kernel "$T/cli_hlt.bin" "${GUEST[@]}"
expect halted_with_interrupts_disabled 0 "guest halted with interrupts disabled"

# -- triple fault under -no-reboot: shutdown, status 0 (as QEMU)
asm triple <<'ASM'
%include "mb.inc"
start:
    lidt [idt0]
    int3
idt0: dw 0
      dd 0
ASM
run -kernel "$T/triple.bin" "${GUEST[@]}"
expect triple_fault_no_reboot 0 "triple fault"

# -- without -no-reboot, a triple fault and every reset request reboot the
# machine; the boot count lives in CMOS RAM (byte 0x40), which survives reset.
asm resets <<'ASM'
%include "mb.inc"
start:
    mov al, 0x40
    out 0x70, al
    in al, 0x71
    movzx ebx, al
    inc al
    out 0x71, al
    mov al, bl
    add al, '0'
    out 0xe9, al
    cmp ebx, 0
    je .triple
    cmp ebx, 1
    je .kbc
    cmp ebx, 2
    je .cf9
    cmp ebx, 3
    je .p92
    puts 10, "PASS all resets rebooted", 10
    EXIT
.triple:
    lidt [idt0]
    int3
.kbc:
    mov al, 0xfe
    out 0x64, al
    jmp $
.cf9:
    mov dx, 0xcf9
    mov al, 0x06
    out dx, al
    jmp $
.p92:
    in al, 0x92
    or al, 1
    out 0x92, al
    jmp $
idt0: dw 0
      dd 0
section .rodata_strs
ASM
run -kernel "$T/resets.bin" -serial none -debugcon stdio -device isa-debug-exit,iobase=0xf4,iosize=4 -icount-limit 1000000
[ "$st" = 1 ] && [ "$out" = $'01234\nPASS all resets rebooted' ] && pass reset_paths_reboot \
    || fail reset_paths_reboot "status $st: $out $err"
run -kernel "$T/resets.bin" "${GUEST[@]}"
[ "$st" = 0 ] && [ "$out" = 0 ] && [[ "$err" == *"triple fault"* ]] && pass no_reboot_stops_at_first_reset \
    || fail no_reboot_stops_at_first_reset "status $st: $out $err"

# -- a reset request under -no-reboot is a shutdown too
asm kbc_reset <<'ASM'
%include "mb.inc"
start:
    mov al, 0xfe
    out 0x64, al
    jmp $
ASM
run -kernel "$T/kbc_reset.bin" "${GUEST[@]}"
expect reset_request_no_reboot 0 "reset request"

# -- a guest that faults before retiring an instruction would reset forever
asm ud2 <<'ASM'
%include "mb.inc"
start:
    ud2
ASM
run -kernel "$T/ud2.bin" -serial none -device isa-debug-exit,iobase=0xf4
expect triple_fault_reset_loop_ends 0 "reset loop"

# -- serial input from stdin reaches the guest's UART
asm echo <<'ASM'
%include "mb.inc"
start:
    mov dx, 0x3fd
.wait:
    in al, dx
    test al, 1
    jz .wait
    mov dx, 0x3f8
    in al, dx
    puts "got "
    out 0xe9, al
    puts 10
    EXIT
section .rodata_strs
ASM
out=$(printf 'x' | "$VDEBUG" "${ACCEL[@]}" -kernel "$T/echo.bin" -serial stdio -debugcon "file:$T/echo.txt" \
      -device isa-debug-exit,iobase=0xf4,iosize=4 2>&1); st=$?
[ "$st" = 1 ] && [ "$(cat "$T/echo.txt")" = "got x" ] && pass serial_input_from_stdin \
    || fail serial_input_from_stdin "status $st: $out / $(cat "$T/echo.txt" 2>&1)"
finish
