/*
 * Bit operations: BT BTS BTR BTC (register and immediate bit offsets),
 * BSF/BSR, BSWAP, SETcc.
 *
 * BT* with a register bit offset and a memory operand address the bit
 * string beyond the operand: the offset is signed, the operand at
 * EA + size * (offset >> log2(bits)) is accessed. The immediate form only
 * uses the offset modulo the operand width.
 *
 * Undefined flags, what vdebug produces:
 *  - BT*: only CF changes (OF/SF/AF/PF keep their values).
 *  - BSF/BSR: only ZF changes. A zero source sets ZF and leaves the
 *    destination unchanged (as the P6 does).
 * BSWAP with 16-bit operand size (undefined): the low word becomes 0, the
 * upper word is kept (what Intel and AMD hardware do).
 */
#include "cpu/ops.h"

enum { BT_T, BT_S, BT_R, BT_C };

OPS_INLINE u32 bt_apply(struct cpu *c, int op, u32 v, unsigned bit)
{
    u32 m = 1u << bit;
    flags_put(c, (v >> bit) & 1, FL_CF);
    switch (op) {
    case BT_S: return v | m;
    case BT_R: return v & ~m;
    case BT_C: return v ^ m;
    default: return v;
    }
}

/* imm: the bit offset is the immediate, else the G register */
OPS_INLINE void bt_E(struct cpu *c, const struct x86_insn *i, int op, bool imm, unsigned sz, bool mem)
{
    unsigned bits = sz * 8;
    u32 off = imm ? i->imm : reg_get(c, i->reg, sz);
    if (!mem) {
        u32 v = reg_get(c, i->rm, sz), r = bt_apply(c, op, v, off & (bits - 1));
        if (op != BT_T) reg_put(c, i->rm, sz, r);
        return;
    }
    u32 ea = cpu_ea(c, i);
    if (!imm) {
        i32 so = (i32)sz_sext(off, sz);
        ea += (u32)((so >> (sz == 2 ? 4 : 5)) * (i32)sz);
        if (i->asize == 2) ea &= 0xffff;
    }
    if (op == BT_T) {
        bt_apply(c, op, mem_get(c, i->seg, ea, sz), off & (bits - 1));
        return;
    }
    u32 v = mem_getw(c, i->seg, ea, sz);
    mem_put(c, i->seg, ea, sz, bt_apply(c, op, v, off & (bits - 1)));
}
GEN_V(h_bt_EvGv, bt_E(c, i, BT_T, false, SZ, MEM))
GEN_V(h_bts_EvGv, bt_E(c, i, BT_S, false, SZ, MEM))
GEN_V(h_btr_EvGv, bt_E(c, i, BT_R, false, SZ, MEM))
GEN_V(h_btc_EvGv, bt_E(c, i, BT_C, false, SZ, MEM))
GEN_V(h_bt_EvIb, bt_E(c, i, BT_T, true, SZ, MEM))
GEN_V(h_bts_EvIb, bt_E(c, i, BT_S, true, SZ, MEM))
GEN_V(h_btr_EvIb, bt_E(c, i, BT_R, true, SZ, MEM))
GEN_V(h_btc_EvIb, bt_E(c, i, BT_C, true, SZ, MEM))

OPS_INLINE void bsx_GE(struct cpu *c, const struct x86_insn *i, bool rev, unsigned sz, bool mem)
{
    u32 off = 0, v = e_get(c, i, sz, mem, &off);
    if (v == 0) {
        flags_put(c, FL_ZF, FL_ZF);
        return;
    }
    reg_put(c, i->reg, sz, rev ? 31u - (u32)__builtin_clz(v) : (u32)__builtin_ctz(v));
    flags_put(c, 0, FL_ZF);
}
GEN_V(h_bsf_GvEv, bsx_GE(c, i, false, SZ, MEM))
GEN_V(h_bsr_GvEv, bsx_GE(c, i, true, SZ, MEM))

GEN_S(h_bswap_Zd, if (SZ == 4) c->s.gpr[i->reg] = __builtin_bswap32(c->s.gpr[i->reg]);
      else cpu_set_reg16(c, i->reg, 0))

/* SETcc: one handler per condition, chosen at decode time */
#define SETCC(cc) \
    static HANDLER(h_setcc_r##cc) { cpu_set_reg8(c, i->rm, cpu_cond_fast(c, cc)); } \
    static HANDLER(h_setcc_m##cc) { cpu_wr8(c, i->seg, cpu_ea(c, i), cpu_cond_fast(c, cc)); }
#define CC16(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15)
CC16(SETCC)
#define SETCC_ROW(cc) {h_setcc_r##cc, h_setcc_m##cc},
static const cpu_handler setcc_tab[16][2] = {CC16(SETCC_ROW)};
static cpu_handler sel_setcc(const struct x86_insn *i) { return setcc_tab[i->cc & 15][i->mod != 3]; }

void ops_bit_init(void)
{
    REG_V(BT_EvGv, h_bt_EvGv);
    REG_V(BTS_EvGv, h_bts_EvGv);
    REG_V(BTR_EvGv, h_btr_EvGv);
    REG_V(BTC_EvGv, h_btc_EvGv);
    REG_V(BT_EvIb, h_bt_EvIb);
    REG_V(BTS_EvIb, h_bts_EvIb);
    REG_V(BTR_EvIb, h_btr_EvIb);
    REG_V(BTC_EvIb, h_btc_EvIb);
    REG_V(BSF_GvEv, h_bsf_GvEv);
    REG_V(BSR_GvEv, h_bsr_GvEv);
    REG_S(BSWAP_Zd, h_bswap_Zd);
    cpu_register_selector(X86_OP_SETCC_Eb, sel_setcc);
}
