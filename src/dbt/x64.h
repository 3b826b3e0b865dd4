/*
 * A small x86-64 encoder for the translator: the handful of instruction
 * shapes the emitters use, each built from one generic ModRM encoder
 * (x_op) so that prefixes, REX, ModRM, SIB and displacement sizes are
 * decided in one place. Every shape is decoded back by two independent
 * disassemblers (Capstone, Zydis) in tests/diff/dbt_x64_oracle.c.
 *
 * Why our own and not Zydis' encoder: the translator emits a few dozen
 * shapes whose operands are known at translation time, on a hot path (a
 * Linux boot translates ~100k blocks); direct byte emission is a few
 * instructions per shape, needs no request structures, and keeps the
 * translator free of a run-time library dependency (Zydis and Capstone stay
 * test oracles).
 *
 * Overflow: writes past `end` are dropped and `p` keeps counting, so the
 * caller checks x_overflow() once per block and retries in a fresh cache.
 */
#ifndef VD_DBT_X64_H
#define VD_DBT_X64_H
#include "base/types.h"
#include <string.h>

enum { XAX, XCX, XDX, XBX, XSP, XBP, XSI, XDI, X8, X9, X10, X11, X12, X13, X14, X15 };
/* x86 ALU group numbering (the /digit of 80/81/83 and opcode row): */
enum { XALU_ADD, XALU_OR, XALU_ADC, XALU_SBB, XALU_AND, XALU_SUB, XALU_XOR, XALU_CMP };
/* condition codes (low nibble of Jcc / SETcc) */
enum { XCC_O, XCC_NO, XCC_B, XCC_AE, XCC_E, XCC_NE, XCC_BE, XCC_A, XCC_S, XCC_NS, XCC_P, XCC_NP,
       XCC_L, XCC_GE, XCC_LE, XCC_G };

struct xb {
    u8 *p, *start, *end;
};

/* A memory operand [base + index*2^scale + disp]; index -1 = none. base is
 * always a register (the translator never needs absolute or RIP forms). */
struct xm {
    i8 base, index;
    u8 scale;
    i32 disp;
};
static inline struct xm xmem(int base, i32 disp) { return (struct xm){(i8)base, -1, 0, disp}; }
static inline struct xm xmem_idx(int base, int index, int scale, i32 disp)
{
    return (struct xm){(i8)base, (i8)index, (u8)scale, disp};
}

static inline bool x_overflow(const struct xb *b) { return b->p > b->end; }
static inline void x_u8(struct xb *b, u8 v)
{
    if (b->p < b->end) *b->p = v;
    b->p++;
}
static inline void x_u16(struct xb *b, u16 v) { x_u8(b, (u8)v); x_u8(b, (u8)(v >> 8)); }
static inline void x_u32(struct xb *b, u32 v) { x_u16(b, (u16)v); x_u16(b, (u16)(v >> 16)); }
static inline void x_u64(struct xb *b, u64 v) { x_u32(b, (u32)v); x_u32(b, (u32)(v >> 32)); }
static inline bool x_fits8(i64 v) { return v >= -128 && v <= 127; }

/*
 * The generic encoder: [66] [REX] opcode(1-3 bytes) ModRM [SIB] [disp].
 * size: operand size 1, 2, 4 or 8 (8 sets REX.W; 2 emits 66). reg: the
 * ModRM.reg field (a register or an opcode extension). m: memory operand,
 * or NULL for a register operand rm. Byte registers are limited to AL..BL
 * and R8B..R15B (no REX-only SPL..DIL, no AH..BH), which is all the
 * translator uses.
 */
