/*
 * Differential test of the decoder and disassembler against Capstone 4
 * (Debian 12 libcapstone-dev 4.0.2), which nobody here wrote.
 *
 * Sweeps: every opcode of both maps with every ModRM byte behind each kind of
 * prefix, and the 0F mandatory-prefix space (MMX/SSE/SSE2) behind every
 * ordering of every subset of 66/F2/F3.
 * Random byte sequences (VD_DECODE_N per mode, default 1,000,000; seed
 * VD_DECODE_SEED) are decoded in 16- and 32-bit mode by x86_decode and by
 * cs_disasm. For every instruction both decode and that lies in our table's
 * scope (the P6 integer, system and x87 set with MMX, SSE and SSE2), we
 * compare the length, every
 * operand (registers; base/index/scale/displacement/segment of memory
 * operands; immediates and branch targets), the mnemonic, and the whole
 * x86_format text.
 *
 * Capstone decodes much that this CPU does not have (SSE3+/AVX/3DNow!/VMX,
 * ...): out_of_scope() enumerates those encodings; they are skipped and
 * counted per category. Where we say UD and Capstone decodes an in-scope
 * instruction, that is a failure. Known, justified disagreements are in the
 * allowlist (allowed()), each with the manual's reason; they are counted.
 */
/* Capstone's x86.h also defines `enum x86_reg` and `enum x86_insn`: rename its
 * tags in this file (only its functions are linked, by their own names). */
#define x86_reg cs_x86_reg_tag
#define x86_insn cs_x86_insn_tag
#include <capstone/capstone.h>
#undef x86_reg
#undef x86_insn
#include "x86/insn.h"
#ifdef HAVE_ZYDIS
#include <Zydis/Zydis.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>
#include <sys/mman.h>

/* ------------------------------------------------------------------ */
/* tallies */

enum { MAX_CAT = 64 };
struct tally {
    const char *name[MAX_CAT];
    unsigned long n[MAX_CAT];
    int count;
};
static void bump(struct tally *t, const char *name)
{
    for (int k = 0; k < t->count; k++)
        if (!strcmp(t->name[k], name)) { t->n[k]++; return; }
    if (t->count < MAX_CAT) { t->name[t->count] = name; t->n[t->count++] = 1; }
}
static unsigned long total(const struct tally *t)
{
    unsigned long s = 0;
    for (int k = 0; k < t->count; k++) s += t->n[k];
    return s;
}
static void print_tally(const char *title, const struct tally *t)
{
    for (int k = 0; k < t->count; k++) printf("    %-10s %-44s %lu\n", title, t->name[k], t->n[k]);
}

struct stats {
    unsigned long samples, compared, both_invalid, text_same;
    struct tally skipped, allowed, failed;
};

/* ------------------------------------------------------------------ */
/* the instruction's shape, read from the bytes (prefixes, map, opcode, ModRM) */

struct shape {
    const u8 *bytes;   /* the 16 bytes given to both decoders */
    enum x86_mode mode;
    int npfx;          /* prefix bytes */
    bool lock, rep, repne, opsize;
    int map;           /* 0, 1 (0F), 2 (0F 38), 3 (0F 3A) */
    u8 opc;
    bool has_modrm;    /* a byte follows the opcode (may be ModRM) */
    u8 modrm;
};

static void shape_of(const u8 *b, size_t n, struct shape *s)
{
    memset(s, 0, sizeof(*s));
    s->bytes = b;
    int i = 0;
    for (; i < (int)n; i++) {
        u8 c = b[i];
        if (c == 0xF0) s->lock = true;
        else if (c == 0xF2) { s->repne = true; s->rep = false; }
        else if (c == 0xF3) { s->rep = true; s->repne = false; }
        else if (c == 0x66) s->opsize = true;
        else if (c == 0x26 || c == 0x2E || c == 0x36 || c == 0x3E || c == 0x64 || c == 0x65 || c == 0x67) {}
        else break;
    }
    s->npfx = i;
    if (i < (int)n && b[i] == 0x0F) {
        s->map = 1;
        i++;
        if (i < (int)n && (b[i] == 0x38 || b[i] == 0x3A)) { s->map = b[i] == 0x38 ? 2 : 3; i++; }
    }
    if (i < (int)n) s->opc = b[i++];
    if (i < (int)n) { s->has_modrm = true; s->modrm = b[i]; }
}

/* Prefix class of the 0F mandatory-prefix space: the last of F2/F3, else 66. */
enum { PC_NP, PC_66, PC_F3, PC_F2 };
static int pclass(const struct shape *s)
{
    return s->rep ? PC_F3 : s->repne ? PC_F2 : s->opsize ? PC_66 : PC_NP;
}
/* 0F bytes whose meaning depends on a mandatory prefix (MMX/SSE/SSE2 and later). */
static bool simd_byte(u8 o)
{
    return (o >= 0x10 && o <= 0x17) || (o >= 0x28 && o <= 0x2F) || (o >= 0x50 && o <= 0x7F) || o == 0xAE ||
           (o >= 0xC2 && o <= 0xC6) || (o >= 0xD0 && o <= 0xFE);
}

#ifdef HAVE_ZYDIS
/* Does Zydis decode these bytes as a valid instruction of length len whose
 * mnemonic is m? (Second opinion for Capstone 4's SSE gaps.) */
static bool zydis_says(enum x86_mode mode, const u8 *b, int len, const char *m)
{
    static ZydisDecoder zd[2];
    static bool init[2];
    int k = mode == X86_MODE_32;
    if (!init[k]) {
        ZydisDecoderInit(&zd[k], k ? ZYDIS_MACHINE_MODE_LEGACY_32 : ZYDIS_MACHINE_MODE_LEGACY_16,
                         k ? ZYDIS_STACK_WIDTH_32 : ZYDIS_STACK_WIDTH_16);
        init[k] = true;
    }
    ZydisDecodedInstruction zi;
    if (!ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&zd[k], NULL, b, 16, &zi))) return false;
    return zi.length == len && (!m || !strcmp(ZydisMnemonicGetString(zi.mnemonic), m));
}
#endif

#define MOD(s) ((s)->modrm >> 6)
#define REG(s) (((s)->modrm >> 3) & 7)

/*
 * Capstone decodes these; a P6 (our scope) does not have them, so they are
 * skipped. Returns the category, or NULL if in scope. Sources: Intel SDM
 * Vol. 2 Appendix A opcode maps; AMD APM Vol. 3 for 3DNow!/XOP/SVM.
 */
