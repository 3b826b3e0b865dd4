/*
 * The translator's x86-64 encoder (src/dbt/x64.h) against Capstone 4 in
 * 64-bit mode (and Zydis 4 as a second opinion when libzydis-dev is
 * installed): every emitted shape is decoded back and checked.
 *
 * For each wrapper, operand combinations are enumerated systematically:
 * every register the wrapper allows (byte operations: 0-3 and 8-15 only, the
 * encoder's contract), sizes 1/2/4/8 where meaningful, memory operands with
 * every base (rsp/r12 need a SIB, rbp/r13 a displacement), no index or every
 * index but rsp with every scale, displacements 0, +-1, disp8/disp32
 * boundaries (127/128, -128/-129) and the extremes, immediates at the
 * imm8/imm16/imm32 boundaries, imm32 vs imm64, all 16 condition codes.
 *
 * For every instruction the expected form is built here from the arguments
 * (not from the bytes): the mnemonic, the operands (registers by name at
 * their width, [base + index*scale + disp] with its size keyword,
 * immediates and branch targets by value) and the minimal length (66, REX
 * only when needed, SIB only when needed, no/8/32-bit displacement, short
 * imm8 of 83 when the value allows). The bytes must decode as exactly one
 * instruction of the emitted length, equal to that minimal length, whose
 * Capstone text (operands compared as text, immediates by value modulo the
 * operand width because Capstone prints some signed and some unsigned) and
 * Zydis operands match.
 *
 * Also: x_overflow (writes past `end` dropped, `p` keeps counting, the
 * bytes before `end` equal an unbounded emission) and x_patch (rel32 of
 * x_jmp32/x_jcc32 pointed at targets near and far, backwards and forwards,
 * decoded target equal, neighbouring bytes untouched).
 *
 * One PASS line per function with the number of encodings checked; FAIL
 * lines give the bytes, the decoders' texts and the expected text.
 */
#include <capstone/capstone.h>
#ifdef HAVE_ZYDIS
#include <Zydis/Zydis.h>
#endif
#include "dbt/x64.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static csh cs;
#ifdef HAVE_ZYDIS
static ZydisDecoder zd;
static ZydisFormatter zf;
#endif

/* ------------------------------------------------------------------ */
/* names, independent of the encoder */

static const char *const R64[16] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                    "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};
static const char *const R32[16] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
                                    "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"};
static const char *const R16[16] = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di",
                                    "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w"};
static const char *const R8[16] = {"al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil",
                                   "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b"};
static const char *rname(int size, int r)
{
    return size == 8 ? R64[r] : size == 4 ? R32[r] : size == 2 ? R16[r] : R8[r];
}
static const char *const ALU[8] = {"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"};
/* Capstone's and Zydis' spellings of the condition codes */
static const char *const CC_CS[16] = {"o", "no", "b", "ae", "e", "ne", "be", "a",
                                      "s", "ns", "p", "np", "l", "ge", "le", "g"};
static const char *const CC_ZY[16] = {"o", "no", "b", "nb", "z", "nz", "be", "nbe",
                                      "s", "ns", "p", "np", "l", "nl", "le", "nle"};
/* group 2 by /digit; /6 (SAL, an undocumented alias) is not a translator shape */
static const char *const SHIFT[8] = {"rol", "ror", "rcl", "rcr", "shl", "shr", NULL, "sar"};

/* ------------------------------------------------------------------ */
/* the expected instruction */

enum { K_REG, K_MEM, K_IMM, K_REL };
struct eop {
    int kind;
    int size; /* bytes; 0 for LEA's memory operand (no size keyword) */
    int reg;
    struct xm m;
    u64 val; /* immediate (compared modulo the width) or branch target */
};
struct eins {
    char cs[16], zy[16]; /* mnemonic per decoder */
    int nop;
    struct eop op[2];
    int len; /* minimal encoding length */
};

static struct eop OR(int size, int r) { return (struct eop){K_REG, size, r, {0, 0, 0, 0}, 0}; }
static struct eop OM(int size, struct xm m) { return (struct eop){K_MEM, size, 0, m, 0}; }
static struct eop OI(int size, u64 v) { return (struct eop){K_IMM, size, 0, {0, 0, 0, 0}, v}; }
static struct eop OJ(u64 target) { return (struct eop){K_REL, 8, 0, {0, 0, 0, 0}, target}; }

static struct eins E(const char *csm, const char *zym, int len)
{
    struct eins e;
    memset(&e, 0, sizeof(e));
    snprintf(e.cs, sizeof(e.cs), "%s", csm);
    snprintf(e.zy, sizeof(e.zy), "%s", zym ? zym : csm);
    e.len = len;
    return e;
}
static struct eins E1(const char *m, int len, struct eop a)
{
    struct eins e = E(m, NULL, len);
    e.nop = 1;
    e.op[0] = a;
    return e;
}
static struct eins E2(const char *m, int len, struct eop a, struct eop b)
{
    struct eins e = E(m, NULL, len);
    e.nop = 2;
    e.op[0] = a;
    e.op[1] = b;
    return e;
}

static u64 mask_of(int size) { return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1; }
static i64 sext(u64 v, int size) { return size >= 8 ? (i64)v : (i64)(v << (64 - 8 * size)) >> (64 - 8 * size); }

/* Minimal lengths from the x86 encoding rules: [66] [REX if W or any
 * extended register] opcode ModRM [SIB if index or base rsp/r12]
 * [disp: none if 0 unless base rbp/r13, disp8 if it fits, else disp32] [imm]. */
static int need_rex(int osize, int a, int b, int c) { return osize == 8 || a >= 8 || b >= 8 || c >= 8; }
static int len_mem(int osize, int nopc, int reg, struct xm m, int immsz)
{
    int sib = m.index >= 0 || (m.base & 7) == 4;
    int d = (m.disp == 0 && (m.base & 7) != 5) ? 0 : (m.disp >= -128 && m.disp <= 127) ? 1 : 4;
    return (osize == 2) + need_rex(osize, reg, m.base, m.index) + nopc + 1 + sib + d + immsz;
}
static int len_reg(int osize, int nopc, int reg, int rm, int immsz)
{
    return (osize == 2) + need_rex(osize, reg, rm, -1) + nopc + 1 + immsz;
}
/* group-1 immediate size: imm8 (83) when the value, taken at the operand
 * width, is a sign-extended byte; 80 always has imm8 */
