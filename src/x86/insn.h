/*
 * The decoded instruction and the pure decoder's interface. The decoder is a
 * function of (bytes, mode): it never touches guest memory or CPU state.
 *
 * struct x86_insn (24 bytes):
 *   op      u16  enum x86_op, the form (row of opcodes.def); X86_OP_UD if undefined
 *   len     u8   total length with prefixes, 1..15
 *   opcode  u8   last opcode byte (for +r and +cc forms: reg = opcode & 7, cc = opcode & 15)
 *   modrm   u8   raw ModRM byte (0 if the form has none)
 *   pfx     u8   X86_PFX_* prefixes seen
 *   osize   u8   effective operand size in bytes: 2 or 4 (byte forms say so in their name)
 *   asize   u8   effective address size in bytes: 2 or 4
 *   seg     u8   segment for the memory operand (override or default): X86_SEG_*
 *   reg     u8   ModRM.reg, or opcode & 7 for +r forms
 *   rm      u8   ModRM.rm (the register when mod == 3)
 *   mod     u8   ModRM.mod; 3 = register operand. Forms without ModRM have
 *                mod 3, except moffs forms (mod 0, base/index NONE, offset in disp).
 *   base    u8   base register of the memory operand, X86_REG_NONE if none
 *   index   u8   index register, X86_REG_NONE if none
 *   scale   u8   log2 of the index scale, 0..3
 *   cc      u8   condition code for Jcc/SETcc/CMOVcc, opcode & 15
 *   disp    i32  displacement (sign-extended; moffs offsets live here)
 *   imm     u32  first immediate, sign-extended per operand (Ibs, Jb, Jz) or zero-extended
 *   imm2    u32  second immediate (ENTER's Ib) or the selector of a far pointer (Ap)
 *
 * Effective address: (base ? R[base] : 0) + (index ? R[index] << scale : 0) + disp,
 * truncated to 16 bits when asize == 2. 16-bit ModRM forms map to base/index pairs
 * ([BX+SI] -> base BX, index SI).
 */
#ifndef VD_X86_INSN_H
#define VD_X86_INSN_H
#include "base/types.h"

enum x86_reg { X86_EAX, X86_ECX, X86_EDX, X86_EBX, X86_ESP, X86_EBP, X86_ESI, X86_EDI, X86_REG_NONE = 0xff };
enum x86_seg { X86_SEG_ES, X86_SEG_CS, X86_SEG_SS, X86_SEG_DS, X86_SEG_FS, X86_SEG_GS };

enum {
    X86_PFX_LOCK = 1 << 0,
    X86_PFX_REP = 1 << 1,    /* F3 */
    X86_PFX_REPNE = 1 << 2,  /* F2 */
    X86_PFX_OPSIZE = 1 << 3, /* 66 */
    X86_PFX_ADSIZE = 1 << 4, /* 67 */
    X86_PFX_SEG = 1 << 5,    /* a segment override was present */
};

/* Operand tokens used by the table (manual notation). */
enum x86_opnd {
    O_NONE,
    O_Eb, O_Ew, O_Ev, O_Gb, O_Gw, O_Gv,
    O_Ib, O_Ibs, O_Iw, O_Iv, O_Iz, O_Jb, O_Jz,
    O_M, O_Mp, O_Mq, O_Ms, O_Ma, O_Ap, O_Ob, O_Ov,
    O_Sw, O_Cd, O_Dd, O_Rd, O_Zb, O_Zv, O_Zd,
    O_AL, O_CL, O_DX, O_eAX, O_ONE,
    O_ES, O_CS, O_SS, O_DS, O_FS, O_GS,
    O_Xb, O_Xv, O_Yb, O_Yv, /* string operands DS:eSI / ES:eDI */
    O_EST,                  /* x87 escape operand (memory or ST(i)) */
    /* MMX/SSE (opcodes.def): P/N mm register (reg/rm), Q mm or memory;
     * V xmm register (reg), U xmm register (rm), W xmm or memory; the suffix
     * is the memory size: ps/pd/dq 16, q/sd 8, d/ss 4 bytes */
    O_Pq, O_Pd, O_Qq, O_Qd, O_Nq,
    O_Vps, O_Vpd, O_Vss, O_Vsd, O_Vdq, O_Vq, O_Vd,
    O_Wps, O_Wpd, O_Wss, O_Wsd, O_Wdq, O_Wq, O_Wd,
    O_Ups, O_Upd, O_Udq, O_Uq,
    O_Mps, O_Mpd, O_Mdq, O_Md, O_Mb,
    O_Ed, O_Gd,             /* r/m32 and r32 whatever the operand size */
    O_Edw,                  /* r32 or m16 (PINSRW) */
};

