/*
 * Internal interface of the x87 FPU (fpu.c: instruction handlers and
 * exception signalling; fpu_env.c: environment and state images;
 * fpu_host.c: arithmetic on the host's x87).
 *
 * State lives in struct fpu_state (state.h): st[] holds the PHYSICAL
 * registers R0..R7, ST(i) is R[(TOP + i) & 7], ftw is the full tag word.
 */
#ifndef VD_CPU_FPU_H
#define VD_CPU_FPU_H
#include "cpu/cpu.h"

/* FSW bits */
enum {
    FSW_IE = 1u << 0, FSW_DE = 1u << 1, FSW_ZE = 1u << 2, FSW_OE = 1u << 3, FSW_UE = 1u << 4,
    FSW_PE = 1u << 5, FSW_SF = 1u << 6, FSW_ES = 1u << 7, FSW_C0 = 1u << 8, FSW_C1 = 1u << 9,
    FSW_C2 = 1u << 10, FSW_TOP = 7u << 11, FSW_C3 = 1u << 14, FSW_B = 1u << 15,
};
#define FSW_EXC 0x3fu         /* the six exception flags (also the FCW mask bits) */
#define FSW_STICKY 0x7fu      /* exception flags and SF: only FNCLEX/FNINIT/loads clear them */
#define FSW_KEEP 0x7f00u      /* condition codes and TOP */

/* Tag values */
enum { TAG_VALID = 0, TAG_ZERO = 1, TAG_SPECIAL = 2, TAG_EMPTY = 3 };

static inline unsigned fpu_top(const struct fpu_state *f) { return (f->fsw >> 11) & 7; }

/* Tag of an 80-bit register from its contents (as FSTENV/FSAVE write it). */
unsigned fpu_tag_of(const u8 r[10]);
/* Recompute every non-empty tag from the register contents. */
void fpu_retag(struct fpu_state *f);
/* ES and B follow the unmasked exception flags (FLDCW/FLDENV/FRSTOR and
 * every arithmetic instruction). */
void fpu_update_es(struct fpu_state *f);
void fpu_init_state(struct fpu_state *f);       /* FNINIT */
/* The check of a waiting x87 (or MMX) instruction: a pending unmasked
 * exception (FSW.ES) raises #MF with CR0.NE=1; with NE=0 it asserts FERR#
 * and returns false (the instruction re-executes later) unless IGNNE# is
 * asserted. */
bool fpu_wait_ready(struct cpu *c);
/* FSW.ES may have changed: a clear ES ends FERR# (and with it IGNNE#). */
void fpu_ferr_update(struct cpu *c);

/* ---- fpu_env.c: FLDENV/FNSTENV/FRSTOR/FNSAVE images ---- */
/* Size of the environment image for an operand size (2 or 4): 14 or 28. */
static inline unsigned fpu_env_size(unsigned osize) { return osize == 4 ? 28 : 14; }
/* real: the real/virtual-8086-mode layout (linear 20/32-bit pointers). With
 * regs, the eight registers follow in stack order (ST0 first). Return the
 * number of bytes (env, plus 80 with regs). */
unsigned fpu_env_store(const struct fpu_state *f, unsigned osize, bool real, u8 *b, bool regs);
void fpu_env_load(struct fpu_state *f, unsigned osize, bool real, const u8 *b, bool regs);

/* ---- fpu_host.c: one x87 instruction on the host ---- */
/* The 32-bit protected-mode FSAVE image the host's FRSTOR/FNSAVE use, and
 * the arithmetic flags in and out (FCMOVcc reads them, FCOMI writes them). */
struct fpu_host_img {
    u8 save[108];
    u32 pad;
    u64 rflags;
};
/* Available on x86 hosts only; elsewhere fpu_host_exec returns false. */
bool fpu_host_exec(struct fpu_host_img *img, u8 opcode, u8 modrm, u8 *mem);

#endif
