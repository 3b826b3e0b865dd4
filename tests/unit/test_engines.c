/*
 * The software engines against each other and against themselves: the same
 * guest code runs under the interpreter (the reference), the translator and
 * the translator with its lockstep checker, on vcpus built directly over a
 * board of our own (RAM, two ports, a clock, an interrupt acknowledge), with
 * budgets of every size from 1 to MAXB instructions. For each budget b:
 *
 *   - every engine returns VCPU_EXIT_BUDGET and retires what the reference
 *     retires in b units stepped one at a time (vcpu_run(v, 1) b times): b
 *     instructions, less one per exception delivered (a delivery counts
 *     against the budget and retires nothing); exactly b where nothing is
 *     delivered;
 *   - the full register state (vcpu_get_state, field by field) and all of
 *     RAM are those of the reference stepped b times, in every engine;
 *   - each engine's run then continues to MAXB and ends in the reference's
 *     final state and RAM: a run cut at any instruction and resumed is the
 *     same as an uncut one.
 * The references are fresh vcpus; each engine's runs reuse one vcpu, reset
 * (vcpu_reset, the guests' RAM zeroed and vcpu_mem_changed) before each
 * budget, so its translations of the previous run must be dropped or found
 * stale. RAM is compared where the guests work; that the rest stays zero is
 * checked once per guest and engine, after all the runs.
 *
 * Guests (source at the end of this file, assembled with nasm):
 *   A  32-bit integer loop: ALU with memory operands, a call, a store into
 *      the next instruction's immediate, a far return, REP MOVSD, and
 *      instructions with undefined flags (IMUL, SHLD, BSF, MUL);
 *   B  paging on: #DE and #UD in straight-line code (their handlers skip
 *      the instruction), INT n, #PF on a read and on a write (the handler
 *      maps the page and the instruction is retried), REP MOVSB backwards
 *      (3 batches of up to 1024 iterations, cut by the budget between them)
 *      and REP STOSD over 20 pages (20 retirements: 1024 elements per call on either path), PUSHFD in a loop;
 *   C  IF=1 loop: an OUT to a port whose device raises INTR (taken right
 *      after the OUT), an IN from a port that reads the virtual clock; and
 *      variants where the test raises INTR between runs after k units;
 *   D  real mode: a LOOP, INT n through the IVT, LGDT, CR0.PE, a far jump
 *      to 32-bit code, segment loads.
 * The translator half prints a SKIP line when vcpu_engine_available says
 * the translator is not built for this host.
 */
#include "test.h"
#include "accel/vcpu.h"
#include "base/vclock.h"
#include "mem/iomap.h"
#include "mem/physmem.h"

#define RAM_SIZE (2u << 20)
#define MAXB 200

