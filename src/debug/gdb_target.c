/*
 * The register file GDB sees and its target description. One table drives
 * both: the XML documents are generated from it, so the register numbers
 * used by g/G/p/P always match what GDB was told.
 *
 * Features: org.gnu.gdb.i386.core (names and order of GDB's 32bit-core.xml),
 * org.gnu.gdb.i386.sse, and org.vdebug.i386.sys (FS/GS bases, control,
 * descriptor-table and debug registers; GDB shows unknown features'
 * registers by name: `p $cr3`, `info registers cr0`). fs_base/gs_base are
 * not in org.gnu.gdb.i386.segments: GDB 13 numbers that feature past the
 * end of a bare i386 register file and aborts (it expects Linux's layout).
 *
 * target.xml names no <architecture>: GDB then infers i386 from the core
 * feature, and a user's `set architecture i8086` (16-bit disassembly in real
 * mode) takes effect. With <architecture>i386</architecture> GDB keeps the
 * "more capable" i386 and silently ignores i8086 (the QEMU real-mode trap).
 *
 * The program counter: "eip" is the linear address CS.base + EIP, in every
 * mode. In real mode GDB therefore sees CS:IP as the linear address that
 * breakpoints and `x/i $pc` use; writing it keeps CS when the new address is
 * within 64 KiB of CS.base, else picks CS = addr >> 4 & 0xF000.
 */
#include "debug/gdb_int.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

enum feat { F_CORE, F_SSE, F_SYS, F_COUNT };
enum rkind {
    K_GPR, K_PC, K_EFLAGS, K_SEG, K_ST, K_FCW, K_FSW, K_FTW, K_FCS, K_FIP, K_FDS, K_FDP, K_FOP,
    K_XMM, K_MXCSR, K_SEGBASE, K_CR, K_EFER, K_GDT_BASE, K_GDT_LIM, K_IDT_BASE, K_IDT_LIM,
    K_LDTR, K_TR, K_DR,
};

struct regdef {
    const char *name;
    u8 bytes, feat, kind, idx;
    const char *type;
    const char *group;
};