static int alu_immsz(int size, u32 imm)
{
    if (size == 1) return 1;
    i64 v = sext(imm, size == 8 ? 4 : size);
    if (v >= -128 && v <= 127) return 1;
    return size == 2 ? 2 : 4;
}

/* the number as Capstone 4 prints it: decimal up to 9, else 0x hex */
static void cs_num(char *o, size_t n, u64 v)
{
    if (v > 9) snprintf(o, n, "0x%" PRIx64, v);
    else snprintf(o, n, "%" PRIu64, v);
}
static void render_op(char *o, size_t n, const struct eop *p)
{
    char d[32];
    switch (p->kind) {
    case K_REG: snprintf(o, n, "%s", rname(p->size, p->reg)); break;
    case K_IMM: snprintf(o, n, "0x%" PRIx64, p->val & mask_of(p->size)); break;
    case K_REL: snprintf(o, n, "0x%" PRIx64, p->val); break;
    case K_MEM: {
        const char *kw = p->size == 1 ? "byte ptr " : p->size == 2 ? "word ptr " : p->size == 4 ? "dword ptr "
                       : p->size == 8 ? "qword ptr " : "";
        int k = snprintf(o, n, "%s[%s", kw, R64[p->m.base]);
        if (p->m.index >= 0) {
            k += snprintf(o + k, n - k, " + %s", R64[p->m.index]);
            if (p->m.scale) k += snprintf(o + k, n - k, "*%d", 1 << p->m.scale);
        }
        if (p->m.disp) {
            i64 dv = p->m.disp;
            cs_num(d, sizeof(d), (u64)(dv < 0 ? -dv : dv));
            k += snprintf(o + k, n - k, " %c %s", dv < 0 ? '-' : '+', d);
        }
        snprintf(o + k, n - k, "]");
        break;
    }
    }
}
static void render(char *o, size_t n, const struct eins *e)
{
    int k = snprintf(o, n, "%s", e->cs);
    for (int i = 0; i < e->nop; i++) {
        char t[96];
        render_op(t, sizeof(t), &e->op[i]);
        k += snprintf(o + k, n - k, "%s%s", i ? ", " : " ", t);
    }
}

/* ------------------------------------------------------------------ */
/* checking */

struct fnstat {
    const char *name;
    unsigned long n, bad;
};
enum { MAX_FAIL_LINES = 8 };

static void fail(struct fnstat *f, const u8 *code, int len, const char *cstext, const char *zytext,
                 const struct eins *e, const char *why)
{
    f->bad++;
    if (f->bad > MAX_FAIL_LINES) return;
    char hex[64] = "", want[160];
    for (int i = 0, k = 0; i < len && k < (int)sizeof(hex) - 4; i++) k += snprintf(hex + k, sizeof(hex) - k, "%s%02x", i ? " " : "", code[i]);
    render(want, sizeof(want), e);
    printf("FAIL dbt_x64_%s: [%s] (%d bytes, minimal %d): %s; capstone '%s', zydis '%s', expected '%s'\n",
           f->name, hex, len, e->len, why, cstext, zytext, want);
}

/* Capstone's operand i of op_str (operands are separated by ", "; Intel
 * memory operands contain none) */
static bool cs_operand(const char *s, int i, char *o, size_t n)
{
    for (; i > 0; i--) {
        s = strstr(s, ", ");
        if (!s) return false;
        s += 2;
    }
    const char *e = strstr(s, ", ");
    size_t l = e ? (size_t)(e - s) : strlen(s);
    if (!l || l >= n) return false;
    memcpy(o, s, l);
    o[l] = 0;
    return true;
}
static int cs_noperands(const char *s)
{
    if (!*s) return 0;
    int k = 1;
    while ((s = strstr(s, ", "))) { k++; s += 2; }
    return k;
}
static bool parse_num(const char *t, u64 *v)
{
    char *end;
    if (!*t) return false;
    *v = strtoull(t, &end, 0); /* accepts a leading '-' (negated modulo 2^64) */
    return !*end;
}

/* Capstone: exactly one instruction of `len` bytes; the mnemonic and the text of
 * each operand. Returns NULL when it agrees, else why not. */
static const char *check_cs(const u8 *code, int len, u64 addr, const struct eins *e, char *text, size_t tn)
{
    cs_insn *in;
    size_t c = cs_disasm(cs, code, (size_t)len, addr, 1, &in);
    if (c != 1) {
        snprintf(text, tn, "(invalid)");
        return "Capstone does not decode it";
    }
    snprintf(text, tn, "%s%s%s", in->mnemonic, in->op_str[0] ? " " : "", in->op_str);
    const char *why = NULL;
    char want[96], got[96];
    if (in->size != len) why = "Capstone's length differs (not exactly one instruction)";
    else if (strcmp(in->mnemonic, e->cs)) why = "mnemonic differs";
    else if (cs_noperands(in->op_str) != e->nop) why = "operand count differs";
    for (int i = 0; !why && i < e->nop; i++) {
        const struct eop *p = &e->op[i];
        if (!cs_operand(in->op_str, i, got, sizeof(got))) { why = "operand unreadable"; break; }
        u64 v;
        switch (p->kind) {
        case K_IMM:
            if (!parse_num(got, &v) || ((v ^ p->val) & mask_of(p->size))) why = "immediate differs";
            break;
        case K_REL:
            if (!parse_num(got, &v) || v != p->val) why = "branch target differs";
            break;
        default:
            render_op(want, sizeof(want), p);
            if (strcmp(got, want)) why = p->kind == K_REG ? "register operand differs" : "memory operand differs";
        }
    }
    cs_free(in, c);
    return why;
}