/* tests/unit/test_engines.c's guest, org 0x1000 (the source is at the end) */
static const u8 guest[] = {
    0x83, 0x04, 0x24, 0x02, 0xff, 0x05, 0x00, 0x50, 0x00, 0x00, 0xcf, 0x83, 0x04, 0x24, 0x02, 0xff,
    0x05, 0x04, 0x50, 0x00, 0x00, 0xcf, 0x50, 0x0f, 0x20, 0xd0, 0xc1, 0xe8, 0x0c, 0x83, 0x0c, 0x85,
    0x00, 0x10, 0x12, 0x00, 0x01, 0x0f, 0x20, 0xd0, 0x0f, 0x01, 0x38, 0x58, 0x83, 0xc4, 0x04, 0xcf,
    0xff, 0x05, 0x08, 0x50, 0x00, 0x00, 0xcf, 0xff, 0x05, 0x0c, 0x50, 0x00, 0x00, 0x01, 0x0d, 0x10,
    0x50, 0x00, 0x00, 0xcf, 0xeb, 0xfe, 0xb9, 0x0c, 0x00, 0x00, 0x00, 0xbe, 0x00, 0x00, 0x10, 0x00,
    0x31, 0xc0, 0x31, 0xdb, 0x31, 0xd2, 0x31, 0xff, 0x01, 0xc8, 0x6b, 0xd8, 0x03, 0x31, 0xda, 0x89,
    0x16, 0x83, 0xc6, 0x04, 0xc1, 0xc0, 0x05, 0x13, 0x56, 0xfc, 0x39, 0xc2, 0x0f, 0x92, 0xc3, 0xe8,
    0x35, 0x00, 0x00, 0x00, 0x88, 0x0d, 0x7c, 0x10, 0x00, 0x00, 0x83, 0xc7, 0x00, 0x49, 0x75, 0xd8,
    0x6a, 0x08, 0x68, 0x88, 0x10, 0x00, 0x00, 0xcb, 0xfc, 0xbe, 0x00, 0x00, 0x10, 0x00, 0xbf, 0x00,
    0x80, 0x10, 0x00, 0xb9, 0x28, 0x00, 0x00, 0x00, 0xf3, 0xa5, 0x8d, 0x6c, 0x58, 0x07, 0x0f, 0xa4,
    0xd0, 0x07, 0x0f, 0xbc, 0xed, 0xf7, 0xe3, 0xeb, 0xfe, 0xf7, 0xd3, 0xc3, 0xb8, 0x64, 0x00, 0x00,
    0x00, 0x31, 0xd2, 0xb9, 0x07, 0x00, 0x00, 0x00, 0x83, 0xf8, 0x03, 0xf7, 0xf1, 0x31, 0xc9, 0xf9,
    0xf7, 0xf1, 0x0f, 0x0b, 0xcd, 0x41, 0x8b, 0x1d, 0x00, 0x00, 0x13, 0x00, 0x89, 0x1d, 0x04, 0x10,
    0x13, 0x00, 0xfd, 0xbe, 0xc3, 0x09, 0x10, 0x00, 0xbf, 0xc3, 0x09, 0x11, 0x00, 0xb9, 0xc4, 0x09,
    0x00, 0x00, 0xf3, 0xa4, 0xfc, 0xbf, 0x00, 0x00, 0x14, 0x00, 0xb9, 0x00, 0x50, 0x00, 0x00, 0xb8,
    0x04, 0x03, 0x02, 0x01, 0xf3, 0xab, 0xb9, 0x1e, 0x00, 0x00, 0x00, 0x51, 0x9c, 0x58, 0x5a, 0x01,
    0xd3, 0x31, 0xd8, 0xe2, 0xf6, 0xeb, 0xfe, 0x31, 0xc9, 0x31, 0xc0, 0x31, 0xdb, 0xfb, 0x41, 0x01,
    0xc8, 0xd1, 0xc0, 0x83, 0xf9, 0x0c, 0x75, 0x02, 0xe6, 0x80, 0x83, 0xf9, 0x05, 0x75, 0xef, 0xe5,
    0x84, 0x89, 0xc3, 0xeb, 0xe9, 0xb8, 0x34, 0x12, 0xb9, 0x0a, 0x00, 0x01, 0xc8, 0xc1, 0xc0, 0x03,
    0xe2, 0xf9, 0xbb, 0x00, 0x50, 0x89, 0x47, 0x20, 0xcd, 0x41, 0x0f, 0x01, 0x16, 0x6d, 0x11, 0x0f,
    0x20, 0xc0, 0x0c, 0x01, 0x0f, 0x22, 0xc0, 0xea, 0x51, 0x11, 0x08, 0x00, 0xff, 0x06, 0x08, 0x50,
    0xcf, 0x66, 0xb8, 0x10, 0x00, 0x8e, 0xd8, 0x8e, 0xc0, 0x8e, 0xd0, 0xbc, 0x00, 0x00, 0x08, 0x00,
    0xb9, 0x14, 0x00, 0x00, 0x00, 0x01, 0xc8, 0x50, 0x5a, 0xe2, 0xfa, 0xeb, 0xfe, 0x17, 0x00, 0x00,
    0x08, 0x00, 0x00,
};
enum {
    G_BASE = 0x1000,
    G_H_DE = 0x1000, G_H_UD = 0x100b, G_H_PF = 0x1016, G_H_INT = 0x1030, G_H_IRQ = 0x1037,
    G_H_OTHER = 0x1044, G_PROG_A = 0x1046, G_PROG_B = 0x10ac, G_PROG_C = 0x1107,
    G_PROG_D = 0x1125, G_H_INT16 = 0x114c,
};
enum { IDT = 0, GDT = 0x800, PD = 0x120000, PT = 0x121000, DATA = 0x100000, STACK = 0x80000 };
enum { IRQ_VECTOR = 0x40 };

static char diff_buf[256];

struct rig {
    struct physmem pm;
    struct iomap io;
    struct vclock ck;
    struct vcpu *v;
    int acks;
    u64 clock_base;         /* the port 0x84 clock reads ck.now - clock_base */
};

/* INTA: the line drops (an edge-triggered source) and the vector is 0x40 */
static int rig_ack(void *o)
{
    struct rig *r = o;
    r->acks++;
    vcpu_set_intr(r->v, false);
    return IRQ_VECTOR;
}
/* port 0x80: writing raises INTR; port 0x84: reads the virtual clock */
static void port_irq_write(void *o, u64 off, u32 val, unsigned size)
{
    struct rig *r = o;
    vcpu_set_intr(r->v, true);
}
static u32 port_clock_read(void *o, u64 off, unsigned size)
{
    struct rig *r = o;
    return (u32)(r->ck.now - r->clock_base);
}

