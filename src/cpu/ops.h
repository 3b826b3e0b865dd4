/*
 * Shared operand fetch and write-back for the integer handlers (ops_*.c).
 *
 * Every operation is written once as an always-inline function taking the
 * operand size `sz` (1, 2, 4) and `mem` (register or memory E operand) as
 * parameters; the GEN_* macros instantiate one small handler per variant with
 * those as compile-time constants (SZ, MEM), so the compiler folds every size
 * and register/memory test away. REG_* register the variants with dispatch.c.
 *
 *   GEN_B(h_add_EbGb, alu_EG(c, i, ALU_ADD, SZ, MEM))   -> h_add_EbGb_r8/_m8
 *   GEN_V(h_add_EvGv, alu_EG(c, i, ALU_ADD, SZ, MEM))   -> _r16/_m16/_r32/_m32
 *   REG_B(ADD_EbGb, h_add_EbGb); REG_V(ADD_EvGv, h_add_EvGv);
 *
 * Memory operands follow the precise-exception rule: a read-modify-write
 * uses e_getw (a write-intent read that faults as the write would), then
 * computes, then e_put, which can no longer fault.
 */
#ifndef VD_CPU_OPS_H
#define VD_CPU_OPS_H
#include "cpu/cpu.h"
#include "cpu/cpu_mem.h"
#include "cpu/flags.h"
#include "cpu/dispatch.h"

#define OPS_INLINE static inline __attribute__((always_inline))

static inline u32 sz_mask(unsigned sz) { return sz == 1 ? 0xffu : sz == 2 ? 0xffffu : 0xffffffffu; }
static inline u32 sz_sign(unsigned sz) { return 1u << (sz * 8 - 1); }
static inline u32 sz_sext(u32 v, unsigned sz) { return sz == 1 ? (u32)(i8)v : sz == 2 ? (u32)(i16)v : v; }

/* ---- registers: sz 1 uses the AL..BH numbering ---- */
OPS_INLINE u32 reg_get(struct cpu *c, int r, unsigned sz)
{
    return sz == 1 ? cpu_reg8(c, r) : sz == 2 ? cpu_reg16(c, r) : c->s.gpr[r];
}
OPS_INLINE void reg_put(struct cpu *c, int r, unsigned sz, u32 v)
{
    if (sz == 1) cpu_set_reg8(c, r, (u8)v);
    else if (sz == 2) cpu_set_reg16(c, r, (u16)v);
    else c->s.gpr[r] = v;
}

/* ---- segmented memory ---- */
OPS_INLINE u32 mem_get(struct cpu *c, int seg, u32 off, unsigned sz)
{
    return sz == 1 ? cpu_rd8(c, seg, off) : sz == 2 ? cpu_rd16(c, seg, off) : cpu_rd32(c, seg, off);
}
OPS_INLINE u32 mem_getw(struct cpu *c, int seg, u32 off, unsigned sz)
{
    return sz == 1 ? cpu_rdw8(c, seg, off) : sz == 2 ? cpu_rdw16(c, seg, off) : cpu_rdw32(c, seg, off);
}
OPS_INLINE void mem_put(struct cpu *c, int seg, u32 off, unsigned sz, u32 v)
{
    if (sz == 1) cpu_wr8(c, seg, off, (u8)v);
    else if (sz == 2) cpu_wr16(c, seg, off, (u16)v);
    else cpu_wr32(c, seg, off, v);
}

/* ---- the ModRM E operand; *off receives the offset for a later e_put ---- */
OPS_INLINE u32 e_get(struct cpu *c, const struct x86_insn *i, unsigned sz, bool mem, u32 *off)
{
    if (!mem) return reg_get(c, i->rm, sz);
    *off = cpu_ea(c, i);
    return mem_get(c, i->seg, *off, sz);
}
OPS_INLINE u32 e_getw(struct cpu *c, const struct x86_insn *i, unsigned sz, bool mem, u32 *off)
{
    if (!mem) return reg_get(c, i->rm, sz);
    *off = cpu_ea(c, i);
    return mem_getw(c, i->seg, *off, sz);
}
OPS_INLINE void e_put(struct cpu *c, const struct x86_insn *i, unsigned sz, bool mem, u32 off, u32 v)
{
    if (!mem) reg_put(c, i->rm, sz, v);
    else mem_put(c, i->seg, off, sz, v);
}

/* ---- near branches: 16-bit operand size truncates; beyond CS limit is #GP(0) ---- */
OPS_INLINE void branch_to(struct cpu *c, u32 target, unsigned osz)
{
    if (osz == 2) target &= 0xffff;
    if (unlikely(target > c->s.seg[S_CS].limit)) cpu_raise(c, EXC_GP, 0);
    c->next_eip = target;
}
/* Materialized flags, to change some arithmetic bits directly. */
OPS_INLINE void flags_put(struct cpu *c, u32 bits, u32 mask)
{
    cpu_flags_sync(c);
    c->s.eflags = (c->s.eflags & ~mask) | (bits & mask);
}

/* ---- handler generators ---- */
#define H_VAR(name, S, M, ...) \
    static HANDLER(name) { enum { SZ = S, MEM = M }; __VA_ARGS__; }
#define GEN_B(name, ...) H_VAR(name##_r8, 1, 0, __VA_ARGS__) H_VAR(name##_m8, 1, 1, __VA_ARGS__)
#define GEN_V(name, ...) \
    H_VAR(name##_r16, 2, 0, __VA_ARGS__) H_VAR(name##_m16, 2, 1, __VA_ARGS__) \
    H_VAR(name##_r32, 4, 0, __VA_ARGS__) H_VAR(name##_m32, 4, 1, __VA_ARGS__)
/* forms whose E operand is a register only or without ModRM: size only */
#define GEN_S(name, ...) H_VAR(name##_16, 2, 0, __VA_ARGS__) H_VAR(name##_32, 4, 0, __VA_ARGS__)
/* memory-only forms */
#define GEN_M(name, ...) H_VAR(name##_m16, 2, 1, __VA_ARGS__) H_VAR(name##_m32, 4, 1, __VA_ARGS__)
/* one handler */
#define GEN_1(name, ...) H_VAR(name, 0, 0, __VA_ARGS__)

#define REG_B(op, name) cpu_register(X86_OP_##op, name##_r8, name##_m8, name##_r8, name##_m8)
#define REG_V(op, name) cpu_register(X86_OP_##op, name##_r16, name##_m16, name##_r32, name##_m32)
#define REG_S(op, name) cpu_register(X86_OP_##op, name##_16, name##_16, name##_32, name##_32)
#define REG_M(op, name) cpu_register(X86_OP_##op, h_ud, name##_m16, h_ud, name##_m32)
#define REG_1(op, name) cpu_register1(X86_OP_##op, name)

/* Registration functions of the files of this group (ops_core.c calls them). */
void ops_alu_init(void);
void ops_shift_init(void);
void ops_muldiv_init(void);
void ops_bcd_init(void);
void ops_bit_init(void);
void ops_string_init(void);
void ops_stack_init(void);
void ops_branch_init(void);
void ops_mov_init(void);
void ops_misc_init(void);

#endif