#ifdef HAVE_ZYDIS
static bool zy_reg_is(ZydisRegister r, const char *name)
{
    const char *s = ZydisRegisterGetString(r);
    return s && !strcmp(s, name);
}
static const char *check_zy(const u8 *code, int len, u64 addr, const struct eins *e, char *text, size_t tn)
{
    ZydisDecodedInstruction zi;
    ZydisDecodedOperand zo[ZYDIS_MAX_OPERAND_COUNT];
    if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(&zd, code, (ZyanUSize)len, &zi, zo))) {
        snprintf(text, tn, "(invalid)");
        return "Zydis does not decode it";
    }
    if (!ZYAN_SUCCESS(ZydisFormatterFormatInstruction(&zf, &zi, zo, zi.operand_count_visible, text, tn, addr, NULL)))
        snprintf(text, tn, "(unformattable)");
    if (zi.length != len) return "Zydis' length differs (not exactly one instruction)";
    if (strcmp(ZydisMnemonicGetString(zi.mnemonic), e->zy)) return "Zydis' mnemonic differs";
    if (zi.operand_count_visible != e->nop) return "Zydis' operand count differs";
    for (int i = 0; i < e->nop; i++) {
        const struct eop *p = &e->op[i];
        const ZydisDecodedOperand *z = &zo[i];
        switch (p->kind) {
        case K_REG:
            if (z->type != ZYDIS_OPERAND_TYPE_REGISTER || !zy_reg_is(z->reg.value, rname(p->size, p->reg)))
                return "Zydis' register operand differs";
            break;
        case K_MEM: {
            if (z->type != ZYDIS_OPERAND_TYPE_MEMORY) return "Zydis: not a memory operand";
            if (!zy_reg_is(z->mem.base, R64[p->m.base])) return "Zydis' base differs";
            if (p->m.index < 0 ? z->mem.index != ZYDIS_REGISTER_NONE
                               : !zy_reg_is(z->mem.index, R64[p->m.index]) || z->mem.scale != 1 << p->m.scale)
                return "Zydis' index or scale differs";
            i64 d = z->mem.disp.has_displacement ? z->mem.disp.value : 0;
            if (d != p->m.disp) return "Zydis' displacement differs";
            if (p->size && z->size != 8 * p->size) return "Zydis' memory operand size differs";
            break;
        }
        case K_IMM:
            if (z->type != ZYDIS_OPERAND_TYPE_IMMEDIATE || ((z->imm.value.u ^ p->val) & mask_of(p->size)))
                return "Zydis' immediate differs";
            break;
        case K_REL: {
            ZyanU64 t;
            if (z->type != ZYDIS_OPERAND_TYPE_IMMEDIATE || !z->imm.is_relative ||
                !ZYAN_SUCCESS(ZydisCalcAbsoluteAddress(&zi, z, addr, &t)) || t != p->val)
                return "Zydis' branch target differs";
            break;
        }
        }
    }
    return NULL;
}
#endif

/* one emitted instruction at code[0..len), running at address addr */
static void check_at(struct fnstat *f, const u8 *code, int len, u64 addr, const struct eins *e)
{
    char cst[256], zyt[256] = "-";
    f->n++;
    const char *why = check_cs(code, len, addr, e, cst, sizeof(cst));
#ifdef HAVE_ZYDIS
    const char *zwhy = check_zy(code, len, addr, e, zyt, sizeof(zyt));
    if (!why) why = zwhy;
#endif
    if (!why && len != e->len) why = "not the minimal encoding";
    if (why) fail(f, code, len, cst, zyt, e, why);
}

/* emission into a scratch buffer */
static u8 scratch[64];
static struct xb sb(void)
{
    memset(scratch, 0xcc, sizeof(scratch));
    return (struct xb){scratch, scratch, scratch + sizeof(scratch)};
}
static void done(struct fnstat *f, struct xb *b, const struct eins *e)
{
    if (x_overflow(b)) {
        f->n++;
        fail(f, scratch, (int)sizeof(scratch), "-", "-", e, "overflowed the scratch buffer");
        return;
    }
    check_at(f, b->start, (int)(b->p - b->start), (u64)(uintptr_t)b->start, e);
}

/* ------------------------------------------------------------------ */
/* the operand sets */

