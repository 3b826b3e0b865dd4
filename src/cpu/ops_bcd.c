/*
 * Decimal adjust: DAA DAS AAA AAS AAM AAD, and SALC. Algorithms as in the
 * Intel SDM's pseudo-code (386+ forms: AAA/AAS adjust AX as a whole).
 *
 * Undefined flags, what vdebug produces:
 *  - DAA/DAS: OF = 0.
 *  - AAA/AAS: SF/ZF/PF from the final AL, OF = 0.
 *  - AAM/AAD: CF = AF = OF = 0.
 */
#include "cpu/ops.h"

/* CF/AF/OF explicit, SF/ZF/PF from the byte result */
static void bcd_flags(struct cpu *c, u32 al, u32 cfaf)
{
    lf_set(c, LF_RES8, al & 0xff, cfaf, 0);
}

static HANDLER(h_daa)
{
    u32 f = cpu_get_eflags(c), al = cpu_reg8(c, R_EAX), old = al, out = 0;
    if ((al & 0xf) > 9 || (f & FL_AF)) {
        al += 6;
        out |= FL_AF | ((f & FL_CF) || al > 0xff ? FL_CF : 0);
    }
    if (old > 0x99 || (f & FL_CF)) {
        al += 0x60;
        out |= FL_CF;
    } else {
        out &= ~FL_CF;
    }
    cpu_set_reg8(c, R_EAX, (u8)al);
    bcd_flags(c, al, out);
}

static HANDLER(h_das)
{
    u32 f = cpu_get_eflags(c), al = cpu_reg8(c, R_EAX), old = al, out = 0;
    if ((al & 0xf) > 9 || (f & FL_AF)) {
        out |= FL_AF | ((f & FL_CF) || al < 6 ? FL_CF : 0);
        al -= 6;
    }
    if (old > 0x99 || (f & FL_CF)) {
        al -= 0x60;
        out |= FL_CF;
    }
    cpu_set_reg8(c, R_EAX, (u8)al);
    bcd_flags(c, al, out);
}

static HANDLER(h_aaa)
{
    u32 f = cpu_get_eflags(c), ax = cpu_reg16(c, R_EAX), out = 0;
    if ((ax & 0xf) > 9 || (f & FL_AF)) {
        ax += 0x106;
        out = FL_AF | FL_CF;
    }
    ax &= 0xff0f;
    cpu_set_reg16(c, R_EAX, (u16)ax);
    bcd_flags(c, ax, out);
}

static HANDLER(h_aas)
{
    u32 f = cpu_get_eflags(c), ax = cpu_reg16(c, R_EAX), out = 0;
    if ((ax & 0xf) > 9 || (f & FL_AF)) {
        ax = (ax - 6) & 0xffff; /* the borrow reaches AH, as the SDM writes it */
        ax = (ax & 0xff) | ((((ax >> 8) - 1) & 0xff) << 8);
        out = FL_AF | FL_CF;
    }
    ax &= 0xff0f;
    cpu_set_reg16(c, R_EAX, (u16)ax);
    bcd_flags(c, ax, out);
}

static HANDLER(h_aam)
{
    u32 base = i->imm & 0xff, al = cpu_reg8(c, R_EAX);
    if (base == 0) cpu_raise_ne(c, EXC_DE);
    u32 ax = ((al / base) << 8) | (al % base);
    cpu_set_reg16(c, R_EAX, (u16)ax);
    lf_set(c, LF_LOGIC8, ax & 0xff, 0, 0);
}

static HANDLER(h_aad)
{
    u32 base = i->imm & 0xff;
    u32 al = (cpu_reg8(c, R_EAX) + cpu_reg8(c, 4 /* AH */) * base) & 0xff;
    cpu_set_reg16(c, R_EAX, (u16)al);
    lf_set(c, LF_LOGIC8, al, 0, 0);
}

static HANDLER(h_salc) { cpu_set_reg8(c, R_EAX, lf_cf(c) ? 0xff : 0); }

void ops_bcd_init(void)
{
    REG_1(DAA, h_daa);
    REG_1(DAS, h_das);
    REG_1(AAA, h_aaa);
    REG_1(AAS, h_aas);
    REG_1(AAM_Ib, h_aam);
    REG_1(AAD_Ib, h_aad);
    REG_1(SALC, h_salc);
}