static const char *out_of_scope(const struct shape *s)
{
    u8 o = s->opc;
    if (s->map >= 2) return "0F38/0F3A three-byte maps (SSSE3+)";
    if (s->map == 0) {
        if ((o == 0xC4 || o == 0xC5) && MOD(s) == 3) return "VEX (C4/C5 with mod=3, AVX)";
        if (o == 0x62 && MOD(s) == 3) return "EVEX (62 with mod=3, AVX-512)";
        if (o == 0x8F && REG(s) != 0) return "XOP (8F /1-7, AMD)";
        if ((o == 0xC6 || o == 0xC7) && s->modrm == 0xF8) return "XABORT/XBEGIN (TSX)";
        if ((o == 0xDB || o == 0xDD || o == 0xDF) && MOD(s) != 3 && REG(s) == 1) return "FISTTP (SSE3)";
        return NULL;
    }
    /* 0F map */
    if (o == 0x01 && MOD(s) == 3 && REG(s) != 4 && REG(s) != 6)
        return "0F 01 mod=3 (VMX/SVM/MONITOR/XGETBV/SWAPGS/RDTSCP...)";
    if (o == 0x01 && REG(s) == 5) return "0F 01 /5 (CET RSTORSSP/SETSSBSY..., PKU)";
    if (o == 0x05 || o == 0x07) return "SYSCALL/SYSRET (K6+)";
    if (o >= 0x0D && o <= 0x0F) return "3DNow!/PREFETCHW (0F 0D-0F)";
    int pc = pclass(s);
    if ((o == 0x12 || o == 0x16) && (pc == PC_F3 || (o == 0x12 && pc == PC_F2)))
        return "SSE3 (MOVSLDUP/MOVSHDUP/MOVDDUP)";
    if (o == 0x18 && MOD(s) != 3 && REG(s) < 4) return "PREFETCHh (0F 18 /0-3, SSE)";
    if (o >= 0x1A && o <= 0x1B && MOD(s) != 3) return "MPX (0F 1A/1B)";
    if (o == 0x1E && s->rep && s->has_modrm && (s->modrm == 0xFA || s->modrm == 0xFB)) return "ENDBR (CET)";
    if (o == 0x37) return "GETSEC (SMX)";
    if (o == 0x78 || o == 0x79) return "VMREAD/VMWRITE, SSE4a EXTRQ/INSERTQ (0F 78/79)";
    if ((o == 0x7C || o == 0x7D || o == 0xD0) && (pc == PC_66 || pc == PC_F2)) return "SSE3 (HADD/HSUB/ADDSUB)";
    if (o == 0xF0 && pc == PC_F2) return "SSE3 (LDDQU)";
    if (o == 0x2B && (pc == PC_F3 || pc == PC_F2)) return "SSE4a MOVNTSS/MOVNTSD (AMD)";
    if ((o == 0xA6 || o == 0xA7) && MOD(s) == 3) return "VIA PadLock (0F A6/A7)";
    /* group 15: P6+SSE2 has FXSAVE/FXRSTOR/LDMXCSR/STMXCSR/CLFLUSH and the fences */
    if (o == 0xAE && (pc != PC_NP || (MOD(s) != 3 && REG(s) >= 4 && REG(s) <= 6) || (MOD(s) == 3 && REG(s) < 5)))
        return "0F AE: XSAVE family, CLFLUSHOPT/CLWB, RDFSBASE..., UMONITOR...";
    if (o == 0xB8) return "POPCNT (F3 0F B8)";
    if ((o == 0xBC || o == 0xBD) && s->rep) return "TZCNT/LZCNT (F3 0F BC/BD, BMI/ABM)";
    if (o == 0xC7 && !(REG(s) == 1 && MOD(s) != 3)) return "0F C7 /0,/2-7 (RDRAND, VMPTRLD, XSAVES...)";
    return NULL;
}

/* Is the instruction valid once its LOCK prefixes are removed? (Then LOCK was
 * the reason for our UD.) */
static bool lock_free_is_valid(const struct shape *s)
{
    u8 b[16] = {0};
    int n = 0;
    for (int i = 0; i < 16; i++)
        if (!(i < s->npfx && s->bytes[i] == 0xF0)) b[n++] = s->bytes[i];
    struct x86_insn in;
    return x86_decode(b, 16, s->mode, &in) > 0 && in.op != X86_OP_UD;
}

/*
 * The allowlist: disagreements we keep on purpose. Called when the two
 * decoders disagree on an in-scope instruction (reason = what differs);
 * returns the entry's name, or NULL for a real failure.
 */
