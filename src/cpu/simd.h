/*
 * Shared internals of the MMX/SSE/SSE2 handlers (ops_mmx.c, ops_sse.c,
 * ops_sse_mov.c, fxsr.c): register views, the exception checks that come
 * before any operand is touched, 64/128-bit memory operands, and MXCSR.
 *
 * Register file (struct fpu_state, state.h): MMi is the low 64 bits of the
 * PHYSICAL x87 register Ri (st[i][0..7]); XMMi is xmm[i]; MXCSR is mxcsr.
 *
 * Check order (SDM Vol. 3 "Exceptions and interrupts ... SIMD", Vol. 2
 * instruction pages):
 *   MMX forms:  CR0.EM #UD, CR0.TS #NM, pending x87 exception (FSW.ES) #MF,
 *               then memory faults. The form then enters MMX mode: TOS = 0,
 *               no tag empty; a written MMi gets exponent bits 0xFFFF.
 *   SSE forms:  CR0.EM or CR4.OSFXSR=0 #UD, CR0.TS #NM, memory faults (16-byte
 *               operands of aligned forms #GP(0) when misaligned), then SIMD
 *               floating-point exceptions (#XM with CR4.OSXMMEXCPT, else #UD).
 *   Mixed forms (CVTPI2PS mm, CVTPS2PI, MOVQ2DQ...): the SSE checks, then with
 *               an MMX register operand the x87 pending check and the MMX
 *               mode entry.
 */
#ifndef VD_CPU_SIMD_H
#define VD_CPU_SIMD_H
#include "cpu/cpu.h"
#include "cpu/cpu_mem.h"
#include "cpu/dispatch.h"
#include "cpu/fpu.h"

/* One MMX or XMM value; MMX uses the first 8 bytes. Little-endian host. */
union v128 {
    u8 b[16];
    i8 sb[16];
    u16 w[8];
    i16 sw[8];
    u32 d[4];
    i32 sd[4];
    u64 q[2];
    i64 sq[2];
};

/* MXCSR */
enum {
    MXCSR_IE = 1u << 0, MXCSR_DE = 1u << 1, MXCSR_ZE = 1u << 2, MXCSR_OE = 1u << 3, MXCSR_UE = 1u << 4,
    MXCSR_PE = 1u << 5, MXCSR_DAZ = 1u << 6, MXCSR_MASKS = 0x3fu << 7, MXCSR_RC = 3u << 13,
    MXCSR_FZ = 1u << 15,
};
#define MXCSR_FLAGS 0x3fu
/* Bits LDMXCSR/FXRSTOR accept (FXSAVE's MXCSR_MASK): everything, DAZ included. */
#define MXCSR_MASK_SUPPORTED 0xffffu

/* ---- checks (ops_sse_core.c) ---- */
/* MMX: #UD/#NM/#MF. Returns false when the instruction must wait (the x87
 * FERR# protocol with CR0.NE=0: the instruction is re-executed later). */
bool simd_mmx_check(struct cpu *c);
/* SSE/SSE2: #UD/#NM. */
void simd_sse_check(struct cpu *c);
/* Enter MMX mode after every fault check passed: TOS = 0, no register
 * empty. The full tag word keeps the class of each register's contents
 * (what FSTENV/FSAVE report from the hardware's abridged tags), as fpu.c
 * expects of it. */
static inline void simd_mmx_enter(struct cpu *c)
{
    c->s.fpu.fsw &= (u16)~(7u << 11);
    c->s.fpu.ftw = 0;
    fpu_retag(&c->s.fpu);
}
/* An SIMD floating-point exception is unmasked: #XM or #UD by CR4.OSXMMEXCPT. */
void simd_raise_xm(struct cpu *c) VD_NORETURN;

#define MMX_CHECK(c) do { if (!simd_mmx_check(c)) return; } while (0)

/* ---- registers ---- */
static inline void mm_get(const struct cpu *c, unsigned r, union v128 *v)
{
    memcpy(v->b, c->s.fpu.st[r & 7], 8);
}
static inline void mm_put(struct cpu *c, unsigned r, const union v128 *v)
{
    u8 *p = c->s.fpu.st[r & 7];
    memcpy(p, v->b, 8);
    p[8] = p[9] = 0xff; /* exponent all ones: a special (NaN/infinity) class */
    c->s.fpu.ftw = (u16)((c->s.fpu.ftw & ~(3u << (2 * (r & 7)))) | (TAG_SPECIAL << (2 * (r & 7))));
}
static inline void xmm_get(const struct cpu *c, unsigned r, union v128 *v) { memcpy(v->b, c->s.fpu.xmm[r & 7], 16); }
static inline void xmm_put(struct cpu *c, unsigned r, const union v128 *v) { memcpy(c->s.fpu.xmm[r & 7], v->b, 16); }

/* ---- memory operands: n bytes at the ModRM address; align16 for the
 * forms that require a 16-byte aligned operand (#GP(0) otherwise) ---- */
void simd_read(struct cpu *c, const struct x86_insn *i, union v128 *v, unsigned n, bool align16);
/* Check that the write can be done (segment, alignment, pages); returns the
 * linear address for simd_write, which then cannot fault. */
u32 simd_write_check(struct cpu *c, const struct x86_insn *i, unsigned n, bool align16);
void simd_write(struct cpu *c, u32 lin, const void *p, unsigned n);

/* The rm operand (register or memory) of an MMX form / an XMM form, into v
 * (zero-extended to its full width when n is smaller). */
static inline void mm_src(struct cpu *c, const struct x86_insn *i, union v128 *v, unsigned n)
{
    if (i->mod == 3) mm_get(c, i->rm, v);
    else {
        v->q[0] = 0;
        simd_read(c, i, v, n, false);
    }
}
static inline void xmm_src(struct cpu *c, const struct x86_insn *i, union v128 *v, unsigned n, bool align16)
{
    if (i->mod == 3) xmm_get(c, i->rm, v);
    else {
        v->q[0] = v->q[1] = 0;
        simd_read(c, i, v, n, align16);
    }
}

/* ---- fxsr.c: the FXSAVE image (bytes 0-287 of the 512) ---- */
void fxsr_save_image(const struct cpu *c, u8 *b);
/* false (nothing loaded) if the image's MXCSR has reserved bits set */
bool fxsr_load_image(struct cpu *c, const u8 *b);

/* ---- registration (ops_mmx.c calls the SSE files' init functions) ---- */
void ops_sse_mov_init(void);
void ops_fxsr_init(void);

#endif
