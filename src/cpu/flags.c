/* Lazy arithmetic flags. */
#include "cpu/flags.h"

const u8 cpu_parity_table[256] = {
#define P2(n) n, n ^ 1, n ^ 1, n
#define P4(n) P2(n), P2(n ^ 1), P2(n ^ 1), P2(n)
#define P6(n) P4(n), P4(n ^ 1), P4(n ^ 1), P4(n)
    P6(1), P6(0), P6(0), P6(1)
#undef P2
#undef P4
#undef P6
};

static u32 size_of_kind(u32 k) { return 1u << ((k - 1) % 3); } /* 8/16/32 in rows of three */

static u32 compute(struct cpu *c)
{
    const struct lazyflags *l = &c->lf;
    unsigned bytes = size_of_kind(l->kind);
    u32 mask = bytes == 4 ? 0xffffffffu : (1u << (bytes * 8)) - 1;
    u32 sign = 1u << (bytes * 8 - 1);
    u32 res = l->res & mask, a = l->op1 & mask, b = l->op2 & mask;
    u32 f = 0;
    if (cpu_parity_table[res & 0xff]) f |= FL_PF;
    if (res == 0) f |= FL_ZF;
    if (res & sign) f |= FL_SF;
    switch ((l->kind - 1) / 3) {
    case 0: /* ADD */
        if (res < a) f |= FL_CF;
        if ((~(a ^ b) & (a ^ res)) & sign) f |= FL_OF;
        f |= (a ^ b ^ res) & FL_AF;
        break;
    case 1: /* ADC: op2 holds b, carry-in recovered from the result */
        {
            u32 cin = (res - a - b) & 1;
            if (cin ? res <= a : res < a) f |= FL_CF;
            if ((~(a ^ b) & (a ^ res)) & sign) f |= FL_OF;
            f |= (a ^ b ^ res) & FL_AF;
        }
        break;
    case 2: /* SUB */
        if (a < b) f |= FL_CF;
        if (((a ^ b) & (a ^ res)) & sign) f |= FL_OF;
        f |= (a ^ b ^ res) & FL_AF;
        break;
    case 3: /* SBB */
        {
            u32 bin = (a - b - res) & 1;
            if (bin ? a <= b : a < b) f |= FL_CF;
            if (((a ^ b) & (a ^ res)) & sign) f |= FL_OF;
            f |= (a ^ b ^ res) & FL_AF;
        }
        break;
    case 4: /* LOGIC: CF=OF=0, AF undefined (0) */
        break;
    case 5: /* INC: op1 = operand before */
        f |= c->s.eflags & FL_CF;
        if (res == sign) f |= FL_OF;
        f |= (a ^ 1 ^ res) & FL_AF;
        break;
    case 6: /* DEC */
        f |= c->s.eflags & FL_CF;
        if (res == sign - 1) f |= FL_OF;
        f |= (a ^ 1 ^ res) & FL_AF;
        break;
    case 7: /* RES: CF/AF/OF given */
        f |= l->op1 & (FL_CF | FL_AF | FL_OF);
        break;
    }
    return f;
}

void cpu_flags_sync(struct cpu *c)
{
    if (c->lf.kind == LF_NONE) return;
    c->s.eflags = (c->s.eflags & ~FL_ARITH) | compute(c);
    c->lf.kind = LF_NONE;
}

void cpu_set_eflags(struct cpu *c, u32 val, u32 mask)
{
    cpu_flags_sync(c);
    c->s.eflags = ((c->s.eflags & ~mask) | (val & mask) | FL_FIXED1) & ~(0x8u | 0x20u | 0x8000u | 0xffc00000u);
    if (c->s.eflags & FL_TF) c->events |= EV_TF;
    else c->events &= ~EV_TF;
    cpu_irq_update(c);
}

bool cpu_cf(struct cpu *c) { return lf_cf(c); }
bool cpu_zf(struct cpu *c) { return cpu_get_eflags(c) & FL_ZF; }
bool cpu_sf(struct cpu *c) { return cpu_get_eflags(c) & FL_SF; }
bool cpu_of(struct cpu *c) { return cpu_get_eflags(c) & FL_OF; }
bool cpu_pf(struct cpu *c) { return cpu_get_eflags(c) & FL_PF; }

bool cpu_cond(struct cpu *c, int cc)
{
    u32 f = cpu_get_eflags(c);
    bool r;
    switch (cc >> 1) {
    case 0: r = f & FL_OF; break;
    case 1: r = f & FL_CF; break;
    case 2: r = f & FL_ZF; break;
    case 3: r = f & (FL_CF | FL_ZF); break;
    case 4: r = f & FL_SF; break;
    case 5: r = f & FL_PF; break;
    case 6: r = !!(f & FL_SF) != !!(f & FL_OF); break;
    default: r = (f & FL_ZF) || (!!(f & FL_SF) != !!(f & FL_OF)); break;
    }
    return r ^ (cc & 1);
}