static const char *allowed(const struct shape *s, const char *what, const struct x86_insn *in,
                           const cs_insn *ci)
{
    u8 o = s->opc;
    /* SDM Vol. 2 "LOCK": #UD unless the form is lockable and its destination is
     * memory. Capstone does not check LOCK and decodes e.g. "lock add eax, eax". */
    if (!strcmp(what, "we-UD") && s->lock && lock_free_is_valid(s)) return "LOCK on a non-lockable form/register: #UD";
    /* SDM UD1: "0F B9 /r UD1 r32, r/m32" has a ModRM; Capstone 4 decodes 0F B9
     * as "ud2b" with no ModRM (2 bytes). */
    if (s->map == 1 && o == 0xB9 && (!strcmp(what, "length") || !strcmp(what, "we-TOOLONG")))
        return "UD1 has ModRM (Capstone: 2-byte ud2b)";
    /* SDM Table A-3: 0F 18-1F are reserved NOPs (with ModRM) on P6 and later;
     * Capstone rejects some encodings of 0F 18/1A/1B and names others prefetch. */
    if (s->map == 1 && o >= 0x18 && o <= 0x1F && !strcmp(what, "cs-invalid")) return "0F 18-1F hint NOPs";
    /* SDM MOV: "#UD if an attempt is made to load the CS register". Capstone decodes it. */
    if (s->map == 0 && o == 0x8E && REG(s) == 1 && !strcmp(what, "we-UD")) return "MOV CS, r/m: #UD";
    /* SDM "MOV-Move to/from Control Registers": CR1, CR5-CR7 are #UD (Bochs and
     * Zydis reject them at decode too); Capstone decodes them. */
    if (s->map == 1 && (o == 0x20 || o == 0x22) && (REG(s) == 1 || REG(s) > 4) && !strcmp(what, "we-UD"))
        return "MOV CR1/CR5-7: #UD";
    /* F2 on MOVS/STOS/LODS/INS/OUTS acts as REP on hardware (the SDM leaves it
     * undefined); we show it as written, Capstone drops it. */
    if (in && (x86_form_of(in)->flags & F_STRING) && s->repne && !strcmp(what, "mnemonic") &&
        in->op != X86_OP_CMPSB && in->op != X86_OP_CMPSV && in->op != X86_OP_SCASB && in->op != X86_OP_SCASV)
        return "F2 on non-compare string ops (Capstone omits)";
    /* SDM BSWAP: "When the BSWAP instruction references a 16-bit register, the
     * result is undefined"; we keep the 32-bit form, Capstone names the 16-bit one. */
    if (in && in->op == X86_OP_BSWAP_Zd && in->osize == 2 && !strcmp(what, "operands")) return "BSWAP with 16-bit operand size (undefined)";
    /* Capstone 4 drops a 66 prefix that comes with F2/F3 on string instructions
     * ("66 f2 a5" -> movsd); the SDM gives 66 its usual meaning there. */
    if (in && (x86_form_of(in)->flags & F_STRING) && s->opsize && (s->rep || s->repne) &&
        strcmp(what, "we-UD"))
        return "66 with F2/F3 on string ops (Capstone drops 66)";
    /* SDM Jcc/JMP/CALL: with a 32-bit operand size the target is EIP + rel32, also
     * in 16-bit code; Capstone truncates branch targets to 16 bits in 16-bit mode. */
    bool rel = in && ci && (x86_form_of(in)->opnd[0] == O_Jz || x86_form_of(in)->opnd[0] == O_Jb) &&
               !strcmp(what, "operands");
    u32 tgt = rel ? ci->address + in->len + in->imm : 0;
    bool low16 = rel && ((ci->detail->x86.operands[0].imm ^ tgt) & 0xffff) == 0;
    if (low16 && in->osize == 4 && ci->size == in->len && (in->pfx & X86_PFX_OPSIZE)) /* 16-bit mode */
        return "32-bit branch target in 16-bit mode (Capstone truncates)";
    /* Same SDM pages: the address size (67) plays no part in the target; Capstone 4
     * gets the upper 16 bits wrong when 67 is present in 32-bit code. */
    if (low16 && in->osize == 4 && (in->pfx & X86_PFX_ADSIZE) && !(in->pfx & X86_PFX_OPSIZE))
        return "67 on a relative branch (Capstone 4 target)";
    /* x87: the decoder's ESC form covers every ModRM; the FPU raises #UD for the
     * reserved ones. Allowed only when our disassembler also calls it (bad). */
    if (in && in->op == X86_OP_ESC && !strcmp(what, "cs-invalid")) {
        char t[64];
        x86_format(in, 0, t, sizeof(t));
        if (!strcmp(t, "(bad)")) return "x87 reserved encoding (ESC decoded, FPU #UD)";
    }
    /* Capstone names two x87 encodings its own way: D9 D8+i (an undocumented
     * alias of FSTP ST(i)) "fstpnce", and DB E0/E1 (8087 FENI/FDISI, NOPs since
     * the 287) "feni8087_nop"/"fdisi8087_nop"; we print fstp and fneni/fndisi. */
    if (in && in->op == X86_OP_ESC && in->mod == 3 && !strcmp(what, "mnemonic") &&
        ((in->opcode == 0xD9 && in->reg == 3) || (in->opcode == 0xDB && (in->modrm == 0xE0 || in->modrm == 0xE1))))
        return "x87 alias names (fstpnce, feni8087_nop)";
    /* SDM CBW/CWDE and CWD/CDQ: the name follows the operand size; Capstone 4
     * says cwde/cdq for 98/99 without 66 in 16-bit mode. */
    if (in && (in->op == X86_OP_CBW || in->op == X86_OP_CWD) && !strcmp(what, "mnemonic") && in->osize == 2 &&
        (!strcmp(ci->mnemonic, "cwde") || !strcmp(ci->mnemonic, "cdq")))
        return "CBW/CWD with 16-bit operand size (Capstone: cwde/cdq)";
    if ((s->map == 1 && simd_byte(o)) || (s->map == 0 && o == 0x90 && s->rep)) {
        /* Capstone 4 loses mandatory prefixes in two situations; where Zydis
         * decodes the bytes exactly as we do (length and mnemonic), it is
         * Capstone's error (SDM 2.1.1/2.1.2: prefix order is free, and 66 selects
         * the SSE2 form in every mode). */
        if (in && (!strcmp(what, "mnemonic") || !strcmp(what, "operands") || !strcmp(what, "length"))) {
            char t[64];
            x86_format(in, 0, t, sizeof(t));
            t[strcspn(t, " ")] = 0;
            if (in->op == X86_OP_CMPPS_VpsWpsIb || in->op == X86_OP_CMPPD_VpdWpdIb ||
                in->op == X86_OP_CMPSS_VssWssIb || in->op == X86_OP_CMPSD_VsdWsdIb)
                snprintf(t, sizeof(t), "%s", x86_form_of(in)->mnem);
            u8 last = s->npfx ? s->bytes[s->npfx - 1] : 0;
            bool adjacent = last == (pclass(s) == PC_F3 ? 0xF3 : pclass(s) == PC_F2 ? 0xF2 : 0x66);
#ifdef HAVE_ZYDIS
            bool z = zydis_says(s->mode, s->bytes, in->len, t);
#else
            bool z = true;
#endif
            if (z && s->mode == X86_MODE_16 && pclass(s) != PC_NP)
                return "mandatory prefix in 16-bit mode (Capstone 4 ignores it; Zydis agrees with us)";
            if (z && pclass(s) != PC_NP && !adjacent)
                return "mandatory prefix not next to the opcode (Capstone 4 ignores it; Zydis agrees with us)";
        }
    }
    if (s->map == 1 && simd_byte(o)) {
        /* SDM Vol. 2 2.1.2 and the opcode maps (Table ): in the 0F
         * mandatory-prefix space a 66/F2/F3 selects the form; a class without a
         * form is reserved (#UD: Zydis/XED, QEMU, Bochs). Capstone 4 ignores the
         * prefix and decodes the unprefixed form (F3 0F 60 as punpcklbw mm).
         * Allowed only where Zydis rejects it too. */
        if (!strcmp(what, "we-UD")) {
#ifdef HAVE_ZYDIS
            if (zydis_says(s->mode, s->bytes, (int)ci->size, NULL)) return NULL;
#endif
            return "SIMD prefix class without a form: #UD (Capstone ignores the prefix)";
        }
        /* Opcode map Table A-6: group 15 mod=11 /5 /6 /7 are LFENCE/MFENCE/SFENCE
         * for every rm; Capstone 4 knows only rm=0 (Zydis decodes them all). */
        if (o == 0xAE && MOD(s) == 3 && REG(s) >= 5 && !strcmp(what, "cs-invalid"))
            return "LFENCE/MFENCE/SFENCE with rm != 0 (Capstone: invalid)";
        /* Capstone 4 rejects some valid SSE2 encodings in 16-bit mode and when a
         * prefix (repeated 66, 67, segment) sits between the mandatory prefix and
         * 0F; Zydis decodes them as we do (same length and mnemonic). */
        if (in && !strcmp(what, "cs-invalid")) {
            char t[64];
            x86_format(in, 0, t, sizeof(t));
            t[strcspn(t, " ")] = 0;
            if (in->op == X86_OP_CMPPS_VpsWpsIb || in->op == X86_OP_CMPPD_VpdWpdIb ||
                in->op == X86_OP_CMPSS_VssWssIb || in->op == X86_OP_CMPSD_VsdWsdIb)
                snprintf(t, sizeof(t), "%s", x86_form_of(in)->mnem);
#ifdef HAVE_ZYDIS
            if (!zydis_says(s->mode, s->bytes, in->len, t)) return NULL;
            return "SSE2 encoding Capstone 4 rejects (Zydis agrees with us)";
#else
            return "SSE2 encoding Capstone 4 rejects (unconfirmed: no Zydis)";
#endif
        }
    }
    return NULL;
}

/* ------------------------------------------------------------------ */
/* our operands in Capstone's terms */

static const char *const r8[8] = {"al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"};
static const char *const r16[8] = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di"};
static const char *const r32[8] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
static const char *const sregs[6] = {"es", "cs", "ss", "ds", "fs", "gs"};
static const char *rn(unsigned size, unsigned r)
{
    return size == 1 ? r8[r & 7] : size == 2 ? r16[r & 7] : r32[r & 7];
}

struct xop {
    enum { XREG, XIMM, XMEM, XANY } t;
    const char *reg;       /* XREG */
    u32 imm, mask;         /* XIMM: compare (value & mask) */
    const char *base, *index, *seg;
    unsigned scale;
    u32 disp, dmask;
};

