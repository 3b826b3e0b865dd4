/*
 * The pure, table-driven decoder: bytes + mode -> struct x86_insn.
 *
 * Every lookup table here is built at compile time from opcodes.def, so the
 * decoder has no initialization and no mutable state:
 *   prim[map][byte]        form+1 for N/R/C encodings (0: not there)
 *   grp[map][byte][reg]    form+1 for E encodings (ModRM.reg extensions)
 *   is_group[map][byte]    1 if the byte is a ModRM.reg-extended group
 *   fattr[form]            what the form needs: ModRM?, immediates, flags
 *   ud_attr[map][byte]     the same for bytes outside the table (UD), so an
 *                          undefined opcode still gets its best-known length
 *   sse[pc][byte][r]       0F mandatory-prefix space (S encodings): form+1 by
 *                          prefix class pc (PC_*) and r = (mod == 3)
 *   sgrp[pc][g][reg][r]    its ModRM.reg groups (SE encodings), g = SGRP(byte)
 *   sse_space[byte]        1 + SGRP(byte) for a group, 1 for other bytes of
 *                          that space, 0 outside it
 * map 0 is the one-byte map, map 1 the 0F map.
 *
 * The encoding macros N1/N2/E1/E2/R1/R2/C1/C2 are never defined as macros:
 * EACH() pastes a table prefix onto each of them (P_N1, G_E2, ...) and the
 * result names a designated initializer for one table.
 */
#include "x86/insn.h"

/* Immediate kinds, by operand token. */
enum { K_NONE, K_B, K_BS, K_W, K_Z, K_JB, K_JZ, K_AP, K_MOFFS };

/* Per-token decode attribute: immediate kind in bits 0-3, bit 4 = needs ModRM. */
#define DA_MR 0x10
#define DA_NONE 0
#define DA_Eb DA_MR
#define DA_Ew DA_MR
#define DA_Ev DA_MR
#define DA_Gb DA_MR
#define DA_Gw DA_MR
#define DA_Gv DA_MR
#define DA_M DA_MR
#define DA_Mp DA_MR
#define DA_Mq DA_MR
#define DA_Ms DA_MR
#define DA_Ma DA_MR
#define DA_Sw DA_MR
#define DA_Cd DA_MR
#define DA_Dd DA_MR
#define DA_Rd DA_MR
#define DA_EST DA_MR
#define DA_Ib K_B
#define DA_Ibs K_BS
#define DA_Iw K_W
#define DA_Iv K_Z /* no 64-bit mode: Iv == Iz */
#define DA_Iz K_Z
#define DA_Jb K_JB
#define DA_Jz K_JZ
#define DA_Ap K_AP
#define DA_Ob K_MOFFS
#define DA_Ov K_MOFFS
#define DA_Zb 0
#define DA_Zv 0
#define DA_Zd 0
#define DA_AL 0
#define DA_CL 0
#define DA_DX 0
#define DA_eAX 0
#define DA_ONE 0
#define DA_ES 0
#define DA_CS 0
#define DA_SS 0
#define DA_DS 0
#define DA_FS 0
#define DA_GS 0
#define DA_Pq DA_MR
#define DA_Pd DA_MR
#define DA_Qq DA_MR
#define DA_Qd DA_MR
#define DA_Nq DA_MR
#define DA_Vps DA_MR
#define DA_Vpd DA_MR
#define DA_Vss DA_MR
#define DA_Vsd DA_MR
#define DA_Vdq DA_MR
#define DA_Vq DA_MR
#define DA_Vd DA_MR
#define DA_Wps DA_MR
#define DA_Wpd DA_MR
#define DA_Wss DA_MR
#define DA_Wsd DA_MR
#define DA_Wdq DA_MR
#define DA_Wq DA_MR
#define DA_Wd DA_MR
#define DA_Ups DA_MR
#define DA_Upd DA_MR
#define DA_Udq DA_MR
#define DA_Uq DA_MR
#define DA_Mps DA_MR
#define DA_Mpd DA_MR
#define DA_Mdq DA_MR
#define DA_Md DA_MR
#define DA_Mb DA_MR
#define DA_Ed DA_MR
#define DA_Gd DA_MR
#define DA_Edw DA_MR
#define DA_Xb 0
#define DA_Xv 0
#define DA_Yb 0
#define DA_Yv 0