static struct rig *rig_new(const struct vcpu_engine_opts *o)
{
    struct rig *r = calloc(1, sizeof(*r));
    if (!r || physmem_init(&r->pm, RAM_SIZE)) {
        free(r);
        return NULL;
    }
    iomap_init(&r->io, "port");
    iomap_add(&r->io, 0x80, 1, "irq", 1, NULL, port_irq_write, r);
    iomap_add(&r->io, 0x84, 4, "clock", 4, port_clock_read, NULL, r);
    vclock_init(&r->ck);
    struct vcpu_board b = {.mem = &r->pm, .ports = &r->io, .clock = &r->ck, .intr_ack = rig_ack, .intr_opaque = r};
    r->v = vcpu_emu_create(&b, o);
    if (!r->v) {
        iomap_free(&r->io);
        physmem_free(&r->pm);
        free(r);
        return NULL;
    }
    return r;
}

static void rig_free(struct rig *r)
{
    if (!r) return;
    vcpu_destroy(r->v);
    iomap_free(&r->io);
    physmem_free(&r->pm);
    free(r);
}

/* Back to a powered-on vcpu over zeroed RAM (the budget runs reuse one rig
 * per engine; the reference rigs are fresh): what a fresh rig would be,
 * but for the instruction count and the clock, which only move on (the
 * guests see neither: setup sets the TSC, the clock port counts from here). */
/* The RAM the guests use; they must leave the rest zero (checked). */
static const struct { u32 start, len; } used[] = {
    {0, 0x8000},            /* IDT/IVT, GDT, code, counters at 0x5000, real-mode stack */
    {STACK - 0x1000, 0x1000},
    {DATA, 0x60000},        /* data, copies, page tables, #PF pages, REP STOSD */
};

static void rig_reset(struct rig *r)
{
    vcpu_set_intr(r->v, false);
    vcpu_reset(r->v);
    for (size_t i = 0; i < sizeof(used) / sizeof(used[0]); i++) {
        memset(r->pm.ram + used[i].start, 0, used[i].len);
        vcpu_mem_changed(r->v, used[i].start, used[i].len);
    }
    r->acks = 0;
    r->clock_base = r->ck.now;
}

/* NULL when RAM outside used[] is all zero, else the first non-zero byte. */
static const char *stray_write(const struct rig *r)
{
    for (u32 a = 0; a < RAM_SIZE; a++) {
        bool in = false;
        for (size_t i = 0; i < sizeof(used) / sizeof(used[0]) && !in; i++)
            in = a >= used[i].start && a - used[i].start < used[i].len;
        if (!in && r->pm.ram[a]) {
            snprintf(diff_buf, sizeof(diff_buf), "RAM at 0x%x written (0x%02x), outside the guests' areas", a,
                     r->pm.ram[a]);
            return diff_buf;
        }
    }
    return NULL;
}

static void put32(struct rig *r, u32 pa, u32 v) { vcpu_write_phys(r->v, pa, &v, 4); }

static void gate(struct rig *r, unsigned vec, u32 off)
{
    put32(r, IDT + 8 * vec, (0x08u << 16) | (off & 0xffff));
    put32(r, IDT + 8 * vec + 4, (off & 0xffff0000u) | 0x8e00);
}

/* Memory common to every guest: the code, an IDT, a GDT, a data pattern. */
static void setup_memory(struct rig *r)
{
    vcpu_write_phys(r->v, G_BASE, guest, sizeof(guest));
    for (unsigned v = 0; v < 256; v++) gate(r, v, G_H_OTHER);
    gate(r, 0, G_H_DE);
    gate(r, 6, G_H_UD);
    gate(r, 14, G_H_PF);
    gate(r, 0x41, G_H_INT);
    gate(r, IRQ_VECTOR, G_H_IRQ);
    put32(r, GDT + 8, 0x0000ffff);
    put32(r, GDT + 12, 0x00cf9b00);
    put32(r, GDT + 16, 0x0000ffff);
    put32(r, GDT + 20, 0x00cf9300);
    for (u32 i = 0; i < 4096; i += 4) put32(r, DATA + i, i * 0x9e3779b9u);
}

/* Flat 32-bit protected mode at CPL 0, IF=0, at eip. */
static void enter_pm(struct rig *r, u32 eip, bool paging)
{
    struct cpu_state s;
    vcpu_get_state(r->v, &s);
    s.cr0 |= CR0_PE;
    if (paging) {
        s.cr0 |= CR0_PG;
        s.cr3 = PD;
    }
    for (int i = 0; i < 6; i++)
        s.seg[i] = (struct seg){.sel = i == S_CS ? 0x08 : 0x10, .base = 0, .limit = 0xffffffffu,
                                .attr = i == S_CS ? 0xc09bu : 0xc093u};
    s.gdtr = (struct dtable){GDT, 0x17};
    s.idtr = (struct dtable){IDT, 256 * 8 - 1};
    memset(s.gpr, 0, sizeof(s.gpr));
    s.gpr[R_ESP] = STACK;
    s.eflags = FL_FIXED1;
    s.cpl = 0;
    s.eip = eip;
    s.tsc = 0;
    vcpu_set_state(r->v, &s);
}

