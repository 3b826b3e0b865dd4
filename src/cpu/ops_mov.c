/*
 * Data movement: MOV (register, memory, moffs, immediate), LEA, MOVZX/MOVSX,
 * CBW/CWDE, CWD/CDQ, CMOVcc, XLAT. None of these touches the flags.
 */
#include "cpu/ops.h"

GEN_B(h_mov_EbGb, e_put(c, i, SZ, MEM, MEM ? cpu_ea(c, i) : 0, reg_get(c, i->reg, SZ)))
GEN_V(h_mov_EvGv, e_put(c, i, SZ, MEM, MEM ? cpu_ea(c, i) : 0, reg_get(c, i->reg, SZ)))
GEN_B(h_mov_GbEb, u32 off; reg_put(c, i->reg, SZ, e_get(c, i, SZ, MEM, &off)))
GEN_V(h_mov_GvEv, u32 off; reg_put(c, i->reg, SZ, e_get(c, i, SZ, MEM, &off)))
GEN_B(h_mov_EbIb, e_put(c, i, SZ, MEM, MEM ? cpu_ea(c, i) : 0, i->imm))
GEN_V(h_mov_EvIz, e_put(c, i, SZ, MEM, MEM ? cpu_ea(c, i) : 0, i->imm))
/* moffs forms: the decoder puts the offset in disp with no base/index */
H_VAR(h_mov_ALOb, 1, 1, reg_put(c, R_EAX, SZ, mem_get(c, i->seg, cpu_ea(c, i), SZ)))
GEN_S(h_mov_eAXOv, reg_put(c, R_EAX, SZ, mem_get(c, i->seg, cpu_ea(c, i), SZ)))
H_VAR(h_mov_ObAL, 1, 1, mem_put(c, i->seg, cpu_ea(c, i), SZ, reg_get(c, R_EAX, SZ)))
GEN_S(h_mov_OveAX, mem_put(c, i->seg, cpu_ea(c, i), SZ, reg_get(c, R_EAX, SZ)))
H_VAR(h_mov_ZbIb, 1, 0, cpu_set_reg8(c, i->reg, (u8)i->imm))
GEN_S(h_mov_ZvIv, reg_put(c, i->reg, SZ, i->imm))

GEN_S(h_lea, reg_put(c, i->reg, SZ, cpu_ea(c, i)))

/* MOVZX/MOVSX: SZ is the destination size; the source size is fixed per form */
OPS_INLINE void movx(struct cpu *c, const struct x86_insn *i, unsigned dsz, unsigned ssz, bool mem, bool sx)
{
    u32 off = 0, v = e_get(c, i, ssz, mem, &off);
    reg_put(c, i->reg, dsz, sx ? sz_sext(v, ssz) : v);
}
GEN_V(h_movzx_GvEb, movx(c, i, SZ, 1, MEM, false))
GEN_V(h_movzx_GvEw, movx(c, i, SZ, 2, MEM, false))
GEN_V(h_movsx_GvEb, movx(c, i, SZ, 1, MEM, true))
GEN_V(h_movsx_GvEw, movx(c, i, SZ, 2, MEM, true))

GEN_S(h_cbw, reg_put(c, R_EAX, SZ, sz_sext(reg_get(c, R_EAX, SZ / 2), SZ / 2)))
GEN_S(h_cwd, reg_put(c, R_EDX, SZ, (reg_get(c, R_EAX, SZ) & sz_sign(SZ)) ? 0xffffffffu : 0))

/* CMOVcc: the source is read (and may fault) whatever the condition; a false
 * condition leaves the destination untouched, also with 32-bit size. */
OPS_INLINE void cmov(struct cpu *c, const struct x86_insn *i, unsigned sz, bool mem)
{
    u32 off = 0, v = e_get(c, i, sz, mem, &off);
    if (cpu_cond_fast(c, i->cc)) reg_put(c, i->reg, sz, v);
}
GEN_V(h_cmov, cmov(c, i, SZ, MEM))

/* XLAT: AL = seg:[eBX + AL], address size from the instruction */
static HANDLER(h_xlat16) { cpu_set_reg8(c, R_EAX, cpu_rd8(c, i->seg, (c->s.gpr[R_EBX] + cpu_reg8(c, R_EAX)) & 0xffff)); }
static HANDLER(h_xlat32) { cpu_set_reg8(c, R_EAX, cpu_rd8(c, i->seg, c->s.gpr[R_EBX] + cpu_reg8(c, R_EAX))); }
static cpu_handler sel_xlat(const struct x86_insn *i) { return i->asize == 4 ? h_xlat32 : h_xlat16; }

void ops_mov_init(void)
{
    REG_B(MOV_EbGb, h_mov_EbGb);
    REG_V(MOV_EvGv, h_mov_EvGv);
    REG_B(MOV_GbEb, h_mov_GbEb);
    REG_V(MOV_GvEv, h_mov_GvEv);
    REG_B(MOV_EbIb, h_mov_EbIb);
    REG_V(MOV_EvIz, h_mov_EvIz);
    REG_1(MOV_ALOb, h_mov_ALOb);
    REG_S(MOV_eAXOv, h_mov_eAXOv);
    REG_1(MOV_ObAL, h_mov_ObAL);
    REG_S(MOV_OveAX, h_mov_OveAX);
    REG_1(MOV_ZbIb, h_mov_ZbIb);
    REG_S(MOV_ZvIv, h_mov_ZvIv);
    REG_S(LEA_GvM, h_lea);
    REG_V(MOVZX_GvEb, h_movzx_GvEb);
    REG_V(MOVZX_GvEw, h_movzx_GvEw);
    REG_V(MOVSX_GvEb, h_movsx_GvEb);
    REG_V(MOVSX_GvEw, h_movsx_GvEw);
    REG_S(CBW, h_cbw);
    REG_S(CWD, h_cwd);
    REG_V(CMOVCC_GvEv, h_cmov);
    cpu_register_selector(X86_OP_XLAT, sel_xlat);
}