#define R(n, b, f, k, i, t) {n, b, f, k, i, t, NULL}
#define RG(n, b, f, k, i, t, g) {n, b, f, k, i, t, g}
static const struct regdef regs[] = {
    R("eax", 4, F_CORE, K_GPR, R_EAX, "int32"), R("ecx", 4, F_CORE, K_GPR, R_ECX, "int32"),
    R("edx", 4, F_CORE, K_GPR, R_EDX, "int32"), R("ebx", 4, F_CORE, K_GPR, R_EBX, "int32"),
    R("esp", 4, F_CORE, K_GPR, R_ESP, "data_ptr"), R("ebp", 4, F_CORE, K_GPR, R_EBP, "data_ptr"),
    R("esi", 4, F_CORE, K_GPR, R_ESI, "int32"), R("edi", 4, F_CORE, K_GPR, R_EDI, "int32"),
    R("eip", 4, F_CORE, K_PC, 0, "code_ptr"), R("eflags", 4, F_CORE, K_EFLAGS, 0, "i386_eflags"),
    R("cs", 4, F_CORE, K_SEG, S_CS, "int32"), R("ss", 4, F_CORE, K_SEG, S_SS, "int32"),
    R("ds", 4, F_CORE, K_SEG, S_DS, "int32"), R("es", 4, F_CORE, K_SEG, S_ES, "int32"),
    R("fs", 4, F_CORE, K_SEG, S_FS, "int32"), R("gs", 4, F_CORE, K_SEG, S_GS, "int32"),
    R("st0", 10, F_CORE, K_ST, 0, "i387_ext"), R("st1", 10, F_CORE, K_ST, 1, "i387_ext"),
    R("st2", 10, F_CORE, K_ST, 2, "i387_ext"), R("st3", 10, F_CORE, K_ST, 3, "i387_ext"),
    R("st4", 10, F_CORE, K_ST, 4, "i387_ext"), R("st5", 10, F_CORE, K_ST, 5, "i387_ext"),
    R("st6", 10, F_CORE, K_ST, 6, "i387_ext"), R("st7", 10, F_CORE, K_ST, 7, "i387_ext"),
    RG("fctrl", 4, F_CORE, K_FCW, 0, "int", "float"), RG("fstat", 4, F_CORE, K_FSW, 0, "int", "float"),
    RG("ftag", 4, F_CORE, K_FTW, 0, "int", "float"), RG("fiseg", 4, F_CORE, K_FCS, 0, "int", "float"),
    RG("fioff", 4, F_CORE, K_FIP, 0, "int", "float"), RG("foseg", 4, F_CORE, K_FDS, 0, "int", "float"),
    RG("fooff", 4, F_CORE, K_FDP, 0, "int", "float"), RG("fop", 4, F_CORE, K_FOP, 0, "int", "float"),
    R("xmm0", 16, F_SSE, K_XMM, 0, "vec128"), R("xmm1", 16, F_SSE, K_XMM, 1, "vec128"),
    R("xmm2", 16, F_SSE, K_XMM, 2, "vec128"), R("xmm3", 16, F_SSE, K_XMM, 3, "vec128"),
    R("xmm4", 16, F_SSE, K_XMM, 4, "vec128"), R("xmm5", 16, F_SSE, K_XMM, 5, "vec128"),
    R("xmm6", 16, F_SSE, K_XMM, 6, "vec128"), R("xmm7", 16, F_SSE, K_XMM, 7, "vec128"),
    RG("mxcsr", 4, F_SSE, K_MXCSR, 0, "i386_mxcsr", "vector"),
    RG("fs_base", 4, F_SYS, K_SEGBASE, S_FS, "data_ptr", "system"), RG("gs_base", 4, F_SYS, K_SEGBASE, S_GS, "data_ptr", "system"),
    RG("cr0", 4, F_SYS, K_CR, 0, "i386_cr0", "system"), RG("cr2", 4, F_SYS, K_CR, 2, "data_ptr", "system"),
    RG("cr3", 4, F_SYS, K_CR, 3, "data_ptr", "system"), RG("cr4", 4, F_SYS, K_CR, 4, "i386_cr4", "system"),
    RG("efer", 8, F_SYS, K_EFER, 0, "i386_efer", "system"),
    RG("gdtr_base", 4, F_SYS, K_GDT_BASE, 0, "data_ptr", "system"),
    RG("gdtr_limit", 4, F_SYS, K_GDT_LIM, 0, "int", "system"),
    RG("idtr_base", 4, F_SYS, K_IDT_BASE, 0, "data_ptr", "system"),
    RG("idtr_limit", 4, F_SYS, K_IDT_LIM, 0, "int", "system"),
    RG("ldtr", 4, F_SYS, K_LDTR, 0, "int", "system"), RG("tr", 4, F_SYS, K_TR, 0, "int", "system"),
    RG("dr0", 4, F_SYS, K_DR, 0, "data_ptr", "system"), RG("dr1", 4, F_SYS, K_DR, 1, "data_ptr", "system"),
    RG("dr2", 4, F_SYS, K_DR, 2, "data_ptr", "system"), RG("dr3", 4, F_SYS, K_DR, 3, "data_ptr", "system"),
    RG("dr6", 4, F_SYS, K_DR, 6, "uint32", "system"), RG("dr7", 4, F_SYS, K_DR, 7, "uint32", "system"),
};

int gdb_reg_count(void) { return (int)ARRAY_SIZE(regs); }
int gdb_reg_size(int n) { return n >= 0 && n < (int)ARRAY_SIZE(regs) ? regs[n].bytes : 0; }

static int fpu_top(const struct cpu_state *st) { return (st->fpu.fsw >> 11) & 7; }
static bool seg_is_real(const struct cpu_state *st) { return !(st->cr0 & CR0_PE) || (st->eflags & FL_VM); }

void gdb_reg_get(const struct cpu_state *st, int n, u8 *out)
{
    const struct regdef *r = &regs[n];
    u32 v = 0;
    switch (r->kind) {
    case K_GPR: v = st->gpr[r->idx]; break;
    case K_PC: v = st->seg[S_CS].base + st->eip; break;
    case K_EFLAGS: v = st->eflags; break;
    case K_SEG: v = st->seg[r->idx].sel; break;
    case K_ST: memcpy(out, st->fpu.st[(fpu_top(st) + r->idx) & 7], 10); return;
    case K_FCW: v = st->fpu.fcw; break;
    case K_FSW: v = st->fpu.fsw; break;
    case K_FTW: v = st->fpu.ftw; break;
    case K_FCS: v = st->fpu.fcs; break;
    case K_FIP: v = st->fpu.fip; break;
    case K_FDS: v = st->fpu.fds; break;
    case K_FDP: v = st->fpu.fdp; break;
    case K_FOP: v = st->fpu.fop; break;
    case K_XMM: memcpy(out, st->fpu.xmm[r->idx], 16); return;
    case K_MXCSR: v = st->fpu.mxcsr; break;
    case K_SEGBASE: v = st->seg[r->idx].base; break;
    case K_CR: v = r->idx == 0 ? st->cr0 : r->idx == 2 ? st->cr2 : r->idx == 3 ? st->cr3 : st->cr4; break;
    case K_EFER: st64(out, st->efer); return;
    case K_GDT_BASE: v = st->gdtr.base; break;
    case K_GDT_LIM: v = st->gdtr.limit; break;
    case K_IDT_BASE: v = st->idtr.base; break;
    case K_IDT_LIM: v = st->idtr.limit; break;
    case K_LDTR: v = st->ldtr.sel; break;
    case K_TR: v = st->tr.sel; break;
    case K_DR: v = st->dr[r->idx]; break;
    }
    st32(out, v);
}