static inline void x_op(struct xb *b, int size, u32 opc, int nopc, int reg, const struct xm *m, int rm)
{
    if (size == 2) x_u8(b, 0x66);
    u8 rex = 0;
    if (size == 8) rex |= 8;
    if (reg & 8) rex |= 4;
    if (m) {
        if (m->index >= 0 && (m->index & 8)) rex |= 2;
        if (m->base & 8) rex |= 1;
    } else if (rm & 8) {
        rex |= 1;
    }
    if (rex) x_u8(b, 0x40 | rex);
    for (int i = nopc - 1; i >= 0; i--) x_u8(b, (u8)(opc >> (8 * i)));
    u8 r = (u8)((reg & 7) << 3);
    if (!m) {
        x_u8(b, 0xc0 | r | (rm & 7));
        return;
    }
    int base = m->base & 7;
    bool sib = m->index >= 0 || base == XSP;
    int mod = (m->disp == 0 && base != XBP) ? 0 : x_fits8(m->disp) ? 1 : 2;
    x_u8(b, (u8)(mod << 6) | r | (sib ? 4 : base));
    if (sib) {
        int idx = m->index >= 0 ? (m->index & 7) : 4;
        x_u8(b, (u8)((m->scale & 3) << 6 | idx << 3 | base));
    }
    if (mod == 1) x_u8(b, (u8)m->disp);
    else if (mod == 2) x_u32(b, (u32)m->disp);
}

/* ---- moves ---- */
/* reg <- [m], zero-extending 1- and 2-byte loads into 32 bits (movzx) */
static inline void x_load(struct xb *b, int size, int reg, struct xm m)
{
    if (size == 1) x_op(b, 4, 0x0fb6, 2, reg, &m, 0);
    else if (size == 2) x_op(b, 4, 0x0fb7, 2, reg, &m, 0);
    else x_op(b, size, 0x8b, 1, reg, &m, 0);
}
/* reg <- [m] sign-extended to 32 bits (movsx) */
static inline void x_load_sx(struct xb *b, int size, int reg, struct xm m)
{
    if (size == 1) x_op(b, 4, 0x0fbe, 2, reg, &m, 0);
    else if (size == 2) x_op(b, 4, 0x0fbf, 2, reg, &m, 0);
    else x_op(b, size, 0x8b, 1, reg, &m, 0);
}
/* [m] <- reg (low `size` bytes) */
static inline void x_store(struct xb *b, int size, struct xm m, int reg)
{
    x_op(b, size, size == 1 ? 0x88 : 0x89, 1, reg, &m, 0);
}
/* [m] <- imm (size 1, 2, 4; 8 stores the sign-extended imm32) */
static inline void x_store_imm(struct xb *b, int size, struct xm m, u32 imm)
{
    x_op(b, size, size == 1 ? 0xc6 : 0xc7, 1, 0, &m, 0);
    if (size == 1) x_u8(b, (u8)imm);
    else if (size == 2) x_u16(b, (u16)imm);
    else x_u32(b, imm);
}
/* reg <- reg (1, 2, 4 or 8 bytes; 1 and 2 leave the rest of dst alone, 4 zero-extends) */
static inline void x_mov_rr(struct xb *b, int size, int dst, int src)
{
    x_op(b, size, size == 1 ? 0x88 : 0x89, 1, src, NULL, dst);
}
/* the low 1 or 2 bytes of reg <- [m] (the rest of reg unchanged) */
static inline void x_load_low(struct xb *b, int size, int reg, struct xm m)
{
    x_op(b, size, size == 1 ? 0x8a : 0x8b, 1, reg, &m, 0);
}
/* the low 1 or 2 bytes of reg <- imm (the rest of reg unchanged) */
static inline void x_mov_ri_low(struct xb *b, int size, int reg, u32 imm)
{
    x_op(b, size, size == 1 ? 0xc6 : 0xc7, 1, 0, NULL, reg);
    if (size == 1) x_u8(b, (u8)imm);
    else x_u16(b, (u16)imm);
}
/* reg32 <- imm32 (zero-extended into the 64-bit register) */
static inline void x_mov_ri32(struct xb *b, int reg, u32 imm)
{
    if (reg & 8) x_u8(b, 0x41);
    x_u8(b, (u8)(0xb8 + (reg & 7)));
    x_u32(b, imm);
}
/* reg64 <- imm64 (the short form when the value fits in 32 unsigned bits) */
static inline void x_mov_ri64(struct xb *b, int reg, u64 imm)
{
    if (imm <= 0xffffffffu) {
        x_mov_ri32(b, reg, (u32)imm);
        return;
    }
    x_u8(b, (u8)(0x48 | ((reg & 8) ? 1 : 0)));
    x_u8(b, (u8)(0xb8 + (reg & 7)));
    x_u64(b, imm);
}
static inline void x_lea(struct xb *b, int size, int reg, struct xm m) { x_op(b, size, 0x8d, 1, reg, &m, 0); }