static void setup_a(struct rig *r)
{
    setup_memory(r);
    enter_pm(r, G_PROG_A, false);
}

static void setup_b(struct rig *r)
{
    setup_memory(r);
    /* identity map of 0-4 MiB; 0x130000 and 0x131000 not present (the #PF
     * handler sets P) */
    put32(r, PD, PT | 3);
    for (u32 p = 0; p < 1024; p++)
        put32(r, PT + 4 * p, (p << 12) | (p == 0x130 || p == 0x131 ? 2 : 3));
    enter_pm(r, G_PROG_B, true);
}

static void setup_c(struct rig *r)
{
    setup_memory(r);
    enter_pm(r, G_PROG_C, false);
}

/* Real mode at 0000:prog_d, SS:SP 0000:7000, IVT entry 0x41 -> 0000:h_int16. */
static void setup_d(struct rig *r)
{
    setup_memory(r);
    put32(r, 0x41 * 4, G_H_INT16);
    struct cpu_state s;
    vcpu_get_state(r->v, &s);
    for (int i = 0; i < 6; i++) {
        s.seg[i].sel = 0;
        s.seg[i].base = 0;
        s.seg[i].limit = 0xffff;
    }
    memset(s.gpr, 0, sizeof(s.gpr));
    s.gpr[R_ESP] = 0x7000;
    s.eip = G_PROG_D;
    s.tsc = 0;
    vcpu_set_state(r->v, &s);
}

/* ---- comparison ---- */

#define DIFF_FIELD(name, x, y) do { \
        if ((x) != (y)) { \
            snprintf(diff_buf, sizeof(diff_buf), "%s: 0x%llx vs 0x%llx", name, \
                     (unsigned long long)(x), (unsigned long long)(y)); \
            return diff_buf; \
        } \
    } while (0)

static const char *seg_diff(const char *name, const struct seg *a, const struct seg *b)
{
    char n[32];
    snprintf(n, sizeof(n), "%s.sel", name);
    DIFF_FIELD(n, a->sel, b->sel);
    snprintf(n, sizeof(n), "%s.base", name);
    DIFF_FIELD(n, a->base, b->base);
    snprintf(n, sizeof(n), "%s.limit", name);
    DIFF_FIELD(n, a->limit, b->limit);
    snprintf(n, sizeof(n), "%s.attr", name);
    DIFF_FIELD(n, a->attr, b->attr);
    return NULL;
}