static int expected_ops(const struct x86_insn *in, u32 addr, struct xop *x)
{
    const struct x86_form *f = x86_form_of(in);
    unsigned os = in->osize, n = 0;
    u32 omask = os == 2 ? 0xffff : 0xffffffff;
    /* Capstone conventions (also x86_format's): AAM/AAD with the default base 10
     * show no operand; XCHG eAX,r lists eAX first; MOV Sreg, reg shows the
     * register at operand size. */
    if ((in->op == X86_OP_AAM_Ib || in->op == X86_OP_AAD_Ib) && in->imm == 10) return 0;
    if (in->op == X86_OP_XCHG_ZveAX) {
        memset(x, 0, 2 * sizeof(*x));
        x[0].t = x[1].t = XREG;
        x[0].reg = rn(os, 0);
        x[1].reg = rn(os, in->opcode & 7);
        return 2;
    }
    if (in->op == X86_OP_MOV_SwEw && in->mod == 3) {
        memset(x, 0, 2 * sizeof(*x));
        x[0].t = x[1].t = XREG;
        x[0].reg = sregs[in->reg];
        x[1].reg = rn(os, in->rm);
        return 2;
    }
    if ((in->op == X86_OP_LAR_GvEw || in->op == X86_OP_LSL_GvEw) && in->mod == 3) {
        memset(x, 0, 2 * sizeof(*x));
        x[0].t = x[1].t = XREG;
        x[0].reg = rn(os, in->reg);
        x[1].reg = rn(os, in->rm);
        return 2;
    }
    for (int k = 0; k < 3 && f->opnd[k] != O_NONE; k++) {
        struct xop *p = &x[n++];
        memset(p, 0, sizeof(*p));
        unsigned t = f->opnd[k];
        bool is_mem = false, str_di = false, str_si = false;
        switch (t) {
        case O_Eb: case O_Ew: case O_Ev:
            if (in->mod == 3) { p->t = XREG; p->reg = rn(t == O_Eb ? 1 : t == O_Ew ? 2 : os, in->rm); }
            else is_mem = true;
            break;
        case O_Gb: p->t = XREG; p->reg = r8[in->reg]; break;
        case O_Gw: p->t = XREG; p->reg = r16[in->reg]; break;
        case O_Gv: p->t = XREG; p->reg = rn(os, in->reg); break;
        case O_Ib:
            p->t = XIMM; p->imm = k == 1 && f->opnd[0] == O_Iw ? in->imm2 : in->imm; p->mask = 0xff;
            if ((in->op == X86_OP_CMPPS_VpsWpsIb || in->op == X86_OP_CMPPD_VpdWpdIb ||
                 in->op == X86_OP_CMPSS_VssWssIb || in->op == X86_OP_CMPSD_VsdWsdIb) && (in->imm & 0xff) < 8)
                n--; /* CMPccPS...: the predicate is part of the mnemonic */
            break;
        case O_Ibs: p->t = XIMM; p->imm = in->imm; p->mask = omask; break;
        case O_Iw: p->t = XIMM; p->imm = in->imm; p->mask = 0xffff; break;
        case O_Iv: case O_Iz: p->t = XIMM; p->imm = in->imm; p->mask = omask; break;
        case O_Jb: case O_Jz: p->t = XIMM; p->imm = addr + in->len + in->imm; p->mask = omask; break;
        case O_M: case O_Mp: case O_Mq: case O_Ms: case O_Ma: case O_Ob: case O_Ov: is_mem = true; break;
        case O_Ap:
            p->t = XIMM; p->imm = in->imm2; p->mask = 0xffff;
            p = &x[n++]; memset(p, 0, sizeof(*p));
            p->t = XIMM; p->imm = in->imm; p->mask = omask;
            break;
        case O_Sw: p->t = XREG; p->reg = in->reg < 6 ? sregs[in->reg] : "?"; break;
        case O_Cd: { static const char *const cr[8] = {"cr0", "cr1", "cr2", "cr3", "cr4", "cr5", "cr6", "cr7"};
            p->t = XREG; p->reg = cr[in->reg]; break; }
        case O_Dd: { static const char *const dr[8] = {"dr0", "dr1", "dr2", "dr3", "dr4", "dr5", "dr6", "dr7"};
            p->t = XREG; p->reg = dr[in->reg]; break; }
        case O_Rd: p->t = XREG; p->reg = r32[in->rm]; break;
        case O_Zb: p->t = XREG; p->reg = r8[in->opcode & 7]; break;
        case O_Zv: p->t = XREG; p->reg = rn(os, in->opcode & 7); break;
        case O_Zd: p->t = XREG; p->reg = r32[in->opcode & 7]; break;
        case O_AL: p->t = XREG; p->reg = "al"; break;
        case O_CL: p->t = XREG; p->reg = "cl"; break;
        case O_DX: p->t = XREG; p->reg = "dx"; break;
        case O_eAX: p->t = XREG; p->reg = rn(os, 0); break;
        case O_ONE: p->t = XIMM; p->imm = 1; p->mask = 0xff; break;
        case O_ES: case O_CS: case O_SS: case O_DS: case O_FS: case O_GS:
            p->t = XREG; p->reg = sregs[t - O_ES]; break;
        case O_Xb: case O_Xv: str_si = true; break;
        case O_Yb: case O_Yv: str_di = true; break;
        case O_EST:
            if (in->mod == 3) p->t = XANY;
            else is_mem = true;
            break;
        default: {
            static const char *const mm[8] = {"mm0", "mm1", "mm2", "mm3", "mm4", "mm5", "mm6", "mm7"};
            static const char *const xmm[8] = {"xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7"};
            p->t = XREG;
            switch (x86_simd_opnd(t, NULL)) {
            case XK_MM: p->reg = mm[in->reg]; break;
            case XK_XMM: p->reg = xmm[in->reg]; break;
            case XK_GPR: p->reg = r32[in->reg]; break;
            case XK_MM_RM: if (in->mod == 3) p->reg = mm[in->rm]; else is_mem = true; break;
            case XK_XMM_RM: if (in->mod == 3) p->reg = xmm[in->rm]; else is_mem = true; break;
            case XK_GPR_RM: if (in->mod == 3) p->reg = r32[in->rm]; else is_mem = true; break;
            case XK_MEM: is_mem = true; break;
            case XK_NONE: p->t = XANY; break;
            }
            break;
        }
        }
        if (is_mem || str_si || str_di) {
            p->t = XMEM;
            u32 am = in->asize == 2 ? 0xffff : 0xffffffff;
            if (str_si || str_di) {
                p->base = rn(in->asize, str_di ? X86_EDI : X86_ESI);
                p->scale = 1;
            } else {
                p->base = in->base == X86_REG_NONE ? NULL : rn(in->asize, in->base);
                p->index = in->index == X86_REG_NONE ? NULL : rn(in->asize, in->index);
                p->scale = in->index == X86_REG_NONE ? 1 : 1u << in->scale;
                p->disp = (u32)in->disp;
            }
            p->dmask = am;
            p->seg = str_di ? "es" : (in->pfx & X86_PFX_SEG) ? sregs[in->seg] : NULL;
        }
    }
    return (int)n;
}

static bool streq(const char *a, const char *b)
{
    if (!a || !b) return a == b;
    return !strcmp(a, b);
}
static const char *csreg(csh h, unsigned r) { return r == X86_REG_INVALID ? NULL : cs_reg_name(h, r); }

/* Compare operands; on mismatch write a reason into why. */
static bool same_ops(csh h, const struct x86_insn *in, const cs_insn *ci, u32 addr, char *why, size_t wsz)
{
    struct xop x[4];
    int n = expected_ops(in, addr, x);
    const cs_x86 *d = &ci->detail->x86;
    int cn = d->op_count;
    /* Capstone shows implicit/extra operands for some forms: compare the common prefix
     * only where that is the documented convention difference. */
    bool prefix_only = in->op == X86_OP_NOP_Ev || in->op == X86_OP_ESC;
    if (cn != n && !prefix_only) {
        snprintf(why, wsz, "operand count %d vs capstone %d", n, cn);
        return false;
    }
    for (int k = 0; k < n && k < cn; k++) {
        const cs_x86_op *c = &d->operands[k];
        const struct xop *p = &x[k];
        switch (p->t) {
        case XANY: break;
        case XREG:
            if (c->type != X86_OP_REG || !streq(p->reg, csreg(h, c->reg))) {
                snprintf(why, wsz, "op%d: reg %s", k, p->reg);
                return false;
            }
            break;
        case XIMM:
            if (c->type != X86_OP_IMM || ((u32)c->imm & p->mask) != (p->imm & p->mask)) {
                snprintf(why, wsz, "op%d: imm 0x%x vs capstone 0x%" PRIx64, k, p->imm & p->mask, (u64)c->imm);
                return false;
            }
            break;
        case XMEM:
            if (c->type != X86_OP_MEM || !streq(p->base, csreg(h, c->mem.base)) ||
                !streq(p->index, csreg(h, c->mem.index)) || (p->index && (unsigned)c->mem.scale != p->scale) ||
                ((u32)c->mem.disp & p->dmask) != (p->disp & p->dmask) || !streq(p->seg, csreg(h, c->mem.segment))) {
                snprintf(why, wsz, "op%d: mem seg=%s base=%s index=%s*%u disp=0x%x", k,
                         p->seg ? p->seg : "-", p->base ? p->base : "-", p->index ? p->index : "-",
                         p->scale, p->disp & p->dmask);
                return false;
            }
            break;
        }
    }
    return true;
}

/* ------------------------------------------------------------------ */
/* mnemonics and text */