static const int ALLREG[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
static const int BYTEREG[12] = {0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15}; /* the encoder's byte contract */
static const i32 DISPS[] = {0, 1, -1, 9, 10, 127, -128, 128, -129, 0x12345, -0x12345, INT32_MAX, INT32_MIN};
static const u32 IMMS[] = {0,      1,          9,          10,     0x7f,   0x80,   0xff,
                           0x100,  0xffffffff, 0xffffff80, 0xffffff7f, 0x7fff, 0x8000, 0xffff,
                           0xff80, 0xff7f,     0x10000,    0x7fffffff, 0x80000000, 0x12345678};
enum { ND = ARRAY_SIZE(DISPS), NI = ARRAY_SIZE(IMMS) };
static const int SIZES[4] = {1, 2, 4, 8};

static const int *regs_for(int size, int *n)
{
    *n = size == 1 ? 12 : 16;
    return size == 1 ? BYTEREG : ALLREG;
}

/* A memory-operand shape: (size, op, reg, m, imm) -> emit and check */
typedef void (*memfn)(struct fnstat *f, int size, int op, int reg, struct xm m, u32 imm);

/* Every register x base x (no index | index x scale), with the displacement,
 * the immediate and (op < 0) the ALU op rotating; then every base x (no
 * index | index x scale) x displacement, with the register, immediate and op
 * rotating. */
static void sweep_mem(struct fnstat *f, memfn fn, int size, int op, const int *regs, int nregs)
{
    unsigned c = 0;
    for (int ri = 0; ri < nregs; ri++)
        for (int base = 0; base < 16; base++)
            for (int index = -1; index < 16; index++) {
                if (index == XSP) continue;
                for (int scale = 0; scale < (index < 0 ? 1 : 4); scale++, c++)
                    fn(f, size, op >= 0 ? op : (int)(c % 8), regs[ri],
                       xmem_idx(base, index, index < 0 ? 0 : scale, DISPS[c % ND]), IMMS[c % NI]);
            }
    for (int base = 0; base < 16; base++)
        for (int index = -1; index < 16; index++) {
            if (index == XSP) continue;
            for (int scale = 0; scale < (index < 0 ? 1 : 4); scale++)
                for (int d = 0; d < ND; d++, c++)
                    fn(f, size, op >= 0 ? op : (int)(c % 8), regs[c % nregs],
                       index < 0 ? xmem(base, DISPS[d]) : xmem_idx(base, index, scale, DISPS[d]), IMMS[c % NI]);
        }
}
/* Every register x every immediate with a few memory operands (per op) */
static void sweep_mem_small(struct fnstat *f, memfn fn, int size, int op, const int *regs, int nregs, bool imms)
{
    static const struct xm ms[] = {
        {XBX, -1, 0, 0}, {XSP, -1, 0, -129}, {XBP, -1, 0, 0}, {X12, X13, 3, 128},
        {X13, XBP, 1, -128}, {XAX, X15, 2, 0x7fffffff}, {X8, X12, 0, 127}, {XDI, -1, 0, INT32_MIN},
    };
    for (int ri = 0; ri < nregs; ri++)
        for (size_t k = 0; k < ARRAY_SIZE(ms); k++)
            for (int i = 0; i < (imms ? NI : 1); i++) fn(f, size, op, regs[ri], ms[k], IMMS[i]);
}

/* ------------------------------------------------------------------ */
/* memory shapes */

static struct fnstat F_load = {"x_load", 0, 0}, F_load_sx = {"x_load_sx", 0, 0}, F_store = {"x_store", 0, 0},
                     F_store_imm = {"x_store_imm", 0, 0}, F_lea = {"x_lea", 0, 0}, F_alu_rm = {"x_alu_rm", 0, 0},
                     F_alu_mr = {"x_alu_mr", 0, 0}, F_alu_mi = {"x_alu_mi", 0, 0},
                     F_bt_mi = {"x_bt_mi", 0, 0}, F_test_mi = {"x_test_mi", 0, 0}, F_cmov_rm = {"x_cmov_rm", 0, 0},
                     F_incdec_r = {"x_incdec_r", 0, 0}, F_neg_r = {"x_neg_r", 0, 0}, F_imul_rr = {"x_imul_rr", 0, 0},
                     F_movzx16_rr = {"x_movzx16_rr", 0, 0}, F_grp3_r = {"x_grp3_r", 0, 0},
                     F_cqo = {"x_cqo", 0, 0}, F_movsxd_rr = {"x_movsxd_rr", 0, 0},
                     F_load_low = {"x_load_low", 0, 0}, F_mov_ri_low = {"x_mov_ri_low", 0, 0},
                     F_movsx_rr = {"x_movsx_rr", 0, 0}, F_cmov_rr = {"x_cmov_rr", 0, 0},
                     F_shift_rcl = {"x_shift_rcl", 0, 0}, F_not_r = {"x_not_r", 0, 0},
                     F_test_mi_r = {"x_test_mi_r", 0, 0}, F_pushf = {"x_pushf", 0, 0};

static void m_load(struct fnstat *f, int size, int op, int reg, struct xm m, u32 imm)
{
    struct xb b = sb();
    x_load(&b, size, reg, m);
    struct eins e = size <= 2 ? E2("movzx", len_mem(4, 2, reg, m, 0), OR(4, reg), OM(size, m))
                              : E2("mov", len_mem(size, 1, reg, m, 0), OR(size, reg), OM(size, m));
    done(f, &b, &e);
}
static void m_load_low(struct fnstat *f, int size, int op, int reg, struct xm m, u32 imm)
{
    struct xb b = sb();
    x_load_low(&b, size, reg, m);
    struct eins e = E2("mov", len_mem(size, 1, reg, m, 0), OR(size, reg), OM(size, m));
    done(f, &b, &e);
}
static void m_load_sx(struct fnstat *f, int size, int op, int reg, struct xm m, u32 imm)
{
    struct xb b = sb();
    x_load_sx(&b, size, reg, m);
    struct eins e = size <= 2 ? E2("movsx", len_mem(4, 2, reg, m, 0), OR(4, reg), OM(size, m))
                              : E2("mov", len_mem(size, 1, reg, m, 0), OR(size, reg), OM(size, m));
    done(f, &b, &e);
}
static void m_store(struct fnstat *f, int size, int op, int reg, struct xm m, u32 imm)
{
    struct xb b = sb();
    x_store(&b, size, m, reg);
    struct eins e = E2("mov", len_mem(size, 1, reg, m, 0), OM(size, m), OR(size, reg));
    done(f, &b, &e);
}
static void m_store_imm(struct fnstat *f, int size, int op, int reg, struct xm m, u32 imm)
{
    struct xb b = sb();
    x_store_imm(&b, size, m, imm);
    u64 v = size == 8 ? (u64)sext(imm, 4) : imm; /* 8: the sign-extended imm32 */
    struct eins e = E2("mov", len_mem(size, 1, 0, m, size == 1 ? 1 : size == 2 ? 2 : 4), OM(size, m), OI(size, v));
    done(f, &b, &e);
}
static void m_lea(struct fnstat *f, int size, int op, int reg, struct xm m, u32 imm)
{
    struct xb b = sb();
    x_lea(&b, size, reg, m);
    struct eins e = E2("lea", len_mem(size, 1, reg, m, 0), OR(size, reg), OM(0, m));
    done(f, &b, &e);
}
static void m_alu_rm(struct fnstat *f, int size, int op, int reg, struct xm m, u32 imm)
{
    struct xb b = sb();
    x_alu_rm(&b, size, op, reg, m);
    struct eins e = E2(ALU[op], len_mem(size, 1, reg, m, 0), OR(size, reg), OM(size, m));
    done(f, &b, &e);
}
static void m_alu_mr(struct fnstat *f, int size, int op, int reg, struct xm m, u32 imm)
{
    struct xb b = sb();
    x_alu_mr(&b, size, op, m, reg);
    struct eins e = E2(ALU[op], len_mem(size, 1, reg, m, 0), OM(size, m), OR(size, reg));
    done(f, &b, &e);
}
static void m_alu_mi(struct fnstat *f, int size, int op, int reg, struct xm m, u32 imm)
{
    struct xb b = sb();
    x_alu_mi(&b, size, op, m, imm);
    u64 v = size == 8 ? (u64)sext(imm, 4) : imm;
    struct eins e = E2(ALU[op], len_mem(size, 1, op, m, alu_immsz(size, imm)), OM(size, m), OI(size, v));
    done(f, &b, &e);
}
/* bt dword [m], imm8 */
static void m_bt(struct fnstat *f, int size, int op, int reg, struct xm m, u32 imm)
{
    struct xb b = sb();
    x_bt_mi(&b, m, (u8)(imm & 31));
    struct eins e = E2("bt", len_mem(4, 2, 4, m, 1), OM(4, m), OI(1, imm & 31));
    done(f, &b, &e);
}
/* test dword [m], imm32 */
static void m_test_mi(struct fnstat *f, int size, int op, int reg, struct xm m, u32 imm)
{
    struct xb b = sb();
    x_test_mi(&b, m, imm);
    struct eins e = E2("test", len_mem(4, 1, 0, m, 4), OM(4, m), OI(4, imm));
    done(f, &b, &e);
}
/* cmovcc reg, [m]: op is the condition code */
static void m_cmov(struct fnstat *f, int size, int op, int reg, struct xm m, u32 imm)
{
    struct xb b = sb();
    int cc = (int)(imm % 16);
    x_cmov_rm(&b, size, cc, reg, m);
    char mn[16], z[16];
    snprintf(mn, sizeof(mn), "cmov%s", CC_CS[cc]);
    snprintf(z, sizeof(z), "cmov%s", CC_ZY[cc]);
    struct eins e = E2(mn, len_mem(size, 2, reg, m, 0), OR(size, reg), OM(size, m));
    snprintf(e.zy, sizeof(e.zy), "%s", z);
    done(f, &b, &e);
}

static void run_mem_shapes(void)
{
    int nr;
    const int *regs;
    for (int si = 0; si < 4; si++) {
        int s = SIZES[si];
        /* destination of movzx/movsx/mov: any of the 16 */
        sweep_mem(&F_load, m_load, s, 0, ALLREG, 16);
        sweep_mem(&F_load_sx, m_load_sx, s, 0, ALLREG, 16);
        regs = regs_for(s, &nr);
        if (s <= 2) sweep_mem(&F_load_low, m_load_low, s, 0, regs, nr);
        sweep_mem(&F_store, m_store, s, 0, regs, nr);
        sweep_mem(&F_store_imm, m_store_imm, s, 0, ALLREG, 1);
        sweep_mem_small(&F_store_imm, m_store_imm, s, 0, ALLREG, 1, true);
        if (s != 1) sweep_mem(&F_lea, m_lea, s, 0, ALLREG, 16);
        sweep_mem(&F_alu_rm, m_alu_rm, s, -1, regs, nr);
        sweep_mem(&F_alu_mr, m_alu_mr, s, -1, regs, nr);
        sweep_mem(&F_alu_mi, m_alu_mi, s, -1, ALLREG, 1);
        for (int op = 0; op < 8; op++) {
            sweep_mem_small(&F_alu_rm, m_alu_rm, s, op, regs, nr, false);
            sweep_mem_small(&F_alu_mr, m_alu_mr, s, op, regs, nr, false);
            sweep_mem_small(&F_alu_mi, m_alu_mi, s, op, ALLREG, 1, true);
        }
    }
    sweep_mem(&F_bt_mi, m_bt, 4, 0, ALLREG, 1);
    sweep_mem(&F_test_mi, m_test_mi, 4, 0, ALLREG, 1);
    for (int s = 2; s <= 8; s *= 2) sweep_mem(&F_cmov_rm, m_cmov, s, 0, ALLREG, 16);
}

/* ------------------------------------------------------------------ */
/* register shapes */

static struct fnstat F_mov_rr = {"x_mov_rr", 0, 0}, F_mov_ri32 = {"x_mov_ri32", 0, 0},
                     F_mov_ri64 = {"x_mov_ri64", 0, 0}, F_alu_rr = {"x_alu_rr", 0, 0}, F_alu_ri = {"x_alu_ri", 0, 0},
                     F_test_rr = {"x_test_rr", 0, 0}, F_shift_ri = {"x_shift_ri", 0, 0}, F_setcc = {"x_setcc", 0, 0},
                     F_movzx8_rr = {"x_movzx8_rr", 0, 0}, F_call_r = {"x_call_r", 0, 0}, F_jmp_r = {"x_jmp_r", 0, 0},
                     F_call_abs = {"x_call_abs", 0, 0}, F_push = {"x_push", 0, 0}, F_pop = {"x_pop", 0, 0},
                     F_ret = {"x_ret", 0, 0};

static const u64 IMM64[] = {0,
                            1,
                            0x7f,
                            0x80,
                            0x7fffffff,
                            0x80000000,
                            0xfffffffe,
                            0xffffffff,
                            0x100000000ull,
                            0x123456789abcdef0ull,
                            0x00007fffdeadbeefull,
                            0x7fffffffffffffffull,
                            0x8000000000000000ull,
                            0xffffffff80000000ull,
                            0xfffffffffffffffeull,
                            0xffffffffffffffffull};

static void mov_imm_expect(struct eins *e, int reg, u64 imm)
{
    if (imm <= 0xffffffffu) *e = E2("mov", (reg >= 8) + 5, OR(4, reg), OI(4, imm));
    else {
        *e = E2("movabs", 10, OR(8, reg), OI(8, imm));
        snprintf(e->zy, sizeof(e->zy), "mov");
    }
}

static void run_reg_shapes(void)
{
    int nr;
    const int *regs;
    struct eins e;
    struct xb b;
    static const u8 COUNTS[] = {0, 1, 2, 7, 8, 15, 16, 31, 32, 63, 64, 127, 128, 255};
    for (int si = 0; si < 4; si++) {
        int s = SIZES[si];
        regs = regs_for(s, &nr);
        for (int i = 0; i < nr; i++)
            for (int j = 0; j < nr; j++) {
                int d = regs[i], r = regs[j];
                b = sb(); /* MOV r, r: 88 for bytes, 89 otherwise */
                x_mov_rr(&b, s, d, r);
                e = E2("mov", len_reg(s, 1, r, d, 0), OR(s, d), OR(s, r));
                done(&F_mov_rr, &b, &e);
                if (s != 1)
                    for (int cc = 0; cc < 16; cc++) {
                        b = sb();
                        x_cmov_rr(&b, s, cc, d, r);
                        char mn[16], z[16];
                        snprintf(mn, sizeof(mn), "cmov%s", CC_CS[cc]);
                        snprintf(z, sizeof(z), "cmov%s", CC_ZY[cc]);
                        e = E2(mn, len_reg(s, 2, d, r, 0), OR(s, d), OR(s, r));
                        snprintf(e.zy, sizeof(e.zy), "%s", z);
                        done(&F_cmov_rr, &b, &e);
                    }
                for (int op = 0; op < 8; op++) {
                    b = sb();
                    x_alu_rr(&b, s, op, d, r);
                    e = E2(ALU[op], len_reg(s, 1, r, d, 0), OR(s, d), OR(s, r));
                    done(&F_alu_rr, &b, &e);
                }
                b = sb();
                x_test_rr(&b, s, d, r);
                e = E2("test", len_reg(s, 1, r, d, 0), OR(s, d), OR(s, r));
                done(&F_test_rr, &b, &e);
            }
        for (int i = 0; i < nr; i++) {
            int r = regs[i];
            for (int op = 0; op < 8; op++)
                for (int k = 0; k < NI; k++) {
                    b = sb();
                    x_alu_ri(&b, s, op, r, IMMS[k]);
                    u64 v = s == 8 ? (u64)sext(IMMS[k], 4) : IMMS[k];
                    e = E2(ALU[op], len_reg(s, 1, op, r, alu_immsz(s, IMMS[k])), OR(s, r), OI(s, v));
                    done(&F_alu_ri, &b, &e);
                }
            for (int ext = 0; ext < 8; ext++) {
                if (!SHIFT[ext]) continue;
                for (size_t k = 0; k < ARRAY_SIZE(COUNTS); k++) {
                    b = sb();
                    x_shift_ri(&b, s, ext, r, COUNTS[k]);
                    e = E2(SHIFT[ext], len_reg(s, 1, ext, r, 1), OR(s, r), OI(1, COUNTS[k]));
                    done(&F_shift_ri, &b, &e);
                }
            }
            for (int dec = 0; dec < 2; dec++) {
                b = sb();
                x_incdec_r(&b, s, dec, r);
                e = E1(dec ? "dec" : "inc", len_reg(s, 1, dec, r, 0), OR(s, r));
                done(&F_incdec_r, &b, &e);
            }
            if (s <= 2)
                for (int k = 0; k < NI; k++) {
                    b = sb();
                    x_mov_ri_low(&b, s, r, IMMS[k]);
                    e = E2("mov", len_reg(s, 1, 0, r, s), OR(s, r), OI(s, IMMS[k] & mask_of(s)));
                    done(&F_mov_ri_low, &b, &e);
                }
            for (int ext = 0; ext < 8; ext++) {
                if (!SHIFT[ext]) continue;
                b = sb();
                x_shift_rcl(&b, s, ext, r);
                e = E2(SHIFT[ext], len_reg(s, 1, ext, r, 0), OR(s, r), OR(1, XCX));
                done(&F_shift_rcl, &b, &e);
            }
            if (s == 4)
                for (int k = 0; k < NI; k++) {
                    b = sb();
                    x_test_mi_r(&b, r, IMMS[k]);
                    e = E2("test", len_reg(4, 1, 0, r, 4), OR(4, r), OI(4, IMMS[k]));
                    done(&F_test_mi_r, &b, &e);
                }
            b = sb();
            x_not_r(&b, s, r);
            e = E1("not", len_reg(s, 1, 2, r, 0), OR(s, r));
            done(&F_not_r, &b, &e);
            b = sb();
            x_neg_r(&b, s, r);
            e = E1("neg", len_reg(s, 1, 3, r, 0), OR(s, r));
            done(&F_neg_r, &b, &e);
            if (s != 1)
                for (int j = 0; j < nr; j++) {
                    b = sb();
                    x_imul_rr(&b, s, r, regs[j]);
                    e = E2("imul", len_reg(s, 2, r, regs[j], 0), OR(s, r), OR(s, regs[j]));
                    done(&F_imul_rr, &b, &e);
                }
        }
    }
    for (int i = 0; i < 12; i++) {
        int r = BYTEREG[i];
        for (int cc = 0; cc < 16; cc++) {
            b = sb();
            x_setcc(&b, cc, r);
            char m[16], z[16];
            snprintf(m, sizeof(m), "set%s", CC_CS[cc]);
            snprintf(z, sizeof(z), "set%s", CC_ZY[cc]);
            e = E1(m, len_reg(1, 2, 0, r, 0), OR(1, r));
            snprintf(e.zy, sizeof(e.zy), "%s", z);
            done(&F_setcc, &b, &e);
        }
        for (int d = 0; d < 16; d++) {
            b = sb();
            x_movzx8_rr(&b, d, r);
            e = E2("movzx", len_reg(4, 2, d, r, 0), OR(4, d), OR(1, r));
            done(&F_movzx8_rr, &b, &e);
            b = sb();
            x_movsx_rr(&b, 1, d, r);
            e = E2("movsx", len_reg(4, 2, d, r, 0), OR(4, d), OR(1, r));
            done(&F_movsx_rr, &b, &e);
        }
    }
    static const char *const GRP3[8] = {0, 0, 0, 0, "mul", "imul", "div", "idiv"};
    for (int r = 0; r < 16; r++)
        for (int sz = 4; sz <= 8; sz += 4)
            for (int ext = 4; ext < 8; ext++) {
                b = sb();
                x_grp3_r(&b, sz, ext, r);
                e = E1(GRP3[ext], len_reg(sz, 1, ext, r, 0), OR(sz, r));
                done(&F_grp3_r, &b, &e);
            }
    b = sb();
    x_cqo(&b);
    e = E("cqo", NULL, 2);
    done(&F_cqo, &b, &e);
    for (int r = 0; r < 16; r++)
        for (int d = 0; d < 16; d++) {
            b = sb();
            x_movsxd_rr(&b, d, r);
            e = E2("movsxd", len_reg(8, 1, d, r, 0), OR(8, d), OR(4, r));
            done(&F_movsxd_rr, &b, &e);
        }
    for (int r = 0; r < 16; r++) {
        for (int d = 0; d < 16; d++) {
            b = sb();
            x_movzx16_rr(&b, d, r);
            e = E2("movzx", len_reg(4, 2, d, r, 0), OR(4, d), OR(2, r));
            done(&F_movzx16_rr, &b, &e);
            b = sb();
            x_movsx_rr(&b, 2, d, r);
            e = E2("movsx", len_reg(4, 2, d, r, 0), OR(4, d), OR(2, r));
            done(&F_movsx_rr, &b, &e);
        }
    }
    for (int r = 0; r < 16; r++) {
        for (int k = 0; k < NI; k++) {
            b = sb();
            x_mov_ri32(&b, r, IMMS[k]);
            e = E2("mov", (r >= 8) + 5, OR(4, r), OI(4, IMMS[k]));
            done(&F_mov_ri32, &b, &e);
        }
        for (size_t k = 0; k < ARRAY_SIZE(IMM64); k++) {
            b = sb();
            x_mov_ri64(&b, r, IMM64[k]);
            mov_imm_expect(&e, r, IMM64[k]);
            done(&F_mov_ri64, &b, &e);
        }
        /* indirect call/jmp: 64-bit operand without REX.W */
        b = sb();
        x_call_r(&b, r);
        e = E1("call", len_reg(4, 1, 2, r, 0), OR(8, r));
        done(&F_call_r, &b, &e);
        b = sb();
        x_jmp_r(&b, r);
        e = E1("jmp", len_reg(4, 1, 4, r, 0), OR(8, r));
        done(&F_jmp_r, &b, &e);
        b = sb();
        x_push(&b, r);
        e = E1("push", (r >= 8) + 1, OR(8, r));
        done(&F_push, &b, &e);
        b = sb();
        x_pop(&b, r);
        e = E1("pop", (r >= 8) + 1, OR(8, r));
        done(&F_pop, &b, &e);
    }
    b = sb();
    x_ret(&b);
    e = E("ret", NULL, 1);
    done(&F_ret, &b, &e);
    b = sb();
    x_pushf(&b);
    e = E("pushfq", NULL, 1);
    done(&F_pushf, &b, &e);

    /* x_call_abs: mov eax/movabs rax, fn; call rax */
    const u64 fns[] = {0, 1, 0x7fffffff, 0xffffffff, 0x100000000ull, (u64)(uintptr_t)&printf,
                       (u64)(uintptr_t)&run_reg_shapes, 0x00007fff12345678ull, 0xffffffffffffffffull};
    for (size_t k = 0; k < ARRAY_SIZE(fns); k++) {
        b = sb();
        x_call_abs(&b, (const void *)(uintptr_t)fns[k]);
        int len = (int)(b.p - b.start), l1 = fns[k] <= 0xffffffffu ? 5 : 10;
        mov_imm_expect(&e, XAX, fns[k]);
        if (len != l1 + 2) {
            F_call_abs.n++;
            fail(&F_call_abs, scratch, len, "-", "-", &e, "not a mov of the address followed by a 2-byte call");
            continue;
        }
        check_at(&F_call_abs, scratch, l1, (u64)(uintptr_t)scratch, &e);
        e = E1("call", 2, OR(8, XAX));
        check_at(&F_call_abs, scratch + l1, 2, (u64)(uintptr_t)scratch + l1, &e);
    }
}

/* ------------------------------------------------------------------ */
/* branches and x_patch */

static struct fnstat F_jmp32 = {"x_jmp32", 0, 0}, F_jcc32 = {"x_jcc32", 0, 0}, F_patch = {"x_patch", 0, 0};

static void run_branches(void)
{
    enum { SPAN = 4 << 20, AT = 2 << 20 };
    u8 *big = malloc(SPAN);
    if (!big) {
        printf("FAIL dbt_x64_x_patch: out of memory\n");
        F_patch.bad++;
        return;
    }
    /* target offsets from the branch's first byte */
    static const long offs[] = {0,      1,       5,       6,      -1,     -5,      -6,       127,       128,
                                131,    132,     133,     134,    -126,   -128,    -129,     -130,      0x7fff,
                                0x8000, -0x8000, 0x10000, -0x10000, 0x123457, -0x123457, AT - 16, -AT, AT - 1};
    for (int cc = -1; cc < 16; cc++) { /* -1: jmp */
        struct fnstat *f = cc < 0 ? &F_jmp32 : &F_jcc32;
        int len = cc < 0 ? 5 : 6;
        char m[8], z[8];
        snprintf(m, sizeof(m), "%s%s", cc < 0 ? "jmp" : "j", cc < 0 ? "" : CC_CS[cc]);
        snprintf(z, sizeof(z), "%s%s", cc < 0 ? "jmp" : "j", cc < 0 ? "" : CC_ZY[cc]);
        for (size_t k = 0; k < ARRAY_SIZE(offs); k++) {
            memset(big + AT - 16, 0xcc, 48);
            struct xb b = {big + AT, big + AT, big + SPAN};
            u8 *at = cc < 0 ? x_jmp32(&b) : x_jcc32(&b, cc);
            u8 *ins = big + AT;
            u64 addr = (u64)(uintptr_t)ins;
            struct eins e = E1(m, len, OJ(addr + (u64)len)); /* unpatched: rel32 0, the next instruction */
            snprintf(e.zy, sizeof(e.zy), "%s", z);
            if (b.p != ins + len || at != ins + len - 4) {
                f->n++;
                fail(f, ins, (int)(b.p - ins), "-", "-", &e, "the displacement is not the last 4 bytes");
                continue;
            }
            if (k == 0) check_at(f, ins, len, addr, &e);
            /* patch, then the decoded target must be the target; 4 bytes written */
            const u8 *target = ins + offs[k];
            x_patch(at, target);
            e.op[0].val = (u64)(uintptr_t)target;
            check_at(f, ins, len, addr, &e);
            F_patch.n++;
            i32 rel;
            memcpy(&rel, at, 4);
            bool ok = rel == (i32)(target - (at + 4)) && ins[-1] == 0xcc && ins[len] == 0xcc;
            if (ok) {
                char cst[256];
                ok = !check_cs(ins, len, addr, &e, cst, sizeof(cst));
            }
            if (!ok) fail(&F_patch, ins, len, "-", "-", &e, "patched rel32 wrong or neighbouring bytes touched");
        }
    }
    free(big);
}

/* ------------------------------------------------------------------ */
/* x_overflow */

static struct fnstat F_overflow = {"x_overflow", 0, 0};

static void emit_seq(struct xb *b, u8 **jat)
{
    x_load(b, 8, X13, xmem_idx(X12, X9, 3, -0x12345));
    x_store_imm(b, 8, xmem(XSP, 0x1000), 0x80000000);
    x_mov_ri64(b, X11, 0x123456789abcdef0ull);
    x_alu_mi(b, 2, XALU_CMP, xmem(XBP, 0), 0x1234);
    *jat = x_jcc32(b, XCC_NE);
    x_setcc(b, XCC_G, X10);
    x_push(b, X12);
    x_call_abs(b, (const void *)(uintptr_t)0xfedcba9876543210ull);
    x_shift_ri(b, 4, 7, X14, 31);
    x_ret(b);
    x_u64(b, 0x0102030405060708ull);
    x_u16(b, 0xa5a5);
}

static void run_overflow(void)
{
    u8 ref[256], buf[256];
    u8 *jat;
    struct xb r = {ref, ref, ref + sizeof(ref)};
    emit_seq(&r, &jat);
    int total = (int)(r.p - ref), jrel = (int)(jat - ref);
    struct eins none = E("(sequence)", NULL, total);
    if (x_overflow(&r)) {
        F_overflow.n++;
        fail(&F_overflow, ref, 0, "-", "-", &none, "the reference emission overflowed");
        return;
    }
    for (int fillv = 0; fillv < 2; fillv++) {
        u8 fill = fillv ? 0x55 : 0xaa;
        for (int lim = 0; lim <= total + 2; lim++) {
            memset(buf, fill, sizeof(buf));
            struct xb b = {buf, buf, buf + lim};
            emit_seq(&b, &jat);
            F_overflow.n++;
            const char *why = NULL;
            if (b.p - buf != total) why = "p did not count every byte";
            else if (x_overflow(&b) != (total > lim)) why = "x_overflow wrong";
            else if (jat - buf != jrel) why = "x_jcc32's displacement pointer moved";
            else if (memcmp(buf, ref, (size_t)(lim < total ? lim : total))) why = "bytes before end differ";
            else
                for (int i = lim < total ? lim : total; i < (int)sizeof(buf); i++)
                    if (buf[i] != fill) { why = "a byte past end was written"; break; }
            if (why) {
                char t[64];
                snprintf(t, sizeof(t), "%s (end at %d of %d)", why, lim, total);
                fail(&F_overflow, buf, lim < 24 ? lim : 24, "-", "-", &none, t);
            }
        }
    }
}

/* ------------------------------------------------------------------ */

static bool report(struct fnstat *f)
{
    if (f->bad) printf("FAIL dbt_x64_%s: %lu of %lu encodings wrong\n", f->name, f->bad, f->n);
    else if (!f->n) printf("FAIL dbt_x64_%s: nothing checked\n", f->name);
    else
        printf("PASS dbt_x64_%s: %lu %s checked (capstone%s)\n", f->name, f->n,
               !strcmp(f->name, "x_overflow") ? "bounded emissions" : "encodings",
#ifdef HAVE_ZYDIS
               " + zydis"
#else
               ""
#endif
        );
    return f->n && !f->bad;
}

int main(void)
{
    if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK) {
        printf("SKIP dbt_x64: cs_open failed\n");
        return 0;
    }
#ifdef HAVE_ZYDIS
    if (!ZYAN_SUCCESS(ZydisDecoderInit(&zd, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64)) ||
        !ZYAN_SUCCESS(ZydisFormatterInit(&zf, ZYDIS_FORMATTER_STYLE_INTEL))) {
        printf("FAIL dbt_x64: Zydis init failed\n");
        return 1;
    }
#endif
    run_mem_shapes();
    run_reg_shapes();
    run_branches();
    run_overflow();
    struct fnstat *all[] = {&F_load,     &F_load_sx,  &F_store,  &F_store_imm, &F_mov_rr,  &F_mov_ri32,
                            &F_mov_ri64, &F_lea,      &F_alu_rr, &F_alu_rm,    &F_alu_mr,  &F_alu_ri,
                            &F_alu_mi,   &F_test_rr,  &F_shift_ri, &F_setcc,   &F_movzx8_rr, &F_jmp32,
                            &F_jcc32,    &F_patch,    &F_call_r, &F_jmp_r,     &F_call_abs, &F_push,
                            &F_pop,      &F_ret,      &F_bt_mi,  &F_test_mi,   &F_cmov_rm, &F_incdec_r,
                            &F_neg_r,    &F_imul_rr,  &F_movzx16_rr, &F_grp3_r, &F_cqo,    &F_movsxd_rr,
                            &F_load_low, &F_mov_ri_low, &F_movsx_rr, &F_cmov_rr, &F_shift_rcl, &F_not_r,
                            &F_test_mi_r, &F_pushf, &F_overflow};
    bool ok = true;
    unsigned long n = 0;
    for (size_t i = 0; i < ARRAY_SIZE(all); i++) {
        ok &= report(all[i]);
        n += all[i]->n;
    }
    printf("dbt_x64: %lu encodings checked in all\n", n);
    cs_close(&cs);
    return ok ? 0 : 1;
}