/* NULL when the states are equal, else the first difference (a vs b). */
static const char *state_diff(const struct cpu_state *a, const struct cpu_state *b)
{
    static const char *const gpr[8] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
    static const char *const sreg[6] = {"es", "cs", "ss", "ds", "fs", "gs"};
    char n[32];
    const char *d;
    for (int i = 0; i < 8; i++) DIFF_FIELD(gpr[i], a->gpr[i], b->gpr[i]);
    DIFF_FIELD("eip", a->eip, b->eip);
    DIFF_FIELD("eflags", a->eflags, b->eflags);
    for (int i = 0; i < 6; i++)
        if ((d = seg_diff(sreg[i], &a->seg[i], &b->seg[i]))) return d;
    if ((d = seg_diff("ldtr", &a->ldtr, &b->ldtr))) return d;
    if ((d = seg_diff("tr", &a->tr, &b->tr))) return d;
    DIFF_FIELD("gdtr.base", a->gdtr.base, b->gdtr.base);
    DIFF_FIELD("gdtr.limit", a->gdtr.limit, b->gdtr.limit);
    DIFF_FIELD("idtr.base", a->idtr.base, b->idtr.base);
    DIFF_FIELD("idtr.limit", a->idtr.limit, b->idtr.limit);
    DIFF_FIELD("cr0", a->cr0, b->cr0);
    DIFF_FIELD("cr2", a->cr2, b->cr2);
    DIFF_FIELD("cr3", a->cr3, b->cr3);
    DIFF_FIELD("cr4", a->cr4, b->cr4);
    for (int i = 0; i < 8; i++) {
        snprintf(n, sizeof(n), "dr%d", i);
        DIFF_FIELD(n, a->dr[i], b->dr[i]);
    }
    DIFF_FIELD("efer", a->efer, b->efer);
    DIFF_FIELD("tsc", a->tsc, b->tsc);
    DIFF_FIELD("sysenter_cs", a->sysenter_cs, b->sysenter_cs);
    DIFF_FIELD("sysenter_esp", a->sysenter_esp, b->sysenter_esp);
    DIFF_FIELD("sysenter_eip", a->sysenter_eip, b->sysenter_eip);
    DIFF_FIELD("apic_base", a->apic_base, b->apic_base);
    DIFF_FIELD("pat", a->pat, b->pat);
    for (int i = 0; i < 28; i++) {
        snprintf(n, sizeof(n), "mtrr[%d]", i);
        DIFF_FIELD(n, a->mtrr[i], b->mtrr[i]);
    }
    for (int i = 0; i < 2; i++) {
        snprintf(n, sizeof(n), "perfevtsel%d", i);
        DIFF_FIELD(n, a->perfevtsel[i], b->perfevtsel[i]);
        snprintf(n, sizeof(n), "perfctr%d", i);
        DIFF_FIELD(n, a->perfctr[i], b->perfctr[i]);
    }
    DIFF_FIELD("fcw", a->fpu.fcw, b->fpu.fcw);
    DIFF_FIELD("fsw", a->fpu.fsw, b->fpu.fsw);
    DIFF_FIELD("ftw", a->fpu.ftw, b->fpu.ftw);
    DIFF_FIELD("fop", a->fpu.fop, b->fpu.fop);
    DIFF_FIELD("fip", a->fpu.fip, b->fpu.fip);
    DIFF_FIELD("fdp", a->fpu.fdp, b->fpu.fdp);
    DIFF_FIELD("fcs", a->fpu.fcs, b->fpu.fcs);
    DIFF_FIELD("fds", a->fpu.fds, b->fpu.fds);
    DIFF_FIELD("st[]", memcmp(a->fpu.st, b->fpu.st, sizeof(a->fpu.st)) != 0, 0);
    DIFF_FIELD("xmm[]", memcmp(a->fpu.xmm, b->fpu.xmm, sizeof(a->fpu.xmm)) != 0, 0);
    DIFF_FIELD("mxcsr", a->fpu.mxcsr, b->fpu.mxcsr);
    DIFF_FIELD("cpl", a->cpl, b->cpl);
    DIFF_FIELD("halted", a->halted, b->halted);
    DIFF_FIELD("intr_shadow", a->intr_shadow, b->intr_shadow);
    DIFF_FIELD("nmi_blocked", a->nmi_blocked, b->nmi_blocked);
    DIFF_FIELD("nmi_pending", a->nmi_pending, b->nmi_pending);
    return NULL;
}

/* NULL when the guests' RAM is equal, else the first differing address. */
static const char *ram_diff(const struct rig *a, const struct rig *b)
{
    for (size_t k = 0; k < sizeof(used) / sizeof(used[0]); k++) {
        const u8 *pa = a->pm.ram + used[k].start, *pb = b->pm.ram + used[k].start;
        if (!memcmp(pa, pb, used[k].len)) continue;
        for (u32 i = 0; i < used[k].len; i++)
            if (pa[i] != pb[i]) {
                snprintf(diff_buf, sizeof(diff_buf), "RAM at 0x%x: 0x%02x vs 0x%02x", used[k].start + i, pa[i], pb[i]);
                return diff_buf;
            }
    }
    return NULL;
}

/* ---- running ---- */

/* Run units [from, to) of a case; the test raises INTR after unit k (k < 0:
 * never). Returns the last exit (VCPU_EXIT_BUDGET when to == from). */
static enum vcpu_exit run_span(struct rig *r, int from, int to, int k)
{
    enum vcpu_exit x = VCPU_EXIT_BUDGET;
    if (k >= from && k < to) {
        if (k > from) {
            x = vcpu_run(r->v, (u64)(k - from));
            if (x != VCPU_EXIT_BUDGET) return x;
        }
        vcpu_set_intr(r->v, true);
        from = k;
    }
    if (to > from) x = vcpu_run(r->v, (u64)(to - from));
    return x;
}

struct engine_cfg {
    const char *name;
    struct vcpu_engine_opts o;
};

struct guest_case {
    const char *name;
    void (*setup)(struct rig *r);
    int intr_at;            /* the test raises INTR after this many units; -1: never */
    bool delivers;          /* exceptions are delivered within MAXB units */
};