/* Capstone 4 spellings that differ from ours (the Intel/objdump names). */
static const char *cs_alias(const char *m, const struct x86_insn *in)
{
    static const char *const map[][2] = {
        {"wait", "fwait"},    /* SDM: "WAIT/FWAIT"; objdump says fwait */
        {"pushaw", "pusha"}, {"popaw", "popa"}, {"pushal", "pushad"}, {"popal", "popad"},
        {"ud2b", "ud1"},      /* see allowlist: Capstone's 2-byte ud2b */
        {"ud1", "ud1"},
    };
    for (size_t k = 0; k < ARRAY_SIZE(map); k++)
        if (!strcmp(m, map[k][0])) return map[k][1];
    (void)in;
    return m;
}

/* Text normalization for the whole-line compare: Capstone's operand-size
 * keywords where it differs from objdump (xword = tbyte; "ptr [x]" without a
 * size for far pointers). */
static void norm_text(char *s)
{
    static const char *const from[] = {"xword ptr ", "wait", "pushaw", "popaw", "pushal", "popal", "ud2b"};
    static const char *const to[] = {"tbyte ptr ", "fwait", "pusha", "popa", "pushad", "popad", "ud1"};
    char tmp[256];
    for (size_t k = 0; k < ARRAY_SIZE(from); k++) {
        char *p = strstr(s, from[k]);
        if (!p) continue;
        size_t pre = (size_t)(p - s);
        snprintf(tmp, sizeof(tmp), "%.*s%s%s", (int)pre, s, to[k], p + strlen(from[k]));
        strcpy(s, tmp);
    }
}

/* Remove the operand-size keywords ("dword ptr ", "ptr ", ...) from s. */
static void strip_sizes(char *s)
{
    static const char *const kw[] = {"xmmword ptr ", "byte ptr ", "dword ptr ", "fword ptr ", "qword ptr ", "tbyte ptr ",
                                     "word ptr ", "ptr "};
    for (size_t k = 0; k < ARRAY_SIZE(kw); k++) {
        char *p;
        while ((p = strstr(s, kw[k]))) memmove(p, p + strlen(kw[k]), strlen(p + strlen(kw[k])) + 1);
    }
}

/* Capstone 4's memory sizes for MMX/SSE operands differ from the SDM's (which
 * we print, as Zydis and objdump) for some forms: qword for the MMX
 * PUNPCKL* m32, xmmword for COMISD/UCOMISD m64 and for the XMM PUNPCKL*, ... .
 * Which ones: those whose Capstone size is the SDM's register width. */
static bool simd_sizes(const struct x86_insn *in, const char *theirs)
{
    const struct x86_form *f = x86_form_of(in);
    bool simd = false;
    for (int k = 0; k < 3; k++) simd |= x86_simd_opnd(f->opnd[k], NULL) != XK_NONE;
    return simd && in->mod != 3 && (strstr(theirs, "qword ptr") || strstr(theirs, "xmmword ptr"));
}

/*
 * Whole-line text: where Capstone's presentation differs from objdump's (which
 * x86_format follows) by convention, not by meaning. Everything else must
 * match character for character.
 */
static bool text_convention(const struct x86_insn *in, const char *ours, const char *theirs)
{
    const struct x86_form *f = x86_form_of(in);
    /* operands already compared numerically: Capstone prints ENTER's immediates
     * signed, branch targets unmasked with 66/67, and two operands for hint NOPs,
     * ST(0) twice for x87 aliases */
    if (in->op == X86_OP_ENTER_IwIb || f->opnd[0] == O_Jb || f->opnd[0] == O_Jz || in->op == X86_OP_NOP_Ev ||
        (in->op == X86_OP_ESC && in->mod == 3)) {
        size_t n = strcspn(ours, " ");
        return !strncmp(ours, theirs, n) && (theirs[n] == ' ' || !theirs[n]);
    }
    /* Absolute addresses ([disp], moffs) with a 67 prefix: Capstone prints a
     * 16-bit one sign-extended to 32 bits in 32-bit code ("[0xffffa5d4]") and a
     * 32-bit one truncated to 16 bits in 16-bit code; the operands (compared
     * numerically above) are right. Try those renderings of our text too. */
    char cand[3][256];
    int nc = 0;
    snprintf(cand[nc++], sizeof(cand[0]), "%s", ours);
    if (in->mod != 3 && in->base == X86_REG_NONE && in->index == X86_REG_NONE && (in->pfx & X86_PFX_ADSIZE)) {
        char from[24], *p;
        u32 d = in->asize == 2 ? (u32)in->disp & 0xffff : (u32)in->disp;
        snprintf(from, sizeof(from), d < 10 ? "[%u]" : "[0x%x]", d);
        u32 alt = in->asize == 2 ? (u32)(i32)(i16)in->disp : (u32)in->disp & 0xffff;
        if ((p = strstr(ours, from)) != NULL)
            snprintf(cand[nc++], sizeof(cand[0]), alt < 10 ? "%.*s[%u]%s" : "%.*s[0x%x]%s", (int)(p - ours), ours,
                     alt, p + strlen(from));
    }
    /* operand sizes: Capstone prints "ptr [..]" for far pointers (les/lds/lss/
     * lfs/lgs), none for lcall/ljmp m16:32, dword for LAR/LSL m16 and for
     * fnstsw/fnsave m; objdump (and we) print the SDM's sizes */
    bool sizes = f->opnd[1] == O_Mp || f->opnd[0] == O_Mp || in->op == X86_OP_LAR_GvEw ||
                 in->op == X86_OP_LSL_GvEw || in->op == X86_OP_ESC || simd_sizes(in, theirs);
    char b[256];
    snprintf(b, sizeof(b), "%s", theirs);
    strip_sizes(b);
    for (int k = 0; k < nc; k++) {
        if (!strcmp(cand[k], theirs)) return true;
        if (sizes) {
            strip_sizes(cand[k]);
            if (!strcmp(cand[k], b)) return true;
        }
    }
    return false;
}

/* ------------------------------------------------------------------ */

static u64 rng_state;
static u64 rnd(void)
{
    u64 x = rng_state;
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
    return rng_state = x;
}

/* A random instruction-ish byte string: prefixes and 0F escapes more often than uniform. */
static void gen(u8 *b)
{
    static const u8 pfx[] = {0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65, 0x66, 0x67, 0x66, 0x67, 0xF0, 0xF2, 0xF3};
    for (int k = 0; k < 16; k += 8) { u64 r = rnd(); memcpy(b + k, &r, 8); }
    u64 r = rnd();
    int i = 0;
    int np = (r & 3) == 0 ? (int)((r >> 2) & 3) + 1 : 0;
    if ((r >> 8 & 255) == 0) np = 12 + (int)((r >> 16) & 3); /* sometimes near 15 bytes */
    for (; i < np; i++) b[i] = pfx[rnd() % sizeof(pfx)];
    if ((r >> 60) < 5) b[i] = 0x0F;
}

struct ctx {
    csh h;
#ifdef HAVE_ZYDIS
    ZydisDecoder zd;
    struct stats zst;  /* the Zydis comparison */
#endif
    enum x86_mode mode;
    struct stats st;
    unsigned long trunc_checked, trunc_failed;
    unsigned long ud_len_checked, ud_len_failed; /* out-of-scope UDs: length vs Zydis */
    int shown;
    u8 seen[4096];
};

static void fail_example(struct ctx *c, const char *kind, const u8 *b, int len, const char *detail)
{
    bump(&c->st.failed, kind);
    /* show a few examples of each kind of disagreement for each first opcode byte */
    struct shape s;
    shape_of(b, 16, &s);
    unsigned key = (unsigned)(kind[0] + kind[1] * 7 + kind[3]) % 8 * 512 + (unsigned)s.map * 256 + s.opc;
    if (c->seen[key % ARRAY_SIZE(c->seen)]++ >= 2 || c->shown++ >= 300) return;
    printf("  mismatch (%d-bit) %s:", c->mode * 8, kind);
    for (int k = 0; k < len && k < 16; k++) printf(" %02x", b[k]);
    printf("  | %s\n", detail);
}

