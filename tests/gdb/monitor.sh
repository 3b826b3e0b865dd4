#!/usr/bin/env bash
# Every monitor command through GDB's `monitor`, with its output checked,
# plus physical memory access (monitor phys, QEMU's Qqemu.PhyMemMode) and
# unmapped memory reported as an error rather than a guest fault.
source "$(dirname "$0")/gdblib.bash"
gdb_setup
vd_start

gdb_run "$T/out" \
    'monitor help' \
    'break *$after_pte_write' 'continue' 'delete' \
    'monitor info registers' \
    'monitor info gdt' \
    'monitor info ldt' \
    'monitor info tss' \
    'monitor info pg' \
    'monitor info pg 0x300000' \
    'monitor info pg 0xc0100000' \
    'monitor info pg 0x80000000' \
    'monitor info mem' \
    'monitor info tlb' \
    'monitor xp /2xw 0x100000' \
    'monitor x /4xb 0xc0100000' \
    'monitor xp /3d 0x6000' \
    'monitor gva2gpa 0xc0100010' \
    'monitor gva2gpa 0x80000000' \
    'monitor info serial' \
    'monitor bogus' \
    'echo MARK-phys-linear\n' 'x/2xw 0xc0100000' \
    'x/2xw 0x80000000' \
    'monitor phys on' \
    'echo MARK-phys\n' 'x/2xw 0x100000' \
    'x/2xw 0xfe000000' \
    'monitor phys off' \
    'maint packet Qqemu.PhyMemMode:1' 'maint packet qqemu.PhyMemMode' \
    'echo MARK-qemu-phys\n' 'p/x *(unsigned int *)0x100000' \
    'maint packet Qqemu.PhyMemMode:0' \
    'echo MARK-linear-again\n' 'p/x *(unsigned int *)0xc0100000' \
    'break *$sti_hlt' 'continue' 'delete' \
    'monitor info idt' \
    'echo MARK-pic\n' 'monitor info pic' \
    'echo MARK-pit\n' 'monitor info pit' 'echo MARK-pit-end\n' \
    'monitor step irq' \
    'monitor system_reset' 'maintenance flush register-cache' \
    'echo MARK-reset\n' 'p/x $pc' \
    'echo MARK-reset-cr0\n' 'p/x $cr0 & 0x80000000' \
    'monitor quit'
vd_wait