/* Load a segment register the way the CPU would, for a debugger write:
 * real/v86 mode derive the base; protected mode reads the descriptor. */
static void load_seg(struct vcpu *v, struct cpu_state *st, int seg, u16 sel)
{
    struct seg *s = &st->seg[seg];
    s->sel = sel;
    if (seg_is_real(st)) {
        s->base = (u32)sel << 4;
        return;
    }
    if ((sel & ~3u) == 0) {
        if (seg != S_CS && seg != S_SS) s->attr |= SEG_ATTR_UNUSABLE;
        return;
    }
    const struct dtable *t = &st->gdtr;
    struct dtable ldt = {st->ldtr.base, (u16)st->ldtr.limit};
    if (sel & 4) t = &ldt;
    u8 d[8];
    if ((u32)(sel & ~7u) + 7 > t->limit || vcpu_read_virt(v, t->base + (sel & ~7u), d, 8) != 8) return;
    u32 lo = ld32(d), hi = ld32(d + 4);
    u32 lim = (lo & 0xffff) | (hi & 0xf0000);
    if (hi & (1u << 23)) lim = lim << 12 | 0xfff;
    s->base = (lo >> 16) | (hi & 0xff) << 16 | (hi & 0xff000000u);
    s->limit = lim;
    s->attr = seg_attr_from_desc_hi(hi);
}

bool gdb_reg_set(struct vcpu *vc, struct cpu_state *st, int n, const u8 *in)
{
    const struct regdef *r = &regs[n];
    u32 v = r->bytes >= 4 ? ld32(in) : 0;
    switch (r->kind) {
    case K_GPR: st->gpr[r->idx] = v; break;
    case K_PC: {
        u32 off = v - st->seg[S_CS].base;
        if (seg_is_real(st) && off > 0xffff) {
            load_seg(vc, st, S_CS, (u16)((v >> 4) & 0xf000));
            off = v - st->seg[S_CS].base;
        }
        st->eip = off;
        break;
    }
    case K_EFLAGS: st->eflags = (v & 0x3f7fd5u) | FL_FIXED1; break;
    case K_SEG:
        if (st->seg[r->idx].sel != (u16)v) load_seg(vc, st, r->idx, (u16)v);
        break;
    case K_ST: memcpy(st->fpu.st[(fpu_top(st) + r->idx) & 7], in, 10); break;
    case K_FCW: st->fpu.fcw = (u16)v; break;
    case K_FSW: st->fpu.fsw = (u16)v; break;
    case K_FTW: st->fpu.ftw = (u16)v; break;
    case K_FCS: st->fpu.fcs = (u16)v; break;
    case K_FIP: st->fpu.fip = v; break;
    case K_FDS: st->fpu.fds = (u16)v; break;
    case K_FDP: st->fpu.fdp = v; break;
    case K_FOP: st->fpu.fop = (u16)v; break;
    case K_XMM: memcpy(st->fpu.xmm[r->idx], in, 16); break;
    case K_MXCSR: st->fpu.mxcsr = v; break;
    case K_SEGBASE: st->seg[r->idx].base = v; break;
    case K_CR:
        if (r->idx == 0) st->cr0 = v;
        else if (r->idx == 2) st->cr2 = v;
        else if (r->idx == 3) st->cr3 = v;
        else st->cr4 = v;
        break;
    case K_EFER: st->efer = ld64(in); break;
    case K_GDT_BASE: st->gdtr.base = v; break;
    case K_GDT_LIM: st->gdtr.limit = (u16)v; break;
    case K_IDT_BASE: st->idtr.base = v; break;
    case K_IDT_LIM: st->idtr.limit = (u16)v; break;
    case K_DR: st->dr[r->idx] = v; break;
    default: return false; /* LDTR/TR: load them from the guest, not from GDB */
    }
    return true;
}

/* ---- target description ---- */