/* Outcome of comparing one byte string. */
enum verdict { V_AGREE, V_SKIP, V_BOTH_INVALID, V_ALLOWED, V_FAIL };
struct result {
    enum verdict v;
    const char *cat;     /* skip category, allowlist entry or failure kind */
    int len;             /* bytes to show */
    bool text_same;
    char why[1024];
};

static void compare(struct ctx *c, const u8 *b, u32 addr, struct result *r)
{
    struct x86_insn in;
    struct shape s;
    char ours[128], theirs[256];
    memset(r, 0, sizeof(*r));
    int n = x86_decode(b, 16, c->mode, &in);
    cs_insn *ci = NULL;
    size_t cn = cs_disasm(c->h, b, 16, addr, 1, &ci);
    shape_of(b, 16, &s);
    s.mode = c->mode;
    bool we_ok = n > 0 && in.op != X86_OP_UD;
    r->len = n > 0 ? n : 15;

#define VERDICT(kind, ...) do { \
        snprintf(r->why, sizeof(r->why), __VA_ARGS__); \
        const char *a_ = allowed(&s, kind, we_ok || n > 0 ? &in : NULL, ci); \
        r->v = a_ ? V_ALLOWED : V_FAIL; \
        r->cat = a_ ? a_ : kind; \
        goto out; \
    } while (0)

    if (!cn) {
        if (!we_ok || in.op == X86_OP_UD0 || in.op == X86_OP_UD1_GvEv || in.op == X86_OP_UD2) {
            r->v = V_BOTH_INVALID; /* UD0/1/2 exist only to raise #UD */
            goto out;
        }
        x86_format(&in, addr, ours, sizeof(ours));
        VERDICT("cs-invalid", "%s", ours);
    }
    const char *oos = out_of_scope(&s);
    if (oos) {
        r->v = V_SKIP;
        r->cat = oos;
        goto out;
    }
    snprintf(theirs, sizeof(theirs), "%s%s%s", ci->mnemonic, ci->op_str[0] ? " " : "", ci->op_str);
    if (n == X86_DEC_TOOLONG) {
        if (ci->size > 15) {
            r->v = V_ALLOWED;
            r->cat = "longer than 15 bytes: #GP (SDM 2.3.11)";
            goto out;
        }
        VERDICT("we-TOOLONG", "%s", theirs);
    }
    if (!we_ok) VERDICT("we-UD", "capstone '%s'", theirs);
    x86_format(&in, addr, ours, sizeof(ours));
    if (n != (int)ci->size) {
        r->len = n > ci->size ? n : ci->size;
        VERDICT("length", "len %d '%s' vs capstone %u '%s'", n, ours, ci->size, theirs);
    }
    char ow[128];
    if (!same_ops(c->h, &in, ci, addr, ow, sizeof(ow)))
        VERDICT("operands", "%s: '%s' vs capstone '%s'", ow, ours, theirs);
    /* mnemonic: ours is the text before the operands (with lock/rep words).
     * Capstone names F2/F3 on branches "bnd" (MPX) and on locked forms
     * "xacquire"/"xrelease" (HLE); a P6 ignores them, and so do we. */
    const char *cm = ci->mnemonic;
    static const char *const hint[] = {"bnd ", "xacquire ", "xrelease "};
    for (size_t k = 0; k < ARRAY_SIZE(hint); k++)
        if (!strncmp(cm, hint[k], strlen(hint[k]))) {
            cm += strlen(hint[k]);
            memmove(theirs, theirs + strlen(hint[k]), strlen(theirs) - strlen(hint[k]) + 1);
        }
    cm = cs_alias(cm, &in);
    size_t ml = strlen(cm);
    if (strncmp(ours, cm, ml) || (ours[ml] && ours[ml] != ' '))
        VERDICT("mnemonic", "'%s' vs capstone '%s'", ours, theirs);
    norm_text(theirs);
    r->text_same = !strcmp(ours, theirs);
    if (!r->text_same) {
        snprintf(r->why, sizeof(r->why), "'%s' vs capstone '%s'", ours, theirs);
        if (!text_convention(&in, ours, theirs)) VERDICT("text", "'%s' vs capstone '%s'", ours, theirs);
    }
    r->v = V_AGREE;
out:
    if (cn) cs_free(ci, cn);
#undef VERDICT
}

/* The same instruction with its prefixes deduplicated and in the order
 * F2/F3, F0, segment, 66, 67 (the SDM, 2.1.1: prefixes may come in any
 * order; only the last segment override and the last of F2/F3 count).
 * Returns false if there is nothing to reorder. */
static bool canonical(const u8 *b, u8 *o)
{
    struct shape s;
    shape_of(b, 16, &s);
    if (s.npfx < 2) return false;
    u8 seg = 0;
    bool lock = false, os = false, as = false;
    for (int i = 0; i < s.npfx; i++) {
        u8 x = b[i];
        if (x == 0xF0) lock = true;
        else if (x == 0x66) os = true;
        else if (x == 0x67) as = true;
        else if (x != 0xF2 && x != 0xF3) seg = x;
    }
    int n = 0;
    if (s.rep) o[n++] = 0xF3;
    if (s.repne) o[n++] = 0xF2;
    if (lock) o[n++] = 0xF0;
    if (seg) o[n++] = seg;
    if (os) o[n++] = 0x66;
    if (as) o[n++] = 0x67;
    memcpy(o + n, b + s.npfx, (size_t)(16 - s.npfx));
    memset(o + n + 16 - s.npfx, 0, (size_t)s.npfx - (size_t)n);
    return memcmp(o, b, 16) != 0;
}


#ifdef HAVE_ZYDIS
/*
 * Second opinion: Zydis 4 (Debian 12 libzydis-dev), when installed. It
 * validates LOCK and handles prefixes in any order, so fewer allowances are
 * needed. Compared: validity, length, and the ModRM/moffs memory operand.
 */
static const char *zy_allowed(const struct shape *s, const char *what, const struct x86_insn *in)
{
    /* x87 reserved encodings: see the Capstone allowlist */
    if (in && in->op == X86_OP_ESC && !strcmp(what, "zydis-invalid")) {
        char t[64];
        x86_format(in, 0, t, sizeof(t));
        if (!strcmp(t, "(bad)")) return "x87 reserved encoding (ESC decoded, FPU #UD)";
    }
    /* SDM Table A-3 / "NOP": 0F 18-1F are hint NOPs on P6 and later; Zydis
     * rejects some register and reserved forms. */
    if (s->map == 1 && s->opc >= 0x18 && s->opc <= 0x1F && !strcmp(what, "zydis-invalid")) return "0F 18-1F hint NOPs";
    /* UD0: Zydis 4 gives 0F FF a ModRM (Intel's newer definition); we keep the
     * 2-byte form of AMD and older Intel manuals. It raises #UD either way. */
    if (s->map == 1 && s->opc == 0xFF && !strcmp(what, "length")) return "UD0 length (ModRM or not)";
    /* 3E before an indirect CALL/JMP is CET's NOTRACK to Zydis; on a P6 it is a
     * DS override (SDM 2.1.1), which is what we report. */
    if (in && (in->op == X86_OP_CALL_Ev || in->op == X86_OP_JMP_Ev) && in->seg == X86_SEG_DS &&
        memchr(s->bytes, 0x3E, (size_t)s->npfx) && !strcmp(what, "memory operand"))
        return "3E on indirect CALL/JMP (Zydis: NOTRACK)";
    return NULL;
}

