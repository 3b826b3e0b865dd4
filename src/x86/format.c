/*
 * x86_format: Intel-syntax disassembly of a decoded instruction, in the
 * style of Capstone/objdump ("mov eax, dword ptr [ebx + esi*4 + 0x10]").
 * Numbers: 0..9 in decimal, larger in hex; sign-extended 8-bit immediates
 * and displacements print negative ("add eax, -1", "[ebp - 8]").
 * Far transfers print as "ljmp"/"lcall" as Capstone does.
 */
#include "x86/insn.h"
#include <stdarg.h>
#include <stdio.h>

static const char *const reg8[8] = {"al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"};
static const char *const reg16[8] = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di"};
static const char *const reg32[8] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
static const char *const sreg[8] = {"es", "cs", "ss", "ds", "fs", "gs", "?", "?"};
static const char *const ccname[16] = {"o", "no", "b", "ae", "e", "ne", "be", "a",
                                       "s", "ns", "p", "np", "l", "ge", "le", "g"};

struct out {
    char *buf;
    size_t size, len;
};

static void put(struct out *o, const char *s)
{
    size_t n = strlen(s);
    if (o->len < o->size) {
        size_t room = o->size - o->len - 1;
        memcpy(o->buf + o->len, s, n < room ? n : room);
        o->buf[o->len + (n < room ? n : room)] = 0;
    }
    o->len += n;
}