/* What an MMX/SSE-era operand token names, and its memory size in bytes. */
enum x86_simd_kind {
    XK_NONE,       /* not one of the tokens above */
    XK_MM,         /* mm register from ModRM.reg (P) */
    XK_MM_RM,      /* mm register from ModRM.rm or memory (Q, N) */
    XK_XMM,        /* xmm register from ModRM.reg (V) */
    XK_XMM_RM,     /* xmm register from ModRM.rm or memory (W, U) */
    XK_GPR,        /* r32 from ModRM.reg (Gd) */
    XK_GPR_RM,     /* r32 from ModRM.rm or memory (Ed, Edw) */
    XK_MEM,        /* memory only (M*) */
};
static inline enum x86_simd_kind x86_simd_opnd(unsigned tok, unsigned *msize)
{
    unsigned sz = 0;
    enum x86_simd_kind k = XK_NONE;
    switch (tok) {
    case O_Pq: case O_Pd: k = XK_MM; break;
    case O_Qq: case O_Nq: k = XK_MM_RM; sz = 8; break;
    case O_Qd: k = XK_MM_RM; sz = 4; break;
    case O_Vps: case O_Vpd: case O_Vss: case O_Vsd: case O_Vdq: case O_Vq: case O_Vd: k = XK_XMM; break;
    case O_Wps: case O_Wpd: case O_Wdq: case O_Ups: case O_Upd: case O_Udq: k = XK_XMM_RM; sz = 16; break;
    case O_Wsd: case O_Wq: case O_Uq: k = XK_XMM_RM; sz = 8; break;
    case O_Wss: case O_Wd: k = XK_XMM_RM; sz = 4; break;
    case O_Mps: case O_Mpd: case O_Mdq: k = XK_MEM; sz = 16; break;
    case O_Md: k = XK_MEM; sz = 4; break;
    case O_Mb: k = XK_MEM; sz = 1; break;
    case O_Gd: k = XK_GPR; break;
    case O_Ed: k = XK_GPR_RM; sz = 4; break;
    case O_Edw: k = XK_GPR_RM; sz = 2; break;
    default: break;
    }
    if (msize) *msize = sz;
    return k;
}

/* Form flags (opcodes.def). */
enum {
    F_LOCK = 1 << 0,       /* LOCK allowed when the destination is memory */
    F_MEM = 1 << 1,        /* ModRM must name memory; mod == 3 is #UD */
    F_MODREG = 1 << 2,     /* ModRM.mod ignored, always a register (MOV CR/DR) */
    F_STRING = 1 << 3,     /* string instruction: honours REP/REPE/REPNE */
    F_BRANCH = 1 << 4,     /* may change EIP/mode non-sequentially: ends a block */
    F_SHADOW = 1 << 5,     /* creates an interrupt shadow (STI, MOV SS, POP SS) */
    F_ASIZE_MNEM = 1 << 6, /* "a|b" mnemonic chosen by address size, not operand size */
};

enum x86_op {
#define X(name, ...) X86_OP_##name,
#include "x86/opcodes.def"
#undef X
    X86_OP_UD,     /* undefined or illegal encoding (including bad LOCK): #UD */
    X86_OP_COUNT
};

struct x86_form {
    const char *name;      /* "ADD_EbGb" */
    const char *mnem;      /* "add", or "a|b" */
    u8 opnd[3];            /* enum x86_opnd */
    u8 flags;              /* F_* */
};
extern const struct x86_form x86_forms[X86_OP_COUNT];

struct x86_insn {
    u16 op;
    u8 len, opcode, modrm, pfx, osize, asize;
    u8 seg, reg, rm, mod, base, index, scale, cc;
    i32 disp;
    u32 imm, imm2;
};

enum x86_mode { X86_MODE_16 = 2, X86_MODE_32 = 4 }; /* default operand/address size of CS */

enum {
    X86_DEC_TRUNC = -1,    /* more bytes needed than `avail` (caller fetches more or faults) */
    X86_DEC_TOOLONG = -2,  /* longer than 15 bytes: #GP(0) */
};

/* Decode one instruction from bytes[0..avail). Returns its length (> 0), or
 * X86_DEC_TRUNC / X86_DEC_TOOLONG. An undefined opcode decodes with op =
 * X86_OP_UD and its best-known length. Pure: thread-safe, no global state
 * other than const tables. */
int x86_decode(const u8 *bytes, size_t avail, enum x86_mode mode, struct x86_insn *out);

/* Intel-syntax text for a decoded instruction at address `addr` (used for
 * relative branch targets). Returns the length of the text. */
int x86_format(const struct x86_insn *in, u32 addr, char *buf, size_t size);

static inline const struct x86_form *x86_form_of(const struct x86_insn *in) { return &x86_forms[in->op]; }

#endif