static void zydis_one(struct ctx *c, const u8 *b)
{
    struct stats *st = &c->zst;
    struct x86_insn in;
    struct shape s;
    ZydisDecodedInstruction zi;
    ZydisDecodedOperand zo[ZYDIS_MAX_OPERAND_COUNT];
    char why[200];
    const char *kind = NULL, *a;
    st->samples++;
    int n = x86_decode(b, 16, c->mode, &in);
    bool we_ok = n > 0 && in.op != X86_OP_UD;
    bool z_ok = ZYAN_SUCCESS(ZydisDecoderDecodeFull(&c->zd, b, 16, &zi, zo));
    shape_of(b, 16, &s);
    s.mode = c->mode;
    why[0] = 0;
    if (!z_ok) {
        if (!we_ok || in.op == X86_OP_UD0 || in.op == X86_OP_UD1_GvEv || in.op == X86_OP_UD2) {
            st->both_invalid++;
            return;
        }
        kind = "zydis-invalid";
        x86_format(&in, 0, why, sizeof(why));
    } else if (out_of_scope(&s)) {
        const char *cat = out_of_scope(&s);
        bump(&st->skipped, cat);
        /* our UD for it should still have the right length, so that a
         * disassembly stays in step; VEX/EVEX/XOP encodings are not parsed */
        if (n > 0 && in.op == X86_OP_UD && strncmp(cat, "VEX", 3) && strncmp(cat, "EVEX", 4) &&
            strncmp(cat, "XOP", 3)) {
            c->ud_len_checked++;
            if (n != zi.length && c->ud_len_failed++ < 10) {
                printf("  UD length (%d-bit) %d vs zydis %u (%s):", c->mode * 8, n, zi.length, cat);
                for (int k = 0; k < zi.length; k++) printf(" %02x", b[k]);
                printf("\n");
            }
        }
        return;
    } else if (!we_ok) {
        kind = n == X86_DEC_TOOLONG ? "we-TOOLONG" : "we-UD";
    } else if (zi.length != n) {
        kind = "length";
        snprintf(why, sizeof(why), "len %d vs zydis %u", n, zi.length);
    } else if (in.mod != 3 && in.op != X86_OP_ESC) {
        /* the explicit memory operand */
        const ZydisDecodedOperand *m = NULL;
        for (int k = 0; k < zi.operand_count; k++)
            if (zo[k].type == ZYDIS_OPERAND_TYPE_MEMORY && zo[k].visibility == ZYDIS_OPERAND_VISIBILITY_EXPLICIT) {
                m = &zo[k];
                break;
            }
        u32 am = in.asize == 2 ? 0xffff : 0xffffffff;
        const char *zb = m && m->mem.base != ZYDIS_REGISTER_NONE ? ZydisRegisterGetString(m->mem.base) : NULL;
        const char *zx = m && m->mem.index != ZYDIS_REGISTER_NONE ? ZydisRegisterGetString(m->mem.index) : NULL;
        const char *ob = in.base == X86_REG_NONE ? NULL : rn(in.asize, in.base);
        const char *ox = in.index == X86_REG_NONE ? NULL : rn(in.asize, in.index);
        const char *zs = m ? ZydisRegisterGetString(m->mem.segment) : NULL;
        if (!m || !streq(zb, ob) || !streq(zx, ox) || (ox && m->mem.scale != (1u << in.scale)) ||
            (((u32)m->mem.disp.value ^ (u32)in.disp) & am) ||
            (in.op != X86_OP_LEA_GvM && !streq(zs, sregs[in.seg]))) { /* LEA uses no segment */
            kind = "memory operand";
            snprintf(why, sizeof(why), "seg %s base %s index %s*%u disp 0x%x",
                     sregs[in.seg], ob ? ob : "-", ox ? ox : "-", 1u << in.scale, (u32)in.disp & am);
        }
    }
    if (!kind) {
        st->compared++;
        return;
    }
    a = zy_allowed(&s, kind, n > 0 ? &in : NULL);
    if (!a && !strcmp(kind, "we-UD") && s.lock && lock_free_is_valid(&s)) a = "LOCK: Zydis accepts";
    if (a) {
        bump(&st->allowed, a);
        return;
    }
    bump(&st->failed, kind);
    if (c->shown++ < 300) {
        printf("  zydis mismatch (%d-bit) %s:", c->mode * 8, kind);
        for (int k = 0; k < 15; k++) printf(" %02x", b[k]);
        printf("  | %s\n", why);
    }
}
#endif

/*
 * Exact TRUNC: for every sample we decode, each shorter prefix of its bytes
 * must give X86_DEC_TRUNC and the exact bytes must give the same decoding.
 * The bytes are placed right before an inaccessible page, so reading past
 * `avail` crashes the test.
 */
static u8 *guard_end;
static void check_trunc(struct ctx *c, const u8 *b)
{
    struct x86_insn full, t;
    int n = x86_decode(b, 16, c->mode, &full);
    if (n <= 0) return;
    c->trunc_checked++;
    for (int a = 0; a <= n; a++) {
        u8 *p = guard_end - a;
        memcpy(p, b, (size_t)a);
        memset(&t, 0x5a, sizeof(t));
        int r = x86_decode(p, (size_t)a, c->mode, &t);
        bool ok = a < n ? r == X86_DEC_TRUNC : r == n && !memcmp(&t, &full, sizeof(t));
        if (!ok) {
            if (c->trunc_failed++ < 10) {
                printf("  trunc (%d-bit): %d of %d bytes gives %d:", c->mode * 8, a, n, r);
                for (int k = 0; k < n; k++) printf(" %02x", b[k]);
                printf("\n");
            }
            return;
        }
    }
}

/* Do we decode the two byte strings (a reordering of the same prefixes) to the
 * same instruction? Only then may the canonical order stand in for the original. */
static bool same_for_us(enum x86_mode mode, const u8 *a, const u8 *b, u32 addr)
{
    struct x86_insn x, y;
    char tx[128], ty[128];
    int nx = x86_decode(a, 16, mode, &x), ny = x86_decode(b, 16, mode, &y);
    if (nx <= 0 || ny <= 0 || x.op != y.op || x.osize != y.osize || x.asize != y.asize || x.seg != y.seg ||
        x.disp != y.disp || x.imm != y.imm || x.imm2 != y.imm2 || x.modrm != y.modrm || x.pfx != y.pfx)
        return false;
    /* branch targets depend on the length, which reordering may change */
    x86_format(&x, addr, tx, sizeof(tx));
    x86_format(&y, addr + (u32)(nx - ny), ty, sizeof(ty));
    return !strcmp(tx, ty);
}

static void one(struct ctx *c, const u8 *b, u32 addr)
{
    check_trunc(c, b);
#ifdef HAVE_ZYDIS
    zydis_one(c, b);
#endif
    struct result r, r2;
    u8 cb[16];
    c->st.samples++;
    compare(c, b, addr, &r);
    /* Capstone 4 honours some prefixes only in some orders ("67 26 e3" is jecxz,
     * "26 67 e3" jcxz; "f0 f3 11 16" loses the lock). If the canonical prefix
     * order agrees, the disagreement is Capstone's. */
    if (r.v == V_FAIL && canonical(b, cb) && same_for_us(c->mode, b, cb, addr)) {
        compare(c, cb, addr, &r2);
        if (r2.v == V_AGREE || r2.v == V_ALLOWED || r2.v == V_SKIP) {
            r.v = V_ALLOWED;
            r.cat = "prefix order/repetition (Capstone 4; SDM 2.1.1)";
        }
    }
    switch (r.v) {
    case V_AGREE:
        c->st.compared++;
        if (r.text_same) c->st.text_same++;
        else if (getenv("VD_DECODE_SHOWTEXT") && c->shown++ < 300) printf("  text: %s\n", r.why);
        break;
    case V_SKIP: bump(&c->st.skipped, r.cat); break;
    case V_BOTH_INVALID: c->st.both_invalid++; break;
    case V_ALLOWED: bump(&c->st.allowed, r.cat); break;
    case V_FAIL: fail_example(c, r.cat, b, r.len, r.why); break;
    }
}