static const char eflags_type[] =
    "  <flags id=\"i386_eflags\" size=\"4\">\n"
    "    <field name=\"CF\" start=\"0\" end=\"0\"/>\n    <field name=\"\" start=\"1\" end=\"1\"/>\n"
    "    <field name=\"PF\" start=\"2\" end=\"2\"/>\n    <field name=\"AF\" start=\"4\" end=\"4\"/>\n"
    "    <field name=\"ZF\" start=\"6\" end=\"6\"/>\n    <field name=\"SF\" start=\"7\" end=\"7\"/>\n"
    "    <field name=\"TF\" start=\"8\" end=\"8\"/>\n    <field name=\"IF\" start=\"9\" end=\"9\"/>\n"
    "    <field name=\"DF\" start=\"10\" end=\"10\"/>\n    <field name=\"OF\" start=\"11\" end=\"11\"/>\n"
    "    <field name=\"NT\" start=\"14\" end=\"14\"/>\n    <field name=\"RF\" start=\"16\" end=\"16\"/>\n"
    "    <field name=\"VM\" start=\"17\" end=\"17\"/>\n    <field name=\"AC\" start=\"18\" end=\"18\"/>\n"
    "    <field name=\"VIF\" start=\"19\" end=\"19\"/>\n    <field name=\"VIP\" start=\"20\" end=\"20\"/>\n"
    "    <field name=\"ID\" start=\"21\" end=\"21\"/>\n  </flags>\n";

static const char sse_types[] =
    "  <vector id=\"v4f\" type=\"ieee_single\" count=\"4\"/>\n"
    "  <vector id=\"v2d\" type=\"ieee_double\" count=\"2\"/>\n"
    "  <vector id=\"v16i8\" type=\"int8\" count=\"16\"/>\n"
    "  <vector id=\"v8i16\" type=\"int16\" count=\"8\"/>\n"
    "  <vector id=\"v4i32\" type=\"int32\" count=\"4\"/>\n"
    "  <vector id=\"v2i64\" type=\"int64\" count=\"2\"/>\n"
    "  <union id=\"vec128\">\n"
    "    <field name=\"v4_float\" type=\"v4f\"/>\n    <field name=\"v2_double\" type=\"v2d\"/>\n"
    "    <field name=\"v16_int8\" type=\"v16i8\"/>\n    <field name=\"v8_int16\" type=\"v8i16\"/>\n"
    "    <field name=\"v4_int32\" type=\"v4i32\"/>\n    <field name=\"v2_int64\" type=\"v2i64\"/>\n"
    "    <field name=\"uint128\" type=\"uint128\"/>\n  </union>\n"
    "  <flags id=\"i386_mxcsr\" size=\"4\">\n"
    "    <field name=\"IE\" start=\"0\" end=\"0\"/>\n    <field name=\"DE\" start=\"1\" end=\"1\"/>\n"
    "    <field name=\"ZE\" start=\"2\" end=\"2\"/>\n    <field name=\"OE\" start=\"3\" end=\"3\"/>\n"
    "    <field name=\"UE\" start=\"4\" end=\"4\"/>\n    <field name=\"PE\" start=\"5\" end=\"5\"/>\n"
    "    <field name=\"DAZ\" start=\"6\" end=\"6\"/>\n    <field name=\"IM\" start=\"7\" end=\"7\"/>\n"
    "    <field name=\"DM\" start=\"8\" end=\"8\"/>\n    <field name=\"ZM\" start=\"9\" end=\"9\"/>\n"
    "    <field name=\"OM\" start=\"10\" end=\"10\"/>\n    <field name=\"UM\" start=\"11\" end=\"11\"/>\n"
    "    <field name=\"PM\" start=\"12\" end=\"12\"/>\n    <field name=\"FZ\" start=\"15\" end=\"15\"/>\n"
    "  </flags>\n";