/* Everything for one guest. Returns false after reporting the first failure. */
static bool check_guest(const struct guest_case *g, const struct engine_cfg *cfg, int ncfg, u64 *final_icount,
                        struct rig **final_ref)
{
    const struct engine_cfg *interp = &cfg[0];
    /* the reference's final state: MAXB units, one at a time */
    struct rig *fin = rig_new(&interp->o);
    if (!fin) {
        FAILF("%s: no rig", g->name);
        return false;
    }
    g->setup(fin);
    for (int u = 0; u < MAXB; u++) {
        enum vcpu_exit x = run_span(fin, u, u + 1, g->intr_at);
        if (x != VCPU_EXIT_BUDGET) {
            FAILF("%s: reference step %d exits with %d", g->name, u + 1, x);
            rig_free(fin);
            return false;
        }
    }
    struct cpu_state fin_s;
    vcpu_get_state(fin->v, &fin_s);
    *final_icount = vcpu_icount(fin->v);

    /* the reference at b: stepped alongside */
    struct rig *ref = rig_new(&interp->o);
    g->setup(ref);
    bool ok = true;
    struct rig *rigs[4] = {0};
    for (int e = 0; e < ncfg && ok; e++)
        if (!(rigs[e] = rig_new(&cfg[e].o))) {
            FAILF("%s: %s: vcpu_emu_create failed", g->name, cfg[e].name);
            ok = false;
        }
    for (int b = 1; b <= MAXB && ok; b++) {
        run_span(ref, b - 1, b, g->intr_at);
        struct cpu_state ref_s;
        vcpu_get_state(ref->v, &ref_s);
        u64 ref_ic = vcpu_icount(ref->v);
        if (!g->delivers && ref_ic != (u64)b) {
            FAILF("%s: the reference retired %llu instructions in %d one-instruction runs", g->name,
                  (unsigned long long)ref_ic, b);
            ok = false;
            break;
        }
        for (int e = 0; e < ncfg && ok; e++) {
            struct rig *r = rigs[e];
            rig_reset(r);
            g->setup(r);
            u64 ic0 = vcpu_icount(r->v);
            enum vcpu_exit x = run_span(r, 0, b, g->intr_at);
            struct cpu_state s;
            vcpu_get_state(r->v, &s);
            const char *d;
            if (x != VCPU_EXIT_BUDGET) {
                FAILF("%s: %s, budget %d: exit %d, expected VCPU_EXIT_BUDGET", g->name, cfg[e].name, b, x);
                ok = false;
            } else if (vcpu_icount(r->v) - ic0 != ref_ic) {
                FAILF("%s: %s, budget %d: retired %llu, the reference (stepped) %llu", g->name, cfg[e].name, b,
                      (unsigned long long)(vcpu_icount(r->v) - ic0), (unsigned long long)ref_ic);
                ok = false;
            } else if ((d = state_diff(&s, &ref_s))) {
                FAILF("%s: %s, budget %d: state differs from the reference stepped %d times: %s", g->name,
                      cfg[e].name, b, b, d);
                ok = false;
            } else if ((d = ram_diff(r, ref))) {
                FAILF("%s: %s, budget %d: %s (vs the reference)", g->name, cfg[e].name, b, d);
                ok = false;
            } else if (r->acks != ref->acks) {
                FAILF("%s: %s, budget %d: %d interrupts acknowledged, the reference %d", g->name, cfg[e].name, b,
                      r->acks, ref->acks);
                ok = false;
            } else {
                /* resume to MAXB: the same end as the uncut reference */
                x = run_span(r, b, MAXB, g->intr_at);
                vcpu_get_state(r->v, &s);
                if (x != VCPU_EXIT_BUDGET || vcpu_icount(r->v) - ic0 != *final_icount) {
                    FAILF("%s: %s, cut at %d and resumed: exit %d, retired %llu, the reference %llu", g->name,
                          cfg[e].name, b, x, (unsigned long long)(vcpu_icount(r->v) - ic0),
                          (unsigned long long)*final_icount);
                    ok = false;
                } else if ((d = state_diff(&s, &fin_s)) || (d = ram_diff(r, fin))) {
                    FAILF("%s: %s, cut at %d and resumed to %d: %s", g->name, cfg[e].name, b, MAXB, d);
                    ok = false;
                }
            }
        }
    }
    /* nothing any run wrote outside the guests' areas survives the resets */
    for (int e = 0; e < ncfg && ok; e++) {
        const char *d = stray_write(rigs[e]);
        if (d) {
            FAILF("%s: %s: %s", g->name, cfg[e].name, d);
            ok = false;
        }
    }
    for (int e = 0; e < ncfg; e++) rig_free(rigs[e]);
    rig_free(ref);
    *final_ref = fin;
    return ok;
}

static u32 rd32(struct rig *r, u32 pa)
{
    u32 v = 0;
    vcpu_read_phys(r->v, pa, &v, 4);
    return v;
}

static struct engine_cfg cfgs[3];
static int ncfgs;

/* what each guest must have done in MAXB units (so that the comparisons
 * above cover what they claim) */