static void putf(struct out *o, const char *fmt, ...) VD_PRINTF(2, 3);
static void putf(struct out *o, const char *fmt, ...)
{
    char tmp[64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    put(o, tmp);
}

/* Unsigned number: decimal below 10, hex otherwise. */
static void num(struct out *o, u32 v)
{
    if (v < 10) putf(o, "%u", v);
    else putf(o, "0x%x", v);
}

/* Signed number, "-0x80" style. */
static void snum(struct out *o, i32 v)
{
    if (v < 0) {
        put(o, "-");
        num(o, (u32)-(i64)v);
    } else {
        num(o, (u32)v);
    }
}

static const char *reg_name(unsigned size, unsigned r)
{
    return size == 1 ? reg8[r & 7] : size == 2 ? reg16[r & 7] : reg32[r & 7];
}

static const char *size_ptr(unsigned size)
{
    switch (size) {
    case 1: return "byte ptr ";
    case 2: return "word ptr ";
    case 4: return "dword ptr ";
    case 6: return "fword ptr ";
    case 8: return "qword ptr ";
    case 10: return "tbyte ptr ";
    case 16: return "xmmword ptr ";
    default: return "";
    }
}

/* ModRM memory operand; size 0 prints no "ptr". */
static void mem(struct out *o, const struct x86_insn *in, unsigned size)
{
    put(o, size_ptr(size));
    if (in->pfx & X86_PFX_SEG) {
        put(o, sreg[in->seg & 7]);
        put(o, ":");
    }
    put(o, "[");
    bool any = false;
    if (in->base != X86_REG_NONE) {
        put(o, reg_name(in->asize, in->base));
        any = true;
    }
    if (in->index != X86_REG_NONE) {
        if (any) put(o, " + ");
        put(o, reg_name(in->asize, in->index));
        if (in->scale) putf(o, "*%u", 1u << in->scale);
        any = true;
    }
    if (!any) {
        num(o, in->asize == 2 ? (u32)in->disp & 0xffff : (u32)in->disp);
    } else if (in->disp) {
        i32 d = in->asize == 2 ? (i16)in->disp : in->disp;
        put(o, d < 0 ? " - " : " + ");
        num(o, d < 0 ? (u32)-(i64)d : (u32)d);
    }
    put(o, "]");
}

/* String operand DS:[eSI] (override allowed) or ES:[eDI] (fixed). */
static void strmem(struct out *o, const struct x86_insn *in, unsigned size, bool di)
{
    put(o, size_ptr(size));
    if (di) put(o, "es:");
    else if (in->pfx & X86_PFX_SEG) {
        put(o, sreg[in->seg & 7]);
        put(o, ":");
    }
    putf(o, "[%s]", reg_name(in->asize, di ? X86_EDI : X86_ESI));
}

/* E operand: register (rm) when mod == 3, else memory. */
static void eop(struct out *o, const struct x86_insn *in, unsigned size)
{
    if (in->mod == 3) put(o, reg_name(size, in->rm));
    else mem(o, in, size);
}

/* MMX/SSE operand tokens: mm/xmm/r32 registers, or memory of the token's size. */
static void simd_operand(struct out *o, const struct x86_insn *in, unsigned tok)
{
    unsigned msize;
    switch (x86_simd_opnd(tok, &msize)) {
    case XK_MM: putf(o, "mm%u", in->reg); break;
    case XK_XMM: putf(o, "xmm%u", in->reg); break;
    case XK_GPR: put(o, reg32[in->reg]); break;
    case XK_MM_RM: if (in->mod == 3) putf(o, "mm%u", in->rm); else mem(o, in, msize); break;
    case XK_XMM_RM: if (in->mod == 3) putf(o, "xmm%u", in->rm); else mem(o, in, msize); break;
    case XK_GPR_RM: if (in->mod == 3) put(o, reg32[in->rm]); else mem(o, in, msize); break;
    case XK_MEM: mem(o, in, msize); break;
    case XK_NONE: break;
    }
}

static void operand(struct out *o, const struct x86_insn *in, unsigned tok, u32 addr)
{
    unsigned os = in->osize;
    switch (tok) {
    case O_Eb: eop(o, in, 1); break;
    case O_Ew: eop(o, in, 2); break;
    case O_Ev: eop(o, in, os); break;
    case O_Gb: put(o, reg8[in->reg]); break;
    case O_Gw: put(o, reg16[in->reg]); break;
    case O_Gv: put(o, reg_name(os, in->reg)); break;
    case O_Ib: num(o, in->imm & 0xff); break;
    case O_Ibs: snum(o, (i32)in->imm); break;
    case O_Iw: num(o, in->imm & 0xffff); break;
    case O_Iv: case O_Iz: num(o, os == 2 ? in->imm & 0xffff : in->imm); break;
    case O_Jb: case O_Jz: {
        u32 t = addr + in->len + in->imm;
        num(o, os == 2 ? t & 0xffff : t);
        break;
    }
    case O_M: mem(o, in, 0); break;
    case O_Mp: mem(o, in, os + 2u); break;
    case O_Mq: mem(o, in, 8); break;
    case O_Ms: mem(o, in, 0); break;
    case O_Ma: mem(o, in, os * 2u); break;
    case O_Ap:
        num(o, in->imm2 & 0xffff);
        put(o, ":");
        num(o, os == 2 ? in->imm & 0xffff : in->imm);
        break;
    case O_Ob: mem(o, in, 1); break;
    case O_Ov: mem(o, in, os); break;
    case O_Sw: put(o, sreg[in->reg]); break;
    case O_Cd: putf(o, "cr%u", in->reg); break;
    case O_Dd: putf(o, "dr%u", in->reg); break;
    case O_Rd: put(o, reg32[in->rm]); break;
    case O_Zb: put(o, reg8[in->opcode & 7]); break;
    case O_Zv: put(o, reg_name(os, in->opcode & 7)); break;
    case O_Zd: put(o, reg32[in->opcode & 7]); break;
    case O_AL: put(o, "al"); break;
    case O_CL: put(o, "cl"); break;
    case O_DX: put(o, "dx"); break;
    case O_eAX: put(o, os == 2 ? "ax" : "eax"); break;
    case O_ONE: put(o, "1"); break;
    case O_ES: case O_CS: case O_SS: case O_DS: case O_FS: case O_GS:
        put(o, sreg[tok - O_ES]);
        break;
    case O_Xb: strmem(o, in, 1, false); break;
    case O_Xv: strmem(o, in, os, false); break;
    case O_Yb: strmem(o, in, 1, true); break;
    case O_Yv: strmem(o, in, os, true); break;
    default: simd_operand(o, in, tok); break;
    }
}

/* "a|b": a for 16-bit, b for 32-bit (operand size, or address size). */
static void mnemonic(struct out *o, const char *m, unsigned size)
{
    const char *bar = strchr(m, '|');
    if (!bar) {
        put(o, m);
    } else if (size == 2) {
        char tmp[32];
        size_t n = (size_t)(bar - m) < sizeof(tmp) - 1 ? (size_t)(bar - m) : sizeof(tmp) - 1;
        memcpy(tmp, m, n);
        tmp[n] = 0;
        put(o, tmp);
    } else {
        put(o, bar + 1);
    }
}

/* ---- x87 escapes (D8-DF): names from the Intel opcode map, Appendix A.4 ---- */

/* Memory forms: [opcode - D8][reg] -> mnemonic, operand size (0: no "ptr"). */
static const struct { const char *m; u8 size; } x87_mem[8][8] = {
    {{"fadd", 4}, {"fmul", 4}, {"fcom", 4}, {"fcomp", 4}, {"fsub", 4}, {"fsubr", 4}, {"fdiv", 4}, {"fdivr", 4}},
    {{"fld", 4}, {NULL, 0}, {"fst", 4}, {"fstp", 4}, {"fldenv", 0}, {"fldcw", 2}, {"fnstenv", 0}, {"fnstcw", 2}},
    {{"fiadd", 4}, {"fimul", 4}, {"ficom", 4}, {"ficomp", 4}, {"fisub", 4}, {"fisubr", 4}, {"fidiv", 4}, {"fidivr", 4}},
    {{"fild", 4}, {"fisttp", 4}, {"fist", 4}, {"fistp", 4}, {NULL, 0}, {"fld", 10}, {NULL, 0}, {"fstp", 10}},
    {{"fadd", 8}, {"fmul", 8}, {"fcom", 8}, {"fcomp", 8}, {"fsub", 8}, {"fsubr", 8}, {"fdiv", 8}, {"fdivr", 8}},
    {{"fld", 8}, {"fisttp", 8}, {"fst", 8}, {"fstp", 8}, {"frstor", 0}, {NULL, 0}, {"fnsave", 0}, {"fnstsw", 2}},
    {{"fiadd", 2}, {"fimul", 2}, {"ficom", 2}, {"ficomp", 2}, {"fisub", 2}, {"fisubr", 2}, {"fidiv", 2}, {"fidivr", 2}},
    {{"fild", 2}, {"fisttp", 2}, {"fist", 2}, {"fistp", 2}, {"fbld", 10}, {"fild", 8}, {"fbstp", 10}, {"fistp", 8}},
};

/* Register forms with ST(i): [opcode - D8][reg] -> mnemonic and operand shape.
 * Undocumented aliases (D9 D8+i FSTP, DC D0/D8 FCOM/FCOMP, DD C8 and DF C8
 * FXCH, DE D0 FCOMP, DF D0/D8 FSTP, DF C0 FFREEP) print as the instruction
 * they alias. */
enum { ST_NONE, ST_I, ST_0_I, ST_I_0 };
static const struct { const char *m; u8 shape; } x87_reg[8][8] = {
    {{"fadd", ST_I}, {"fmul", ST_I}, {"fcom", ST_I}, {"fcomp", ST_I},
     {"fsub", ST_I}, {"fsubr", ST_I}, {"fdiv", ST_I}, {"fdivr", ST_I}},
    {{"fld", ST_I}, {"fxch", ST_I}, {NULL, 0}, {"fstp", ST_I}, {NULL, 0}, {NULL, 0}, {NULL, 0}, {NULL, 0}},
    {{"fcmovb", ST_0_I}, {"fcmove", ST_0_I}, {"fcmovbe", ST_0_I}, {"fcmovu", ST_0_I},
     {NULL, 0}, {NULL, 0}, {NULL, 0}, {NULL, 0}},
    {{"fcmovnb", ST_0_I}, {"fcmovne", ST_0_I}, {"fcmovnbe", ST_0_I}, {"fcmovnu", ST_0_I},
     {NULL, 0}, {"fucomi", ST_I}, {"fcomi", ST_I}, {NULL, 0}},
    {{"fadd", ST_I_0}, {"fmul", ST_I_0}, {"fcom", ST_I}, {"fcomp", ST_I},
     {"fsubr", ST_I_0}, {"fsub", ST_I_0}, {"fdivr", ST_I_0}, {"fdiv", ST_I_0}},
    {{"ffree", ST_I}, {"fxch", ST_I}, {"fst", ST_I}, {"fstp", ST_I},
     {"fucom", ST_I}, {"fucomp", ST_I}, {NULL, 0}, {NULL, 0}},
    {{"faddp", ST_I}, {"fmulp", ST_I}, {"fcomp", ST_I}, {NULL, 0},
     {"fsubrp", ST_I}, {"fsubp", ST_I}, {"fdivrp", ST_I}, {"fdivp", ST_I}},
    {{"ffreep", ST_I}, {"fxch", ST_I}, {"fstp", ST_I}, {"fstp", ST_I},
     {NULL, 0}, {"fucomip", ST_I}, {"fcomip", ST_I}, {NULL, 0}},
};

/* Register forms without ST(i) operands: D9 D0-FF, DA E9, DB E0-E4, DE D9, DF E0. */
static const char *x87_special(unsigned esc, unsigned modrm)
{
    static const char *const d9[48] = {
        [0x00] = "fnop",
        [0x10] = "fchs", [0x11] = "fabs", [0x14] = "ftst", [0x15] = "fxam",
        [0x18] = "fld1", [0x19] = "fldl2t", [0x1A] = "fldl2e", [0x1B] = "fldpi",
        [0x1C] = "fldlg2", [0x1D] = "fldln2", [0x1E] = "fldz",
        [0x20] = "f2xm1", [0x21] = "fyl2x", [0x22] = "fptan", [0x23] = "fpatan",
        [0x24] = "fxtract", [0x25] = "fprem1", [0x26] = "fdecstp", [0x27] = "fincstp",
        [0x28] = "fprem", [0x29] = "fyl2xp1", [0x2A] = "fsqrt", [0x2B] = "fsincos",
        [0x2C] = "frndint", [0x2D] = "fscale", [0x2E] = "fsin", [0x2F] = "fcos",
    };
    switch (esc) {
    case 1: return modrm >= 0xD0 ? d9[modrm - 0xD0] : NULL;
    case 2: return modrm == 0xE9 ? "fucompp" : NULL;
    case 3:
        switch (modrm) {
        case 0xE0: return "fneni";
        case 0xE1: return "fndisi";
        case 0xE2: return "fnclex";
        case 0xE3: return "fninit";
        case 0xE4: return "fsetpm";
        default: return NULL;
        }
    case 6: return modrm == 0xD9 ? "fcompp" : NULL;
    case 7: return modrm == 0xE0 ? "fnstsw" : NULL;
    default: return NULL;
    }
}

static void format_x87(struct out *o, const struct x86_insn *in)
{
    unsigned esc = in->opcode & 7;
    if (in->mod != 3) {
        const char *m = x87_mem[esc][in->reg].m;
        if (!m) {
            put(o, "(bad)");
            return;
        }
        put(o, m);
        put(o, " ");
        mem(o, in, x87_mem[esc][in->reg].size);
        return;
    }
    const char *m = x87_special(esc, in->modrm);
    if (m) {
        put(o, m);
        if (esc == 7) put(o, " ax");
        return;
    }
    m = x87_reg[esc][in->reg].m;
    if (!m || (esc == 1 && (in->reg == 2 || in->reg > 3)) || (esc == 6 && in->reg == 3) ||
        (esc == 3 && in->reg == 4) || (esc == 7 && in->reg == 4)) {
        put(o, "(bad)");
        return;
    }
    put(o, m);
    switch (x87_reg[esc][in->reg].shape) {
    case ST_I: putf(o, " st(%u)", in->rm); break;
    case ST_0_I: putf(o, " st(0), st(%u)", in->rm); break;
    case ST_I_0: putf(o, " st(%u), st(0)", in->rm); break;
    }
}

/* CMPPS, CMPPD, CMPSS, CMPSD with an imm8 predicate below 8: the predicate's name. */
static const char *cmp_pred(const struct x86_insn *in)
{
    static const char *const pred[8] = {"eq", "lt", "le", "unord", "neq", "nlt", "nle", "ord"};
    bool cmp = in->op == X86_OP_CMPPS_VpsWpsIb || in->op == X86_OP_CMPPD_VpdWpdIb ||
               in->op == X86_OP_CMPSS_VssWssIb || in->op == X86_OP_CMPSD_VsdWsdIb;
    return cmp && (in->imm & 0xff) < 8 ? pred[in->imm & 7] : NULL;
}

/* Forms whose operands print differently from their table tokens, following
 * Capstone/objdump and the SDM's r32/m16 notation. Returns true if done. */
static bool special_operands(struct out *o, const struct x86_insn *in)
{
    if (in->op == X86_OP_XCHG_ZveAX) { /* SDM's primary form: XCHG eAX, r */
        putf(o, " %s, %s", reg_name(in->osize, 0), reg_name(in->osize, in->opcode & 7));
        return true;
    }
    if ((in->op == X86_OP_AAM_Ib || in->op == X86_OP_AAD_Ib) && in->imm == 10) return true;
    /* r32/m16 operands (SDM: "MOV Sreg, r32/m16", "LAR r32, r32/m16", "MOV r/m16, Sreg"):
     * a register shows at operand size, memory is always a word */
    if (in->op == X86_OP_MOV_SwEw && in->mod == 3) {
        putf(o, " %s, %s", sreg[in->reg], reg_name(in->osize, in->rm));
        return true;
    }
    if ((in->op == X86_OP_LAR_GvEw || in->op == X86_OP_LSL_GvEw) && in->mod == 3) {
        putf(o, " %s, %s", reg_name(in->osize, in->reg), reg_name(in->osize, in->rm));
        return true;
    }
    if ((in->op == X86_OP_SLDT_Ev || in->op == X86_OP_STR_Ev || in->op == X86_OP_SMSW_Ev) && in->mod != 3) {
        put(o, " ");
        mem(o, in, 2);
        return true;
    }
    if (in->op == X86_OP_INVLPG_M) {
        put(o, " ");
        mem(o, in, 1);
        return true;
    }
    /* CMPPS/PD/SS/SD with predicate 0-7 print as cmp<pred>ps etc. (objdump, Capstone) */
    if (cmp_pred(in)) {
        const struct x86_form *f = x86_form_of(in);
        put(o, " ");
        simd_operand(o, in, f->opnd[0]);
        put(o, ", ");
        simd_operand(o, in, f->opnd[1]);
        return true;
    }
    if (in->op == X86_OP_MOV_EvSw && in->mod != 3) {
        put(o, " ");
        mem(o, in, 2);
        putf(o, ", %s", sreg[in->reg]);
        return true;
    }
    return false;
}

int x86_format(const struct x86_insn *in, u32 addr, char *buf, size_t size)
{
    struct out o = {buf, size, 0};
    const struct x86_form *f = &x86_forms[in->op];
    if (size) buf[0] = 0;

    if (in->op == X86_OP_UD) {
        put(&o, "(bad)");
        return (int)o.len;
    }
    if (in->pfx & X86_PFX_LOCK) put(&o, "lock ");
    if (f->flags & F_STRING) {
        bool cmp = in->op == X86_OP_CMPSB || in->op == X86_OP_CMPSV ||
                   in->op == X86_OP_SCASB || in->op == X86_OP_SCASV;
        if (in->pfx & X86_PFX_REP) put(&o, cmp ? "repe " : "rep ");
        else if (in->pfx & X86_PFX_REPNE) put(&o, "repne ");
    }
    if (in->op == X86_OP_ESC) {
        format_x87(&o, in);
        return (int)o.len;
    }

    switch (in->op) {
    case X86_OP_JCC_Jb: case X86_OP_JCC_Jz:
        put(&o, "j");
        put(&o, ccname[in->cc]);
        break;
    case X86_OP_SETCC_Eb:
        put(&o, "set");
        put(&o, ccname[in->cc]);
        break;
    case X86_OP_CMOVCC_GvEv:
        put(&o, "cmov");
        put(&o, ccname[in->cc]);
        break;
    case X86_OP_CALLF_Ap: case X86_OP_CALLF_Mp: put(&o, "lcall"); break;
    case X86_OP_NOP:
        put(&o, (in->pfx & X86_PFX_REP) ? "pause" : "nop"); /* F3 90 */
        break;
    case X86_OP_CMPPS_VpsWpsIb: case X86_OP_CMPPD_VpdWpdIb: case X86_OP_CMPSS_VssWssIb:
    case X86_OP_CMPSD_VsdWsdIb:
        put(&o, "cmp");
        if (cmp_pred(in)) put(&o, cmp_pred(in));
        put(&o, f->mnem + 3); /* ps, pd, ss, sd */
        break;
    case X86_OP_JMPF_Ap: case X86_OP_JMPF_Mp: put(&o, "ljmp"); break;
    default:
        mnemonic(&o, f->mnem, (f->flags & F_ASIZE_MNEM) ? in->asize : in->osize);
        break;
    }

    if (special_operands(&o, in)) return (int)o.len;
    for (unsigned k = 0; k < 3 && f->opnd[k] != O_NONE; k++) {
        put(&o, k ? ", " : " ");
        if (k == 1 && f->opnd[0] == O_Iw && f->opnd[1] == O_Ib) num(&o, in->imm2 & 0xff); /* ENTER */
        else if (f->opnd[k] == O_Ibs && (in->op == X86_OP_AND_EvIbs || in->op == X86_OP_OR_EvIbs ||
                                         in->op == X86_OP_XOR_EvIbs)) /* bit masks print unsigned */
            num(&o, in->osize == 2 ? in->imm & 0xffff : in->imm);
        else operand(&o, in, f->opnd[k], addr);
    }
    return (int)o.len;
}
