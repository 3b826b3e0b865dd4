/*
 * Inspection of the guest's protection and paging state for the monitor:
 * descriptor tables, gates, the TSS, page walks, mapped ranges, the TLB and
 * memory dumps. Everything reads through the vcpu interface (debug reads
 * never fault the guest) and prints through mon_printf.
 */
#ifndef VD_DEBUG_INSPECT_H
#define VD_DEBUG_INSPECT_H
#include "debug/monitor.h"
#include "base/types.h"

void inspect_registers(struct monitor *mon);
void inspect_gdt(struct monitor *mon);
void inspect_ldt(struct monitor *mon);
void inspect_idt(struct monitor *mon);
void inspect_tss(struct monitor *mon);
void inspect_pg(struct monitor *mon, u32 lin);
void inspect_pg_dir(struct monitor *mon);   /* info pg without an address */
void inspect_mem(struct monitor *mon);
void inspect_tlb(struct monitor *mon);
void inspect_gva2gpa(struct monitor *mon, u32 lin);
/* fmt: 'x' 'd' 'u' 'o' 'c' 'i' (bytes as text), size 1/2/4/8; physical when phys. */
void inspect_dump(struct monitor *mon, u64 addr, unsigned count, char fmt, unsigned size, bool phys);

#endif