static void check_coverage(const char *name, struct rig *r, u64 icount)
{
    struct cpu_state s;
    vcpu_get_state(r->v, &s);
    if (!strcmp(name, "a")) {
        CHECK_EQ(icount, MAXB);
        CHECK_EQ(s.gpr[R_ECX], 0);            /* the loop is done */
        CHECK(s.eip >= G_PROG_A && s.eip < G_PROG_B);
    } else if (!strcmp(name, "b")) {
        CHECK_EQ(rd32(r, 0x5000), 1);         /* #DE delivered and handled */
        CHECK_EQ(rd32(r, 0x5004), 1);         /* #UD */
        CHECK_EQ(rd32(r, 0x5008), 1);         /* INT 0x41 */
        CHECK_EQ(rd32(r, PT + 4 * 0x130) & 1, 1); /* both #PF handled */
        CHECK_EQ(rd32(r, PT + 4 * 0x131) & 1, 1);
        CHECK_EQ(MAXB - icount, 4);           /* 4 deliveries: #DE, #UD, #PF, #PF */
        CHECK_EQ(rd32(r, 0x140000 + 20 * 4096 - 4), 0x01020304); /* REP STOSD done */
    } else if (!strncmp(name, "c", 1)) {
        CHECK_EQ(icount, MAXB);
        CHECK(r->acks >= 1);
        CHECK(rd32(r, 0x500C) >= 1);          /* the handler ran */
        if (!strcmp(name, "c")) {
            CHECK_EQ(r->acks, 1);
            CHECK_EQ(rd32(r, 0x5010), 12);    /* taken right after the OUT, at ECX = 12 */
        }
    } else if (!strcmp(name, "d")) {
        CHECK_EQ(icount, MAXB);
        CHECK_EQ(rd32(r, 0x5008) & 0xffff, 1); /* INT 0x41 through the IVT */
        CHECK(s.cr0 & CR0_PE);
        CHECK_EQ(s.seg[S_CS].sel, 0x08);
        CHECK_EQ(s.gpr[R_ESP], STACK);
    }
}

static void run_guest(const struct guest_case *g)
{
    u64 ic = 0;
    struct rig *fin = NULL;
    bool ok = check_guest(g, cfgs, ncfgs, &ic, &fin);
    if (ok && fin) check_coverage(g->name, fin, ic);
    rig_free(fin);
}

TEST(guest_a_integer_loop) { run_guest(&(struct guest_case){"a", setup_a, -1, false}); }
TEST(guest_b_faults_and_rep) { run_guest(&(struct guest_case){"b", setup_b, -1, true}); }
TEST(guest_c_device_interrupt) { run_guest(&(struct guest_case){"c", setup_c, -1, false}); }
TEST(guest_c_intr_before_the_first_instruction) { run_guest(&(struct guest_case){"c0", setup_c, 0, false}); }
TEST(guest_c_intr_after_37) { run_guest(&(struct guest_case){"c37", setup_c, 37, false}); }
TEST(guest_c_intr_after_150) { run_guest(&(struct guest_case){"c150", setup_c, 150, false}); }
TEST(guest_d_real_to_protected) { run_guest(&(struct guest_case){"d", setup_d, -1, false}); }

int main(void)
{
    cfgs[ncfgs++] = (struct engine_cfg){"interp", {.engine = VCPU_ENGINE_INTERP}};
    if (vcpu_engine_available(VCPU_ENGINE_DBT)) {
        cfgs[ncfgs++] = (struct engine_cfg){"dbt", {.engine = VCPU_ENGINE_DBT}};
        cfgs[ncfgs++] = (struct engine_cfg){"dbt,verify=on", {.engine = VCPU_ENGINE_DBT, .verify = true}};
    } else {
        SKIP_CASE(translator, "vcpu_engine_available(VCPU_ENGINE_DBT) is false: the interpreter only");
    }
    RUN(guest_a_integer_loop);
    RUN(guest_b_faults_and_rep);
    RUN(guest_c_device_interrupt);
    RUN(guest_c_intr_before_the_first_instruction);
    RUN(guest_c_intr_after_37);
    RUN(guest_c_intr_after_150);
    RUN(guest_d_real_to_protected);
    return test_summary();
}