static const char sys_types[] =
    "  <flags id=\"i386_cr0\" size=\"4\">\n"
    "    <field name=\"PE\" start=\"0\" end=\"0\"/>\n    <field name=\"MP\" start=\"1\" end=\"1\"/>\n"
    "    <field name=\"EM\" start=\"2\" end=\"2\"/>\n    <field name=\"TS\" start=\"3\" end=\"3\"/>\n"
    "    <field name=\"ET\" start=\"4\" end=\"4\"/>\n    <field name=\"NE\" start=\"5\" end=\"5\"/>\n"
    "    <field name=\"WP\" start=\"16\" end=\"16\"/>\n    <field name=\"AM\" start=\"18\" end=\"18\"/>\n"
    "    <field name=\"NW\" start=\"29\" end=\"29\"/>\n    <field name=\"CD\" start=\"30\" end=\"30\"/>\n"
    "    <field name=\"PG\" start=\"31\" end=\"31\"/>\n  </flags>\n"
    "  <flags id=\"i386_cr4\" size=\"4\">\n"
    "    <field name=\"VME\" start=\"0\" end=\"0\"/>\n    <field name=\"PVI\" start=\"1\" end=\"1\"/>\n"
    "    <field name=\"TSD\" start=\"2\" end=\"2\"/>\n    <field name=\"DE\" start=\"3\" end=\"3\"/>\n"
    "    <field name=\"PSE\" start=\"4\" end=\"4\"/>\n    <field name=\"PAE\" start=\"5\" end=\"5\"/>\n"
    "    <field name=\"MCE\" start=\"6\" end=\"6\"/>\n    <field name=\"PGE\" start=\"7\" end=\"7\"/>\n"
    "    <field name=\"PCE\" start=\"8\" end=\"8\"/>\n    <field name=\"OSFXSR\" start=\"9\" end=\"9\"/>\n"
    "    <field name=\"OSXMMEXCPT\" start=\"10\" end=\"10\"/>\n  </flags>\n"
    "  <flags id=\"i386_efer\" size=\"8\">\n"
    "    <field name=\"SCE\" start=\"0\" end=\"0\"/>\n    <field name=\"LME\" start=\"8\" end=\"8\"/>\n"
    "    <field name=\"LMA\" start=\"10\" end=\"10\"/>\n    <field name=\"NXE\" start=\"11\" end=\"11\"/>\n"
    "  </flags>\n";

static const struct {
    const char *file, *feature, *types;
} feats[F_COUNT] = {
    [F_CORE] = {"i386-core.xml", "org.gnu.gdb.i386.core", eflags_type},
    [F_SSE] = {"i386-sse.xml", "org.gnu.gdb.i386.sse", sse_types},
    [F_SYS] = {"vdebug-sys.xml", "org.vdebug.i386.sys", sys_types},
};

static char *docs[F_COUNT + 1];
static size_t doc_len[F_COUNT + 1];

static void xml_append(char **buf, size_t *len, size_t *cap, const char *fmt, ...) VD_PRINTF(4, 5);
static void xml_append(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(*buf + *len, *cap - *len, fmt, ap);
        va_end(ap);
        if (n >= 0 && (size_t)n < *cap - *len) {
            *len += (size_t)n;
            return;
        }
        *cap = *cap * 2 + (size_t)(n > 0 ? n : 0);
        *buf = realloc(*buf, *cap);
        if (!*buf) abort();
    }
}

static void build_docs(void)
{
    for (int f = 0; f < F_COUNT; f++) {
        size_t len = 0, cap = 4096;
        char *b = malloc(cap);
        if (!b) abort();
        b[0] = 0;
        xml_append(&b, &len, &cap, "<?xml version=\"1.0\"?>\n<!DOCTYPE feature SYSTEM \"gdb-target.dtd\">\n"
                   "<feature name=\"%s\">\n%s", feats[f].feature, feats[f].types);
        for (int i = 0; i < (int)ARRAY_SIZE(regs); i++) {
            if (regs[i].feat != f) continue;
            xml_append(&b, &len, &cap, "  <reg name=\"%s\" bitsize=\"%d\" type=\"%s\" regnum=\"%d\"",
                       regs[i].name, regs[i].bytes * 8, regs[i].type, i);
            if (regs[i].group) xml_append(&b, &len, &cap, " group=\"%s\"", regs[i].group);
            xml_append(&b, &len, &cap, "/>\n");
        }
        xml_append(&b, &len, &cap, "</feature>\n");
        docs[f] = b;
        doc_len[f] = len;
    }
    size_t len = 0, cap = 1024;
    char *b = malloc(cap);
    if (!b) abort();
    xml_append(&b, &len, &cap, "<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
               "<target version=\"1.0\" xmlns:xi=\"http://www.w3.org/2001/XInclude\">\n");
    for (int f = 0; f < F_COUNT; f++) xml_append(&b, &len, &cap, "  <xi:include href=\"%s\"/>\n", feats[f].file);
    xml_append(&b, &len, &cap, "</target>\n");
    docs[F_COUNT] = b;
    doc_len[F_COUNT] = len;
}

const char *gdb_target_xml(const char *annex, size_t *len)
{
    if (!docs[F_COUNT]) build_docs();
    if (!strcmp(annex, "target.xml")) {
        *len = doc_len[F_COUNT];
        return docs[F_COUNT];
    }
    for (int f = 0; f < F_COUNT; f++)
        if (!strcmp(annex, feats[f].file)) {
            *len = doc_len[f];
            return docs[f];
        }
    return NULL;
}