/* ---- arithmetic ---- */
/* dst op= src, registers (op: XALU_*) */
static inline void x_alu_rr(struct xb *b, int size, int op, int dst, int src)
{
    x_op(b, size, (u32)(op << 3 | (size == 1 ? 0 : 1)), 1, src, NULL, dst);
}
/* reg op= [m] */
static inline void x_alu_rm(struct xb *b, int size, int op, int reg, struct xm m)
{
    x_op(b, size, (u32)(op << 3 | (size == 1 ? 2 : 3)), 1, reg, &m, 0);
}
/* [m] op= reg */
static inline void x_alu_mr(struct xb *b, int size, int op, struct xm m, int reg)
{
    x_op(b, size, (u32)(op << 3 | (size == 1 ? 0 : 1)), 1, reg, &m, 0);
}
/* imm operand of group 1 (80/81/83) after the ModRM */
static inline void x_alu_imm_tail(struct xb *b, int size, u32 imm, bool short8)
{
    if (short8 || size == 1) x_u8(b, (u8)imm);
    else if (size == 2) x_u16(b, (u16)imm);
    else x_u32(b, imm);
}
static inline bool x_imm8ok(int size, u32 imm)
{
    i64 v = size == 2 ? (i64)(i16)imm : size == 1 ? (i64)(i8)imm : (i64)(i32)imm;
    return size != 1 && x_fits8(v);
}
/* reg op= imm */
static inline void x_alu_ri(struct xb *b, int size, int op, int reg, u32 imm)
{
    bool s8 = x_imm8ok(size, imm);
    x_op(b, size, size == 1 ? 0x80 : s8 ? 0x83 : 0x81, 1, op, NULL, reg);
    x_alu_imm_tail(b, size, imm, s8);
}
/* [m] op= imm */
static inline void x_alu_mi(struct xb *b, int size, int op, struct xm m, u32 imm)
{
    bool s8 = x_imm8ok(size, imm);
    x_op(b, size, size == 1 ? 0x80 : s8 ? 0x83 : 0x81, 1, op, &m, 0);
    x_alu_imm_tail(b, size, imm, s8);
}
/* test dword [m], imm32 */
static inline void x_test_mi(struct xb *b, struct xm m, u32 imm)
{
    x_op(b, 4, 0xf7, 1, 0, &m, 0);
    x_u32(b, imm);
}
/* test reg32, imm32 */
static inline void x_test_mi_r(struct xb *b, int reg, u32 imm)
{
    x_op(b, 4, 0xf7, 1, 0, NULL, reg);
    x_u32(b, imm);
}
static inline void x_test_rr(struct xb *b, int size, int r1, int r2) { x_op(b, size, size == 1 ? 0x84 : 0x85, 1, r2, NULL, r1); }
/* shifts by an immediate: ext 4 SHL, 5 SHR, 7 SAR */
static inline void x_shift_ri(struct xb *b, int size, int ext, int reg, u8 count)
{
    x_op(b, size, size == 1 ? 0xc0 : 0xc1, 1, ext, NULL, reg);
    x_u8(b, count);
}
/* bt dword [m], imm8 */
static inline void x_bt_mi(struct xb *b, struct xm m, u8 bit)
{
    x_op(b, 4, 0x0fba, 2, 4, &m, 0);
    x_u8(b, bit);
}
/* inc/dec reg */
static inline void x_incdec_r(struct xb *b, int size, bool dec, int reg)
{
    x_op(b, size, size == 1 ? 0xfe : 0xff, 1, dec ? 1 : 0, NULL, reg);
}
/* shifts by cl: ext 4 SHL, 5 SHR, 7 SAR */
static inline void x_shift_rcl(struct xb *b, int size, int ext, int reg)
{
    x_op(b, size, size == 1 ? 0xd2 : 0xd3, 1, ext, NULL, reg);
}
/* not reg */
static inline void x_not_r(struct xb *b, int size, int reg) { x_op(b, size, size == 1 ? 0xf6 : 0xf7, 1, 2, NULL, reg); }
/* neg reg */
static inline void x_neg_r(struct xb *b, int size, int reg) { x_op(b, size, size == 1 ? 0xf6 : 0xf7, 1, 3, NULL, reg); }
/* imul dst, src (16, 32 or 64 bits) */
static inline void x_imul_rr(struct xb *b, int size, int dst, int src) { x_op(b, size, 0x0faf, 2, dst, NULL, src); }
/* cmovcc reg, [m] (16, 32 or 64 bits) */
static inline void x_cmov_rm(struct xb *b, int size, int cc, int reg, struct xm m)
{
    x_op(b, size, 0x0f40u | (u32)cc, 2, reg, &m, 0);
}
/* mul/imul/div/idiv reg (group 3: ext 4, 5, 6, 7), operand size 4 or 8 */
static inline void x_grp3_r(struct xb *b, int size, int ext, int reg) { x_op(b, size, 0xf7, 1, ext, NULL, reg); }
/* cqo: rdx = sign of rax */
static inline void x_cqo(struct xb *b)
{
    x_u8(b, 0x48);
    x_u8(b, 0x99);
}
/* movsxd dst64, src32 */
static inline void x_movsxd_rr(struct xb *b, int dst, int src) { x_op(b, 8, 0x63, 1, dst, NULL, src); }
/* movsx dst32, src8 / src16 */
static inline void x_movsx_rr(struct xb *b, int ssize, int dst, int src)
{
    x_op(b, 4, ssize == 1 ? 0x0fbe : 0x0fbf, 2, dst, NULL, src);
}
/* cmovcc dst, src (16, 32 or 64 bits) */
static inline void x_cmov_rr(struct xb *b, int size, int cc, int dst, int src)
{
    x_op(b, size, 0x0f40u | (u32)cc, 2, dst, NULL, src);
}
/* movzx dst32, src16 */
static inline void x_movzx16_rr(struct xb *b, int dst, int src) { x_op(b, 4, 0x0fb7, 2, dst, NULL, src); }
static inline void x_setcc(struct xb *b, int cc, int reg) { x_op(b, 1, 0x0f90u | (u32)cc, 2, 0, NULL, reg); }
static inline void x_movzx8_rr(struct xb *b, int dst, int src) { x_op(b, 4, 0x0fb6, 2, dst, NULL, src); }