enum { XA_3BYTE = 1 }; /* ud_attr only: 0F 38 / 0F 3A, one more opcode byte */

struct dattr {
    u8 modrm;   /* 1 if a ModRM byte follows the opcode */
    u8 imm1;    /* K_* of the first immediate (or moffs) */
    u8 imm2;    /* K_* of the second immediate (ENTER's Ib) */
    u8 flags;   /* F_* of the form */
    u8 xflags;  /* XA_* */
};

#define K_OF(a) ((a) & 15)
#define FIRST_K(a, b, c) (K_OF(a) ? K_OF(a) : K_OF(b) ? K_OF(b) : K_OF(c))
#define MK_ATTR(a, b, c, fl) \
    { !!(((a) | (b) | (c)) & DA_MR), FIRST_K(a, b, c), (K_OF(a) && K_OF(b)) ? K_OF(b) : 0, (fl), 0 }

static const struct dattr fattr[X86_OP_COUNT] = {
#define X(name, mn, o1, o2, o3, fl, ...) [X86_OP_##name] = MK_ATTR(DA_##o1, DA_##o2, DA_##o3, fl),
#include "x86/opcodes.def"
#undef X
    [X86_OP_UD] = {0, 0, 0, 0, 0},
};

/* Apply T##enc(op) to each encoding of a row (up to 10). */
#define EA1(T, op, a) T##a(op)
#define EA2(T, op, a, ...) T##a(op) EA1(T, op, __VA_ARGS__)
#define EA3(T, op, a, ...) T##a(op) EA2(T, op, __VA_ARGS__)
#define EA4(T, op, a, ...) T##a(op) EA3(T, op, __VA_ARGS__)
#define EA5(T, op, a, ...) T##a(op) EA4(T, op, __VA_ARGS__)
#define EA6(T, op, a, ...) T##a(op) EA5(T, op, __VA_ARGS__)
#define EA7(T, op, a, ...) T##a(op) EA6(T, op, __VA_ARGS__)
#define EA8(T, op, a, ...) T##a(op) EA7(T, op, __VA_ARGS__)
#define EA9(T, op, a, ...) T##a(op) EA8(T, op, __VA_ARGS__)
#define EA10(T, op, a, ...) T##a(op) EA9(T, op, __VA_ARGS__)
#define EA_PICK(a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, N, ...) N
#define EACH(T, op, ...) \
    EA_PICK(__VA_ARGS__, EA10, EA9, EA8, EA7, EA6, EA5, EA4, EA3, EA2, EA1, none)(T, op, __VA_ARGS__)

#define PLUS1(op) (op) + 1,
#define ONE(op) 1,
#define DROP(op)

/* prim: N, R, C encodings */
#define P_N1(b) [0][b] = PLUS1
#define P_N2(b) [1][b] = PLUS1
#define P_R1(b) [0][(b) ... (b) + 7] = PLUS1
#define P_R2(b) [1][(b) ... (b) + 7] = PLUS1
#define P_C1(b) [0][(b) ... (b) + 15] = PLUS1
#define P_C2(b) [1][(b) ... (b) + 15] = PLUS1
#define P_E1(b, e) DROP
#define P_E2(b, e) DROP
#define P_S2(b, p) DROP
#define P_SM2(b, p) DROP
#define P_SR2(b, p) DROP
#define P_SEM2(b, p, e) DROP
#define P_SER2(b, p, e) DROP
static const u16 prim[2][256] = {
#define X(name, mn, o1, o2, o3, fl, ...) EACH(P_, X86_OP_##name, __VA_ARGS__)
#include "x86/opcodes.def"
#undef X
};

/* grp: E encodings */
#define G_N1(b) DROP
#define G_N2(b) DROP
#define G_R1(b) DROP
#define G_R2(b) DROP
#define G_C1(b) DROP
#define G_C2(b) DROP
#define G_S2(b, p) DROP
#define G_SM2(b, p) DROP
#define G_SR2(b, p) DROP
#define G_SEM2(b, p, e) DROP
#define G_SER2(b, p, e) DROP
#define G_E1(b, e) [0][b][e] = PLUS1
#define G_E2(b, e) [1][b][e] = PLUS1
static const u16 grp[2][256][8] = {
#define X(name, mn, o1, o2, o3, fl, ...) EACH(G_, X86_OP_##name, __VA_ARGS__)
#include "x86/opcodes.def"
#undef X
};