/*
 * The guest, assembled with `nasm -f bin` into guest[] above (symbol values
 * from its map file):
 *
 * ; guest code for tests/unit/test_engines.c (org 0x1000, physical = linear)
 * bits 32
 * org 0x1000
 * PT equ 0x121000
 * ; ---- handlers ----
 * h_de:                           ; #DE: skip the 2-byte DIV
 *     add dword [esp], 2
 *     inc dword [0x5000]
 *     iretd
 * h_ud:                           ; #UD: skip the 2-byte UD2
 *     add dword [esp], 2
 *     inc dword [0x5004]
 *     iretd
 * h_pf:                           ; #PF: make the page present, retry
 *     push eax
 *     mov eax, cr2
 *     shr eax, 12
 *     or dword [PT + eax * 4], 1
 *     mov eax, cr2
 *     invlpg [eax]
 *     pop eax
 *     add esp, 4
 *     iretd
 * h_int:                          ; INT 0x41
 *     inc dword [0x5008]
 *     iretd
 * h_irq:                          ; external interrupt, vector 0x40
 *     inc dword [0x500C]
 *     add [0x5010], ecx
 *     iretd
 * h_other:
 *     jmp h_other
 *
 * ; ---- A: integer loop with memory, a call, SMC, far return, string move ----
 * prog_a:
 *     mov ecx, 12
 *     mov esi, 0x100000
 *     xor eax, eax
 *     xor ebx, ebx
 *     xor edx, edx
 *     xor edi, edi
 * .top:
 *     add eax, ecx
 *     imul ebx, eax, 3
 *     xor edx, ebx
 *     mov [esi], edx
 *     add esi, 4
 *     rol eax, 5
 *     adc edx, [esi - 4]
 *     cmp edx, eax
 *     setc bl
 *     call .leaf
 *     mov [.imm + 2], cl          ; SMC: the next instruction's immediate
 * .imm:
 *     add edi, byte 0
 *     dec ecx
 *     jnz .top
 *     push dword 0x08
 *     push dword .far
 *     retf
 * .far:
 *     cld
 *     mov esi, 0x100000
 *     mov edi, 0x108000
 *     mov ecx, 40
 *     rep movsd
 *     lea ebp, [eax + ebx * 2 + 7]
 *     shld eax, edx, 7
 *     bsf ebp, ebp
 *     mul ebx
 *     jmp $
 * .leaf:
 *     not ebx
 *     ret
 *
 * ; ---- B: paging on; faults and their delivery, INT n, REP on both paths ----
 * prog_b:
 *     mov eax, 100
 *     xor edx, edx
 *     mov ecx, 7
 *     cmp eax, 3
 *     div ecx
 *     xor ecx, ecx
 *     stc
 *     div ecx                     ; #DE
 *     ud2                         ; #UD
 *     int 0x41
 *     mov ebx, [0x130000]         ; #PF (not present), then retried
 *     mov [0x131004], ebx         ; #PF on a write, then retried
 *     std
 *     mov esi, 0x100000 + 2499
 *     mov edi, 0x110000 + 2499
 *     mov ecx, 2500
 *     rep movsb                   ; element path: 3 batches
 *     cld
 *     mov edi, 0x140000
 *     mov ecx, 20 * 1024
 *     mov eax, 0x01020304
 *     rep stosd                   ; page runs: 20 retirements
 *     mov ecx, 30
 * .l:
 *     push ecx
 *     pushfd
 *     pop eax
 *     pop edx
 *     add ebx, edx
 *     xor eax, ebx
 *     loop .l
 *     jmp $
 *
 * ; ---- C: IF=1 loop; a device raises INTR on OUT 0x80; IN 0x84 reads the clock ----
 * prog_c:
 *     xor ecx, ecx
 *     xor eax, eax
 *     xor ebx, ebx
 *     sti
 * .l:
 *     inc ecx
 *     add eax, ecx
 *     rol eax, 1
 *     cmp ecx, 12
 *     jne .skip
 *     out 0x80, al                ; INTR rises: taken right after this
 * .skip:
 *     cmp ecx, 5
 *     jne .l
 *     in eax, 0x84                ; virtual time at the access
 *     mov ebx, eax
 *     jmp .l
 *
 * ; ---- D: real mode, a software interrupt through the IVT, switch to protected mode ----
 * bits 16
 * prog_d:
 *     mov ax, 0x1234
 *     mov cx, 10
 * .l:
 *     add ax, cx
 *     rol ax, 3
 *     loop .l
 *     mov bx, 0x5000
 *     mov [bx + 0x20], ax
 *     int 0x41
 *     lgdt [gdt_ptr]
 *     mov eax, cr0
 *     or al, 1
 *     mov cr0, eax
 *     jmp 0x08:pm_entry
 * h_int16:
 *     inc word [0x5008]
 *     iret
 * bits 32
 * pm_entry:
 *     mov ax, 0x10
 *     mov ds, ax
 *     mov es, ax
 *     mov ss, ax
 *     mov esp, 0x80000
 *     mov ecx, 20
 * .l2:
 *     add eax, ecx
 *     push eax
 *     pop edx
 *     loop .l2
 *     jmp $
 * gdt_ptr:
 *     dw 0x17
 *     dd 0x800
 */