static bool report_stats(struct stats *st, const char *name, bool text)
{
    unsigned long nf = total(&st->failed);
    char same[48] = "";
    if (text) snprintf(same, sizeof(same), " (%lu same text)", st->text_same);
    printf("%s: %lu samples, %lu compared%s, %lu skipped (out of scope), "
           "%lu allowed, %lu both invalid, %lu failed\n",
           name, st->samples, st->compared, same, total(&st->skipped), total(&st->allowed),
           st->both_invalid, nf);
    print_tally("skipped", &st->skipped);
    print_tally("allowed", &st->allowed);
    print_tally("FAILED", &st->failed);
    if (nf) printf("FAIL %s: %lu disagreements\n", name, nf);
    else printf("PASS %s\n", name);
    return nf == 0;
}

static bool report(struct ctx *c, const char *name)
{
    bool ok = report_stats(&c->st, name, true);
    printf("%s_trunc: %lu instructions cut at every length, %lu failed\n", name, c->trunc_checked, c->trunc_failed);
    printf("%s %s_trunc\n", c->trunc_failed ? "FAIL" : "PASS", name);
    ok &= c->trunc_failed == 0;
#ifdef HAVE_ZYDIS
    char zname[80];
    snprintf(zname, sizeof(zname), "%s_zydis", name);
    ok &= report_stats(&c->zst, zname, false);
    printf("%s_udlen: %lu out-of-scope instructions decoded as UD, %lu with a length other than Zydis's\n",
           name, c->ud_len_checked, c->ud_len_failed);
    printf("%s %s_udlen\n", c->ud_len_failed ? "FAIL" : "PASS", name);
    ok &= c->ud_len_failed == 0;
#endif
    return ok;
}

static bool open_ctx(struct ctx *c, enum x86_mode mode)
{
    memset(c, 0, sizeof(*c));
    c->mode = mode;
    if (cs_open(CS_ARCH_X86, mode == X86_MODE_16 ? CS_MODE_16 : CS_MODE_32, &c->h) != CS_ERR_OK) return false;
    cs_option(c->h, CS_OPT_DETAIL, CS_OPT_ON);
#ifdef HAVE_ZYDIS
    if (!ZYAN_SUCCESS(ZydisDecoderInit(&c->zd, mode == X86_MODE_16 ? ZYDIS_MACHINE_MODE_LEGACY_16
                                                                   : ZYDIS_MACHINE_MODE_LEGACY_32,
                                       mode == X86_MODE_16 ? ZYDIS_STACK_WIDTH_16 : ZYDIS_STACK_WIDTH_32)))
        return false;
#endif
    return true;
}

static u32 rnd_addr(enum x86_mode mode)
{
    return mode == X86_MODE_16 ? (u32)(rnd() & 0xffff) : (u32)(rnd() & 0x7fffffff);
}

/* Random byte strings. */
static bool run_random(enum x86_mode mode, unsigned long nsamples)
{
    static struct ctx c;
    char name[64];
    snprintf(name, sizeof(name), "decode_capstone_random_%d", mode * 8);
    if (!open_ctx(&c, mode)) {
        printf("SKIP %s: cs_open failed\n", name);
        return true;
    }
    u8 b[16];
    for (unsigned long k = 0; k < nsamples; k++) {
        gen(b);
        one(&c, b, rnd_addr(mode));
    }
    cs_close(&c.h);
    return report(&c, name);
}

/* Every opcode of both maps with every ModRM byte (random SIB, displacement
 * and immediate bytes), bare and behind each kind of prefix. */
static bool run_sweep(enum x86_mode mode)
{
    static struct ctx c;
    static const int pfx[] = {-1, 0x66, 0x67, 0xF0, 0xF2, 0xF3, 0x26, 0x64};
    char name[64];
    snprintf(name, sizeof(name), "decode_capstone_sweep_%d", mode * 8);
    if (!open_ctx(&c, mode)) {
        printf("SKIP %s: cs_open failed\n", name);
        return true;
    }
    u8 b[16];
    for (size_t p = 0; p < ARRAY_SIZE(pfx); p++)
        for (int map = 0; map < 2; map++)
            for (int op = 0; op < 256; op++)
                for (int m = 0; m < 256; m++) {
                    int i = 0;
                    for (int k = 0; k < 16; k += 8) { u64 r = rnd(); memcpy(b + k, &r, 8); }
                    if (pfx[p] >= 0) b[i++] = (u8)pfx[p];
                    if (map) b[i++] = 0x0F;
                    b[i++] = (u8)op;
                    b[i] = (u8)m;
                    one(&c, b, rnd_addr(mode));
                }
    cs_close(&c.h);
    return report(&c, name);
}

/* The 0F mandatory-prefix space (MMX/SSE/SSE2 and the SSE3+ bytes around
 * them) with every ModRM byte behind every ordering of every subset of
 * 66/F2/F3 (16 prefix sequences): the prefix class rules (last of F2/F3,
 * else 66) and the #UD of classes without a form. */
static bool run_simd_sweep(enum x86_mode mode)
{
    static struct ctx c;
    static const u8 seqs[16][4] = { /* {length, prefixes...} */
        {0}, {1, 0x66}, {1, 0xF2}, {1, 0xF3},
        {2, 0x66, 0xF2}, {2, 0xF2, 0x66}, {2, 0x66, 0xF3}, {2, 0xF3, 0x66}, {2, 0xF2, 0xF3}, {2, 0xF3, 0xF2},
        {3, 0x66, 0xF2, 0xF3}, {3, 0x66, 0xF3, 0xF2}, {3, 0xF2, 0x66, 0xF3}, {3, 0xF2, 0xF3, 0x66},
        {3, 0xF3, 0x66, 0xF2}, {3, 0xF3, 0xF2, 0x66},
    };
    char name[64];
    snprintf(name, sizeof(name), "decode_capstone_simd_%d", mode * 8);
    if (!open_ctx(&c, mode)) {
        printf("SKIP %s: cs_open failed\n", name);
        return true;
    }
    u8 b[16];
    for (size_t p = 0; p < ARRAY_SIZE(seqs); p++)
        for (int op = 0; op < 256; op++) {
            if (!simd_byte((u8)op)) continue;
            for (int m = 0; m < 256; m++) {
                int i = 0;
                for (int k = 0; k < 16; k += 8) { u64 r = rnd(); memcpy(b + k, &r, 8); }
                for (int k = 0; k < seqs[p][0]; k++) b[i++] = seqs[p][1 + k];
                b[i++] = 0x0F;
                b[i++] = (u8)op;
                b[i] = (u8)m;
                one(&c, b, rnd_addr(mode));
            }
        }
    cs_close(&c.h);
    return report(&c, name);
}

int main(void)
{
    unsigned long n = 1000000;
    const char *e = getenv("VD_DECODE_N");
    if (e && *e) n = strtoul(e, NULL, 0);
    e = getenv("VD_DECODE_SEED");
    rng_state = e && *e ? strtoull(e, NULL, 0) : 0x9e3779b97f4a7c15ull;
    if (!rng_state) rng_state = 1;
    u8 *pages = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (pages == MAP_FAILED || mprotect(pages + 4096, 4096, PROT_NONE)) {
        printf("FAIL decode_oracle: cannot map a guard page\n");
        return 1;
    }
    guard_end = pages + 4096;
    bool ok = true;
    ok &= run_sweep(X86_MODE_32);
    ok &= run_sweep(X86_MODE_16);
    ok &= run_simd_sweep(X86_MODE_32);
    ok &= run_simd_sweep(X86_MODE_16);
    ok &= run_random(X86_MODE_32, n);
    ok &= run_random(X86_MODE_16, n);
    return ok ? 0 : 1;
}