o=$T/out
expect_line "help lists the commands" "$o" '^info registers +all CPU state'
expect_line "info registers: mode line" "$o" '^CPL=0  protected mode, 32-bit code, paging on: 2-level'
expect_line "info registers: hidden segment parts" "$o" '^CS +0008  base 00000000  limit ffffffff  attr 0c09b  code xr A +DPL0 P 32 G'
expect_line "info registers: TR" "$o" '^TR +0028  base 00100980  limit 00002088 .*TSS32 busy'
expect_line "info registers: GDTR/IDTR" "$o" '^IDTR +base 00100170  limit 07ff'
expect_line "info registers: control registers" "$o" '^CR0=80000011  CR2=00000000  CR3=00200000  CR4=00000000'
expect_line "info registers: debug registers" "$o" '^DR6=ffff0ff0  DR7=00000400'
expect_line "info gdt: flat code" "$o" '^   1  0008  00cf9b00 0000ffff  code xr A +base 00000000 limit ffffffff DPL0 P 32 G'
expect_line "info gdt: 16-bit code with a base" "$o" '^   8  0040  00009b0f fff0ffff  code xr A +base 000ffff0 limit 0000ffff DPL0 P 16'
expect_line "info gdt: TSS" "$o" '^   5  0028  .*TSS32 busy +base 00100980 limit 00002088 DPL0 P'
expect_line "info ldt: none" "$o" '^LDT: none'
expect_line "info tss: ring-0 stack" "$o" '^link=0000  esp0=00080000 ss0=0010'
expect_line "info tss: I/O map" "$o" '^T=0  I/O map base=0088'
expect_line "info pg: the directory" "$o" '^  PDE\[ 768\] c0000000-c03fffff  table 00201000  P RW S A'
expect_line "info pg: PDE" "$o" '^  PDE  \[  0\] @ 00200000 = 00201023  P RW S A'
expect_line "info pg: read-only PTE" "$o" '^  PTE  \[768\] @ 00201c00 = 00300001  P R- S'
expect_line "info pg: final mapping" "$o" '-> physical 00300000  \(4 KiB page, read-only supervisor\)'
expect_line "info pg: high mapping" "$o" '-> physical 00100000  \(4 KiB page, writable supervisor\)'
expect_line "info pg: unmapped" "$o" '^  not mapped'
expect_line "info mem: merged range" "$o" '^00000000-00300000 00300000 -rw'
expect_line "info mem: read-only page" "$o" '^00300000-00301000 00001000 -r-'
expect_line "info mem: high half" "$o" '^c0000000-c0300000 00300000 -rw'
expect_line "info tlb: stale entry after a PTE write without invlpg" "$o" '^w +sup  00300000  00300000  .* STALE'
expect_line "info tlb: current entry" "$o" '^x +sup  00103000  00103000  .* ok'
expect_line "xp: physical dump" "$o" '^00100000: 0x1badb002 0x00010003'
expect_line "x: linear dump through paging" "$o" '^c0100000: 0x02 0xb0 0xad 0x1b'
expect_line "xp: decimal words" "$o" '^00006000: +4665 +0 +0'
expect_line "gva2gpa" "$o" '^gpa: 0x100010'
expect_line "gva2gpa unmapped" "$o" '^Unmapped'
expect_line "info serial" "$o" 'serial|COM1'
expect_line "unknown command" "$o" "^unknown command 'bogus'"
expect_line "linear read through the page tables" "$o" '^0xc0100000:[[:space:]]+0x1badb002[[:space:]]+0x00010003'
expect_line "unmapped linear memory is an error" "$o" 'Cannot access memory at address 0x80000000'
expect_line "monitor phys on: physical read" "$o" '^0x100000:[[:space:]]+0x1badb002[[:space:]]+0x00010003'
expect_line "physical read beyond RAM is an error" "$o" 'Cannot access memory at address 0xfe000000'
expect_line "qqemu.PhyMemMode query" "$o" 'received: "1"'
[ "$(val_after "$o" MARK-qemu-phys)" = "0x1badb002" ]; check "Qqemu.PhyMemMode:1 reads physical memory" test $? = 0
[ "$(val_after "$o" MARK-linear-again)" = "0x1badb002" ]; check "Qqemu.PhyMemMode:0 back to linear" test $? = 0
expect_line "info idt: the timer gate" "$o" "^  20     int gate32 +0008:0*${T_HANDLER:-$(sym timer_handler | sed 's/^0x//')}  DPL0 P"
expect_line "info idt: stub runs grouped" "$o" '^  [0-9a-f]{2}-[0-9a-f]{2}  int gate32 .* \+ [0-9]+ per vector'
# device state comes from the devices (their format is theirs): some lines, no error
between() { awk -v a="$2" -v b="$3" '$0 == b { exit } f { print } $0 == a { f = 1 }' "$1"; }
pic=$(between "$o" MARK-pic MARK-pit)
[ -n "$pic" ] && ! grep -q unknown <<<"$pic"; check "info pic" test $? = 0
pit=$(between "$o" MARK-pit MARK-pit-end)
[ -n "$pit" ] && ! grep -q unknown <<<"$pit"; check "info pit" test $? = 0
expect_line "step irq shows its state" "$o" '^step irq is off'
[ "$(val_after "$o" MARK-reset)" = "$(sym start)" ]; check "system_reset re-enters the kernel" test $? = 0
[ "$(val_after "$o" MARK-reset-cr0)" = "0x0" ]; check "system_reset turns paging off" test $? = 0
[ "$VD_STATUS" = 0 ]; check "monitor quit ends vdebug (status $VD_STATUS)" test $? = 0
