#!/usr/bin/env bash
# Real GDB against vdebug -S: registers and the target description,
# breakpoints before and after paging is enabled (software breakpoints never
# write guest memory), memory writes, and the guest's exit reported as W.
source "$(dirname "$0")/gdblib.bash"
gdb_setup
vd_start

gdb_run "$T/out" \
    'echo MARK-eip\n' 'p/x $eip' \
    'echo MARK-eax\n' 'p/x $eax' \
    'set breakpoint always-inserted on' \
    'break *$bp_before_paging' 'break *$bp_after_paging' \
    'echo MARK-bytes\n' 'p/x *(unsigned char *)$bp_before_paging' \
    'eval "monitor xp /1xb %d", $bp_before_paging' \
    'continue' \
    'echo MARK-pc1\n' 'p/x $pc' \
    'echo MARK-cr0-1\n' 'p/x $cr0' \
    'continue' \
    'echo MARK-pc2\n' 'p/x $pc' \
    'echo MARK-cr0-2\n' 'p/x $cr0' \
    'echo MARK-cr3\n' 'p/x $cr3' \
    'echo MARK-high\n' 'p/x *(unsigned int *)0xC0100000' \
    'info registers cr0 efer gdtr_base fs_base' \
    'echo MARK-regs\n' 'info registers' 'info registers fctrl fstat mxcsr xmm0 st0 dr6' \
    'delete' \
    'set {unsigned int}$spin_flag = 0' \
    'set var $eax = 0x1234' \
    'echo MARK-seteax\n' 'p/x $eax' \
    'continue'
vd_wait

start=$(sym start)
[ "$(val_after "$T/out" MARK-eip)" = "$start" ]; check "stopped at the multiboot entry ($start)" test $? = 0
[ "$(val_after "$T/out" MARK-eax)" = "0x2badb002" ]; check "EAX holds the multiboot magic" test $? = 0
[ "$(val_after "$T/out" MARK-pc1)" = "$(sym bp_before_paging)" ]; check "breakpoint before paging" test $? = 0
cr0=$(val_after "$T/out" MARK-cr0-1)
[ $((cr0 & 0x80000001)) = 1 ]; check "CR0: protected mode, paging off ($cr0)" test $? = 0
[ "$(val_after "$T/out" MARK-pc2)" = "$(sym bp_after_paging)" ]; check "breakpoint after paging" test $? = 0
cr0=$(val_after "$T/out" MARK-cr0-2)
[ $((cr0 & 0x80000001)) = $((0x80000001)) ]; check "CR0.PG set at the second stop" test $? = 0
[ "$(val_after "$T/out" MARK-cr3)" = "0x200000" ]; check "CR3 is the guest's page directory" test $? = 0
[ "$(val_after "$T/out" MARK-high)" = "0x1badb002" ]; check "reads go through the guest's page tables" test $? = 0
# the monitor reads guest memory behind GDB's back (GDB would hide its own
# int3 bytes): the byte under an inserted breakpoint is the original
expect_line "breakpoint leaves guest memory untouched (push ebp = 0x55)" "$T/out" "^00$(sym bp_before_paging | sed 's/^0x//'): 0x55\$"
# GDB reads the original byte at a breakpoint: the guest never sees an int3
b=$(val_after "$T/out" MARK-bytes)
[ -n "$b" ] && [ "$b" != "0xcc" ]; check "breakpoint does not show as int3 in memory ($b)" test $? = 0
expect_line "system registers in the description" "$T/out" '^efer +0x0'
expect_line "segment registers shown" "$T/out" '^cs +0x8 '
expect_line "eflags decoded" "$T/out" '^eflags +0x[0-9a-f]+ +\['
expect_line "x87 control word present" "$T/out" '^fctrl +0x[0-9a-f]+ '
expect_line "SSE MXCSR present (reset value)" "$T/out" '^mxcsr +0x1f80 '
expect_line "XMM registers present" "$T/out" '^xmm0 +\{v4_float'
expect_line "debug register DR6 (reset value)" "$T/out" '^dr6 +0xffff0ff0 +4294905840'
[ "$(val_after "$T/out" MARK-seteax)" = "0x1234" ]; check "register write (P)" test $? = 0
expect_line "guest exit reported to GDB" "$T/out" 'exited with code 01'
[ "$VD_STATUS" = 1 ]; check "vdebug exits with the guest's status" test $? = 0
expect_line "guest ran to completion after the breakpoints" "$T/debugcon" 'PASS many timer interrupts'