/* is_group: each E encoding sets the same element to 1 again, hence the pragma. */
#define I_N1(b) DROP
#define I_N2(b) DROP
#define I_R1(b) DROP
#define I_R2(b) DROP
#define I_C1(b) DROP
#define I_C2(b) DROP
#define I_S2(b, p) DROP
#define I_SM2(b, p) DROP
#define I_SR2(b, p) DROP
#define I_SEM2(b, p, e) DROP
#define I_SER2(b, p, e) DROP
#define I_E1(b, e) [0][b] = ONE
#define I_E2(b, e) [1][b] = ONE
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
static const u8 is_group[2][256] = {
#define X(name, mn, o1, o2, o3, fl, ...) EACH(I_, X86_OP_##name, __VA_ARGS__)
#include "x86/opcodes.def"
#undef X
};
#pragma GCC diagnostic pop

/* The mandatory-prefix space of the 0F map (MMX/SSE/SSE2). */
enum { PC_NP, PC_66, PC_F3, PC_F2 };
/* groups of that space: 0F AE -> 0, 0F 71/72/73 -> 1/2/3 */
#define SGRP(b) ((b) == 0xAE ? 0 : (b) - 0x70)
#define S_N1(b) DROP
#define S_N2(b) DROP
#define S_R1(b) DROP
#define S_R2(b) DROP
#define S_C1(b) DROP
#define S_C2(b) DROP
#define S_E1(b, e) DROP
#define S_E2(b, e) DROP
#define S_S2(b, p) [PC_##p][b] = {PLUS2
#define S_SM2(b, p) [PC_##p][b][0] = PLUS1
#define S_SR2(b, p) [PC_##p][b][1] = PLUS1
#define S_SEM2(b, p, e) DROP
#define S_SER2(b, p, e) DROP
#define PLUS2(op) (op) + 1, (op) + 1},
static const u16 sse[4][256][2] = {
#define X(name, mn, o1, o2, o3, fl, ...) EACH(S_, X86_OP_##name, __VA_ARGS__)
#include "x86/opcodes.def"
#undef X
};

#define SG_N1(b) DROP
#define SG_N2(b) DROP
#define SG_R1(b) DROP
#define SG_R2(b) DROP
#define SG_C1(b) DROP
#define SG_C2(b) DROP
#define SG_E1(b, e) DROP
#define SG_E2(b, e) DROP
#define SG_S2(b, p) DROP
#define SG_SM2(b, p) DROP
#define SG_SR2(b, p) DROP
#define SG_SEM2(b, p, e) [PC_##p][SGRP(b)][e][0] = PLUS1
#define SG_SER2(b, p, e) [PC_##p][SGRP(b)][e][1] = PLUS1
static const u16 sgrp[4][4][8][2] = {
#define X(name, mn, o1, o2, o3, fl, ...) EACH(SG_, X86_OP_##name, __VA_ARGS__)
#include "x86/opcodes.def"
#undef X
};

/* sse_space: like is_group, elements are set more than once. */
#define SP_N1(b) DROP
#define SP_N2(b) DROP
#define SP_R1(b) DROP
#define SP_R2(b) DROP
#define SP_C1(b) DROP
#define SP_C2(b) DROP
#define SP_E1(b, e) DROP
#define SP_E2(b, e) DROP
#define SP_S2(b, p) [b] = ONE
#define SP_SM2(b, p) [b] = ONE
#define SP_SR2(b, p) [b] = ONE
#define ZERO(op) 0,
#define SP_SEM2(b, p, e) [b] = 2 + SGRP(b) + ZERO
#define SP_SER2(b, p, e) [b] = 2 + SGRP(b) + ZERO
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
static const u8 sse_space[256] = {
#define X(name, mn, o1, o2, o3, fl, ...) EACH(SP_, X86_OP_##name, __VA_ARGS__)
#include "x86/opcodes.def"
#undef X
};
#pragma GCC diagnostic pop

/*
 * Lengths of bytes the table does not define (they decode as X86_OP_UD), from
 * the Intel/AMD opcode maps: groups' undefined members, and the 0F map's
 * MMX/SSE/3DNow!/VMX/later opcodes, so that a UD is at least as long as the
 * instruction a newer CPU would see.
 */
