#!/usr/bin/env bash
# Firmware command lines as QEMU spells them: -chardev with -device
# isa-debugcon and -serial chardev:ID, -device sga, -boot, -fw_cfg; and their
# bad forms (status 2, one line), bad files (status 1).
. "$(dirname "$0")/common.inc"
K=$BUILD/tests/asm/smoke.bin
G1=(-nographic -serial none -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04)

# -- isa-debugcon on a -chardev: the same output as -debugcon
run -kernel "$K" "${G1[@]}" -chardev "file,id=dc,path=$T/dc.txt" -device isa-debugcon,chardev=dc
if [ "$st" = 1 ] && grep -q "PASS loop sum" "$T/dc.txt"; then pass isa_debugcon_chardev_file
else fail isa_debugcon_chardev_file "status $st: $err"; fi
run -kernel "$K" "${G1[@]}" -chardev stdio,id=s -device isa-debugcon,iobase=0xe9,chardev=s
[ "$st" = 1 ] && [[ "$out" == *"PASS loop sum"* ]] && pass isa_debugcon_chardev_stdio || fail isa_debugcon_chardev_stdio "status $st: $err"
# a second console on another port gets nothing from this guest; -serial chardev:ID
run -kernel "$K" "${G1[@]}" -debugcon stdio -chardev "file,id=x,path=$T/x.txt" -device isa-debugcon,iobase=0x402,chardev=x \
    -chardev "file,id=ser,path=$T/ser.txt" -serial chardev:ser
if [ "$st" = 1 ] && [[ "$out" == *"PASS loop sum"* ]] && [ -e "$T/x.txt" ] && [ ! -s "$T/x.txt" ] && [ -e "$T/ser.txt" ]; then
    pass debugcon_two_consoles_and_serial_chardev
else fail debugcon_two_consoles_and_serial_chardev "status $st: $err $(ls "$T")"; fi

# -- bad forms
run -kernel "$K" -chardev pty,id=p;                       expect chardev_backend_unsupported 2 "unsupported backend"
run -kernel "$K" -chardev file,id=f;                       expect chardev_file_needs_path 2 "path="
run -kernel "$K" -chardev stdio;                           expect chardev_needs_id 2 "id="
run -kernel "$K" -chardev null,id=a -chardev null,id=a;    expect chardev_duplicate_id 2 "duplicate"
run -kernel "$K" -chardev socket,id=s,port=4444;           expect chardev_socket_not_server 2 "TCP servers"
run -kernel "$K" -device isa-debugcon;                     expect debugcon_needs_chardev 2 "chardev=ID"
run -kernel "$K" -device isa-debugcon,chardev=nope;        expect debugcon_unknown_chardev 2 "no -chardev with id 'nope'"
run -kernel "$K" -chardev null,id=n -device isa-debugcon,chardev=n -device isa-debugcon,iobase=0x402,chardev=n
expect chardev_used_twice 2 "already in use"
run -kernel "$K" -chardev null,id=n -device isa-debugcon,iobase=0x3f8,chardev=n
expect debugcon_port_taken 1 "taken by"
run -kernel "$K" -serial chardev:nope;                     expect serial_unknown_chardev 2 "no -chardev"
run -kernel "$K" -device sga,foo=1;                        expect sga_no_options 2 "no options"
run -kernel "$K" -device vga;                              expect device_unsupported 2 "unsupported device"
run -kernel "$K" -boot order=x;                            expect boot_bad_drive 2 "order"
run -kernel "$K" -boot cdna;                               expect boot_too_many 2 "order"
run -kernel "$K" -boot menu=maybe;                         expect boot_bad_menu 2 "menu=maybe"
run -kernel "$K" -boot once=d;                             expect boot_unsupported_option 2 "once"
run -kernel "$K" -fw_cfg name=opt/x;                       expect fw_cfg_needs_content 2 "exactly one"
run -kernel "$K" -fw_cfg name=opt/x,file=a,string=b;       expect fw_cfg_both 2 "exactly one"
run -kernel "$K" -fw_cfg file=a;                           expect fw_cfg_needs_name 2 "name="
run -kernel "$K" -fw_cfg name=opt/x,string=a -fw_cfg name=opt/x,string=b; expect fw_cfg_duplicate 2 "duplicate"
run -kernel "$K" -fw_cfg "name=opt/$(printf 'a%.0s' {1..60}),string=a"; expect fw_cfg_name_too_long 2 "55 bytes"
run -kernel "$K" -fw_cfg name=opt/x,file="$T/none";        expect fw_cfg_file_missing 1 "cannot open"
run -kernel "$K" -fw_cfg name=etc/acpi/tables,string=x;    # warning (QEMU's), then the clash
if [ "$st" = 1 ] && [[ "$err" == *'should be prefixed with "opt/"'* ]] && [[ "$err" == *"vdebug: -fw_cfg name=etc/acpi/tables: the item is already there"* ]]; then
    pass fw_cfg_clash_with_board_item
else fail fw_cfg_clash_with_board_item "status $st: $err"; fi

# -- -boot and -fw_cfg accepted on a direct boot too (fw_cfg is always there)
run -kernel "$K" "${G1[@]}" -debugcon stdio -boot order=dc,menu=on,strict=on,reboot-timeout=1000 -fw_cfg opt/a,string=b
[ "$st" = 1 ] && [[ "$out" == *"PASS loop sum"* ]] && pass boot_and_fw_cfg_accepted || fail boot_and_fw_cfg_accepted "status $st: $err"
finish
