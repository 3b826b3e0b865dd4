#!/usr/bin/env bash
# Watchpoints with the real GDB: a write watchpoint on a stack variable, a
# read watchpoint on it, and a write watchpoint on a page-table entry after
# paging is on. Each stops right after the accessing instruction, with the
# address in the T packet (GDB names the watchpoint) and old/new values.
source "$(dirname "$0")/gdblib.bash"
gdb_setup
vd_start

gdb_run "$T/out" \
    'break *$stackvar_ready' 'continue' 'delete' \
    'set $var = $ebp - 4' \
    'watch *(int *)$var' \
    'rwatch *(int *)$var' \
    'continue' \
    'echo MARK-pc-w\n' 'p/x $pc' \
    'continue' \
    'echo MARK-pc-r\n' 'p/x $pc' \
    'delete' \
    'break *$pte_write' 'continue' 'delete' \
    'watch *(unsigned int *)0x201c00' \
    'continue' \
    'echo MARK-pc-pte\n' 'p/x $pc' \
    'echo MARK-pte\n' 'p/x *(unsigned int *)0x201c00' \
    'delete' \
    'awatch *(unsigned int *)$ticks' \
    'continue' \
    'echo MARK-pc-a\n' 'p/x $pc' \
    'delete' \
    'echo MARK-many\n' \
    'watch *(char *)0x500000' 'watch *(char *)0x500001' 'watch *(char *)0x500002' 'watch *(char *)0x500003' \
    'watch *(char *)0x500004' 'watch *(char *)0x500005' 'watch *(char *)0x500006' 'watch *(char *)0x500007' \
    'watch *(unsigned int *)$loop_sum' \
    'continue' \
    'echo MARK-pc-many\n' 'p/x $pc' \
    'kill'

expect_line "stack variable watched by the stub (hardware watchpoint)" "$T/out" '^Hardware watchpoint 2: \*\(int \*\)\$var'
expect_line "write watchpoint on a stack variable: new value" "$T/out" '^New value = 4660$'
expect_line "write watchpoint: old value" "$T/out" '^Old value = 0$'
[ "$(val_after "$T/out" MARK-pc-w)" = "$(sym after_stackvar_write)" ]; check "stops right after the writing instruction" test $? = 0
expect_line "read watchpoint reported by GDB" "$T/out" '^Value = 4660$'
[ "$(val_after "$T/out" MARK-pc-r)" = "$(sym after_stackvar_read)" ]; check "read watchpoint stops after the read" test $? = 0
expect_line "PTE watchpoint: old PTE value" "$T/out" '^Old value = 3145827$'
expect_line "PTE watchpoint: new PTE value" "$T/out" '^New value = 3145729$'
[ "$(val_after "$T/out" MARK-pc-pte)" = "$(sym after_pte_write)" ]; check "PTE watchpoint stops after the write" test $? = 0
expect_line "access watchpoint (timer handler)" "$T/out" 'Hardware access \(read/write\) watchpoint [0-9]+: \*\(unsigned int \*\)\$ticks'
pc=$(val_after "$T/out" MARK-pc-a)
th=$(sym timer_handler)
[ -n "$pc" ] && [ $((pc)) -gt $((th)) ] && [ $((pc)) -le $((th + 8)) ]; check "access watchpoint stops in the handler ($pc)" test $? = 0
# nine watchpoints at once: more than the four debug registers hardware has
expect_line "nine watchpoints accepted" "$T/out" '^Hardware watchpoint 1[0-9]: \*\(unsigned int \*\)\$loop_sum'
lp=$(val_after "$T/out" MARK-pc-many)
bl=$(sym busy_loop)
[ -n "$lp" ] && [ $((lp)) -gt $((bl)) ] && [ $((lp)) -le $((bl + 8)) ]; check "the ninth watchpoint fires in the loop ($lp)" test $? = 0