#define UA_M {1, 0, 0, 0, 0}
#define UA_MIB {1, K_B, 0, 0, 0}
static const struct dattr ud_attr[2][256] = {
    [0][0xC6] = UA_MIB,                  /* C6 /7 F8 ib is XABORT */
    [0][0xC7] = {1, K_Z, 0, 0, 0},       /* C7 /7 F8 iz is XBEGIN */
    [1][0x0D] = UA_M,                    /* prefetch (3DNow!) */
    [1][0x0F] = UA_MIB,                  /* 3DNow!: ModRM, then the opcode suffix byte */
    [1][0x10 ... 0x17] = UA_M,           /* SSE moves */
    [1][0x24 ... 0x27] = UA_M,           /* 386/486 MOV TRn (0F 25/27 unused) */
    [1][0x28 ... 0x2F] = UA_M,           /* SSE */
    [1][0x38] = {1, 0, 0, 0, XA_3BYTE},  /* three-byte map 0F 38 xx /r */
    [1][0x3A] = {1, K_B, 0, 0, XA_3BYTE},/* three-byte map 0F 3A xx /r ib */
    [1][0x50 ... 0x6F] = UA_M,           /* SSE/MMX */
    [1][0x70 ... 0x73] = UA_MIB,         /* pshuf*, MMX shift groups */
    [1][0x74 ... 0x76] = UA_M,
    [1][0x78 ... 0x79] = UA_M,           /* VMREAD/VMWRITE */
    [1][0x7C ... 0x7F] = UA_M,
    [1][0xA6 ... 0xA7] = UA_M,           /* early 486 XBTS/IBTS */
    [1][0xAE] = UA_M,                    /* FXSAVE group, fences */
    [1][0xB8] = UA_M,                    /* POPCNT (F3) */
    [1][0xBA] = UA_MIB,                  /* BT group /0-/3 */
    [1][0xC2] = UA_MIB,
    [1][0xC3] = UA_M,                    /* MOVNTI */
    [1][0xC4 ... 0xC6] = UA_MIB,
    [1][0xC7] = UA_M,                    /* CMPXCHG8B group */
    [1][0xD0 ... 0xFF] = UA_M,           /* MMX/SSE2 */
};

/* Prefix classes. */
enum { PK_NONE, PK_SEG, PK_OPSIZE, PK_ADSIZE, PK_LOCK, PK_REPNE, PK_REP };
static const u8 pfx_kind[256] = {
    [0x26] = PK_SEG, [0x2E] = PK_SEG, [0x36] = PK_SEG, [0x3E] = PK_SEG,
    [0x64] = PK_SEG, [0x65] = PK_SEG, [0x66] = PK_OPSIZE, [0x67] = PK_ADSIZE,
    [0xF0] = PK_LOCK, [0xF2] = PK_REPNE, [0xF3] = PK_REP,
};
static const u8 seg_of_pfx[8] = { /* (byte >> 3) & 7 for 26/2E/36/3E; FS/GS by hand */
    [4] = X86_SEG_ES, [5] = X86_SEG_CS, [6] = X86_SEG_SS, [7] = X86_SEG_DS,
};

/* 16-bit ModRM.rm -> base, index */
static const u8 base16[8] = {X86_EBX, X86_EBX, X86_EBP, X86_EBP, X86_ESI, X86_EDI, X86_EBP, X86_EBX};
static const u8 index16[8] = {X86_ESI, X86_EDI, X86_ESI, X86_EDI,
                              X86_REG_NONE, X86_REG_NONE, X86_REG_NONE, X86_REG_NONE};

/* Ensure bytes [0, n) exist: longer than 15 wins over running out of bytes. */
#define NEED(n) do { \
        size_t n_ = (n); \
        if (unlikely(n_ > 15)) return X86_DEC_TOOLONG; \
        if (unlikely(n_ > avail)) return X86_DEC_TRUNC; \
    } while (0)

static inline u32 rd(const u8 *p, unsigned size)
{
    return size == 1 ? p[0] : size == 2 ? ld16(p) : ld32(p);
}

