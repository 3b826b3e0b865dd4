/*
 * I/O permission: in protected mode with CPL > IOPL, and always in v86
 * mode, a port access needs clear bits in the TSS I/O permission bitmap for
 * every byte of the access; a map beyond the TSS limit (or a 16-bit TSS)
 * denies everything.
 */
#include "cpu/prot.h"
#include "cpu/flags.h"

void cpu_io_check(struct cpu *c, u16 port, unsigned size)
{
    if (!cpu_pm(c)) return;
    if (!cpu_v86(c) && c->s.cpl <= ((c->s.eflags >> 12) & 3)) return;   /* IOPL is never lazy */
    const struct seg *tr = &c->s.tr;
    if (!(SEG_ATTR_TYPE(tr->attr) & 8) || tr->limit < 0x67 || (tr->attr & SEG_ATTR_UNUSABLE))
        cpu_raise(c, EXC_GP, 0);
    u32 iobase = cpu_sysrd(c, tr->base + 0x66, 2);
    u32 off = iobase + port / 8u;
    /* two bytes are read: an access may straddle a byte of the map */
    if (off + 1 > tr->limit) cpu_raise(c, EXC_GP, 0);
    u32 bits = cpu_sysrd(c, tr->base + off, 2);
    u32 mask = ((1u << size) - 1) << (port & 7);
    if (bits & mask) cpu_raise(c, EXC_GP, 0);
}