/* ---- control ---- */
/* Emit a rel32 branch and return the address of its displacement (for x_patch). */
static inline u8 *x_jmp32(struct xb *b)
{
    x_u8(b, 0xe9);
    u8 *at = b->p;
    x_u32(b, 0);
    return at;
}
static inline u8 *x_jcc32(struct xb *b, int cc)
{
    x_u8(b, 0x0f);
    x_u8(b, (u8)(0x80 | cc));
    u8 *at = b->p;
    x_u32(b, 0);
    return at;
}
/* Point the rel32 at `at` to target (both inside the buffer's memory). */
static inline void x_patch(u8 *at, const u8 *target)
{
    i32 rel = (i32)(target - (at + 4));
    memcpy(at, &rel, 4);
}
static inline void x_call_r(struct xb *b, int reg) { x_op(b, 4, 0xff, 1, 2, NULL, reg); }
static inline void x_jmp_r(struct xb *b, int reg) { x_op(b, 4, 0xff, 1, 4, NULL, reg); }
/* call an absolute address through rax */
static inline void x_call_abs(struct xb *b, const void *fn)
{
    x_mov_ri64(b, XAX, (u64)(uintptr_t)fn);
    x_call_r(b, XAX);
}
static inline void x_push(struct xb *b, int reg)
{
    if (reg & 8) x_u8(b, 0x41);
    x_u8(b, (u8)(0x50 + (reg & 7)));
}
static inline void x_pop(struct xb *b, int reg)
{
    if (reg & 8) x_u8(b, 0x41);
    x_u8(b, (u8)(0x58 + (reg & 7)));
}
static inline void x_ret(struct xb *b) { x_u8(b, 0xc3); }
/* pushfq */
static inline void x_pushf(struct xb *b) { x_u8(b, 0x9c); }

#endif