/* Byte size of an immediate of kind k. */
static inline unsigned imm_size(unsigned k, unsigned osize, unsigned asize)
{
    switch (k) {
    case K_B: case K_BS: case K_JB: return 1;
    case K_W: return 2;
    case K_Z: case K_JZ: return osize;
    case K_AP: return osize + 2u;
    case K_MOFFS: return asize;
    default: return 0;
    }
}

int x86_decode(const u8 *bytes, size_t avail, enum x86_mode mode, struct x86_insn *out)
{
    unsigned i = 0, pfx = 0, seg = X86_SEG_DS, ovr = 0xff;

    /* prefixes, in any order and repetition */
    for (;;) {
        NEED(i + 1);
        u8 c = bytes[i];
        unsigned k = pfx_kind[c];
        if (likely(k == PK_NONE)) break;
        switch (k) {
        case PK_SEG:
            pfx |= X86_PFX_SEG;
            ovr = c == 0x64 ? X86_SEG_FS : c == 0x65 ? X86_SEG_GS : seg_of_pfx[(c >> 3) & 7];
            break;
        case PK_OPSIZE: pfx |= X86_PFX_OPSIZE; break;
        case PK_ADSIZE: pfx |= X86_PFX_ADSIZE; break;
        case PK_LOCK: pfx |= X86_PFX_LOCK; break;
        /* F2 and F3 exclude each other; the last one counts (as on hardware) */
        case PK_REPNE: pfx = (pfx & ~X86_PFX_REP) | X86_PFX_REPNE; break;
        case PK_REP: pfx = (pfx & ~X86_PFX_REPNE) | X86_PFX_REP; break;
        }
        i++;
    }
    unsigned osize = (pfx & X86_PFX_OPSIZE) ? 6u - mode : (unsigned)mode;
    unsigned asize = (pfx & X86_PFX_ADSIZE) ? 6u - mode : (unsigned)mode;

    /* opcode */
    unsigned map = 0, opc = bytes[i++];
    if (opc == 0x0F) {
        NEED(i + 1);
        map = 1;
        opc = bytes[i++];
    }
    unsigned form = prim[map][opc], group = is_group[map][opc], gopc = opc;
    unsigned pc = 0, space = 0; /* 0F mandatory-prefix space: prefix class, sse_space[opc] */
    const struct dattr *a;
    if (unlikely(map == 1) && (space = sse_space[opc]) != 0) {
        pc = pfx & X86_PFX_REP ? PC_F3 : pfx & X86_PFX_REPNE ? PC_F2 : pfx & X86_PFX_OPSIZE ? PC_66 : PC_NP;
        osize = (unsigned)mode; /* 66 selects a form here; it is no operand-size override */
        group = space > 1;
        /* the form before ModRM is known: either slot (both have the same layout) */
        form = group ? 0 : sse[pc][opc][0] ? sse[pc][opc][0] : sse[pc][opc][1];
    }
    if (form) {
        form--;
        a = &fattr[form];
    } else {
        form = X86_OP_UD;
        a = &ud_attr[map][opc];
        if (unlikely(a->xflags & XA_3BYTE)) {
            NEED(i + 1);
            opc = bytes[i++];
        }
    }

    out->pfx = (u8)pfx;
    out->osize = (u8)osize;
    out->asize = (u8)asize;
    out->modrm = 0;
    out->reg = opc & 7;
    out->rm = 0;
    out->mod = 3;
    out->base = X86_REG_NONE;
    out->index = X86_REG_NONE;
    out->scale = 0;
    out->cc = opc & 15;
    out->disp = 0;
    out->imm = 0;
    out->imm2 = 0;

    if (a->modrm || group) {
        NEED(i + 1);
        unsigned m = bytes[i++];
        unsigned mod = m >> 6, reg = (m >> 3) & 7, rm = m & 7;
        if (unlikely(space)) {
            /* the form by prefix class and register/memory ModRM; a missing one is #UD
             * (with the other slot's length for non-groups, ud_attr's for groups) */
            unsigned g = group ? sgrp[pc][space - 2][reg][mod == 3] : sse[pc][gopc][mod == 3];
            form = g ? g - 1 : X86_OP_UD;
            if (g) a = &fattr[form];
        } else if (group) {
            unsigned g = grp[map][gopc][reg];
            if (g) {
                form = g - 1;
                a = &fattr[form];
            }
        }
        out->modrm = (u8)m;
        out->reg = (u8)reg;
        out->rm = (u8)rm;
        if (a->flags & F_MODREG) mod = 3;
        out->mod = (u8)mod;
        if (mod != 3) {
            unsigned dsz = 0;
            if (asize == 2) {
                if (mod == 0 && rm == 6) {
                    dsz = 2;
                } else {
                    out->base = base16[rm];
                    out->index = index16[rm];
                    if (out->base == X86_EBP) seg = X86_SEG_SS;
                    dsz = mod == 1 ? 1 : mod == 2 ? 2 : 0;
                }
            } else {
                unsigned base = rm;
                if (rm == 4) {
                    NEED(i + 1);
                    unsigned sib = bytes[i++];
                    unsigned idx = (sib >> 3) & 7;
                    base = sib & 7;
                    if (idx != 4) {
                        out->index = (u8)idx;
                        out->scale = (u8)(sib >> 6);
                    }
                    if (base == 5 && mod == 0) {
                        base = X86_REG_NONE;
                        dsz = 4;
                    }
                } else if (rm == 5 && mod == 0) {
                    base = X86_REG_NONE;
                    dsz = 4;
                }
                out->base = (u8)base;
                if (base == X86_ESP || base == X86_EBP) seg = X86_SEG_SS;
                if (mod == 1) dsz = 1;
                else if (mod == 2) dsz = 4;
            }
            if (dsz) {
                NEED(i + dsz);
                if (dsz == 1) out->disp = (i8)bytes[i];
                else if (dsz == 2) out->disp = (i16)ld16(bytes + i);
                else out->disp = (i32)ld32(bytes + i);
                i += dsz;
            }
        }
    }

    /* immediates */
    unsigned k = a->imm1;
    if (k) {
        unsigned n = imm_size(k, osize, asize);
        NEED(i + n + imm_size(a->imm2, osize, asize));
        u32 v = rd(bytes + i, k == K_AP ? osize : n);
        switch (k) {
        case K_BS: case K_JB: v = (u32)(i32)(i8)v; break;
        case K_JZ: if (osize == 2) v = (u32)(i32)(i16)v; break;
        case K_AP: out->imm2 = ld16(bytes + i + osize); break;
        case K_MOFFS: out->disp = (i32)v; v = 0; out->mod = 0; break;
        }
        out->imm = v;
        i += n;
        if (a->imm2) out->imm2 = bytes[i++]; /* only ENTER's Ib */
    }

    /* AMD SSE4a EXTRQ/INSERTQ (66/F2 0F 78 with a register operand) carry two
     * imm8 bytes; the only UD whose length depends on a prefix */
    if (unlikely(form == X86_OP_UD) && map == 1 && gopc == 0x78 && out->mod == 3 &&
        (pfx & (X86_PFX_OPSIZE | X86_PFX_REPNE))) {
        NEED(i + 2);
        i += 2;
    }

    out->seg = (u8)(pfx & X86_PFX_SEG ? ovr : seg);

    /* validity that depends on the whole instruction */
    if (unlikely(pfx & X86_PFX_LOCK) && (!(a->flags & F_LOCK) || out->mod == 3)) form = X86_OP_UD;
    if ((a->flags & F_MEM) && out->mod == 3) form = X86_OP_UD;
    /* MOV CRn: only CR0, CR2, CR3, CR4 exist on a P6; CR1/CR5-7 are #UD (SDM
     * "MOV-Move to/from Control Registers"), decided here as Bochs does, so
     * before the CPL check */
    if (unlikely(map == 1) && (form == X86_OP_MOV_RdCd || form == X86_OP_MOV_CdRd) &&
        (out->reg == 1 || out->reg > 4))
        form = X86_OP_UD;
    /* MOV Sreg: only ES..GS exist, and CS cannot be loaded (SDM MOV: #UD) */
    if (unlikely(opc >= 0x8C) && map == 0 && (form == X86_OP_MOV_EvSw || form == X86_OP_MOV_SwEw) &&
        (out->reg > 5 || (form == X86_OP_MOV_SwEw && out->reg == X86_SEG_CS)))
        form = X86_OP_UD;

    out->op = (u16)form;
    out->len = (u8)i;
    out->opcode = (u8)opc;
    return (int)i;
}
