/*
 * Decoding of descriptor tables, gates, the TSS and page tables for the
 * monitor (see inspect.h). Tables are read at their linear base through
 * the vcpu's non-faulting debug reads; page tables by physical address.
 */
#include "debug/inspect.h"
#include "accel/vcpu.h"
#include <stdio.h>
#include <stdlib.h>

static struct cpu_state state(struct monitor *mon)
{
    struct cpu_state st;
    vcpu_get_state(mon->v, &st);
    return st;
}

static bool is_real(const struct cpu_state *st) { return !(st->cr0 & CR0_PE); }

static const char *mode_name(const struct cpu_state *st)
{
    if (is_real(st)) return "real mode";
    if (st->eflags & FL_VM) return "virtual-8086 mode";
    return st->seg[S_CS].attr & SEG_ATTR_DB ? "protected mode, 32-bit code" : "protected mode, 16-bit code";
}

static const char *paging_name(const struct cpu_state *st)
{
    if (!(st->cr0 & CR0_PG)) return "paging off";
    if (st->cr4 & CR4_PAE) return st->efer & EFER_NXE ? "paging on: PAE, NX" : "paging on: PAE";
    return st->cr4 & CR4_PSE ? "paging on: 2-level, 4 KiB and 4 MiB pages" : "paging on: 2-level, 4 KiB pages";
}

/* Descriptor type in words, from the attr layout (type bits 0-3, S bit 4). */
static const char *type_name(u32 attr)
{
    static const char *const sys[16] = {
        "reserved", "TSS16 avail", "LDT", "TSS16 busy", "call gate16", "task gate", "int gate16", "trap gate16",
        "reserved", "TSS32 avail", "reserved", "TSS32 busy", "call gate32", "reserved", "int gate32", "trap gate32",
    };
    static const char *const cd[16] = {
        "data r-", "data r- A", "data rw", "data rw A", "data r- down", "data r- down A", "data rw down", "data rw down A",
        "code x-", "code x- A", "code xr", "code xr A", "code x- conf", "code x- conf A", "code xr conf", "code xr conf A",
    };
    return attr & SEG_ATTR_S ? cd[SEG_ATTR_TYPE(attr)] : sys[SEG_ATTR_TYPE(attr)];
}

static void print_seg(struct monitor *mon, const char *name, const struct seg *s)
{
    if (s->attr & SEG_ATTR_UNUSABLE) {
        mon_printf(mon, "%-4s %04x  base %08x  limit %08x  attr %05x  unusable\n", name, s->sel, s->base, s->limit,
                   s->attr);
        return;
    }
    mon_printf(mon, "%-4s %04x  base %08x  limit %08x  attr %05x  %-16s DPL%u %s%s%s\n", name, s->sel, s->base,
               s->limit, s->attr, type_name(s->attr), SEG_ATTR_DPL(s->attr), s->attr & SEG_ATTR_P ? "P" : "NP",
               s->attr & SEG_ATTR_DB ? " 32" : " 16", s->attr & SEG_ATTR_G ? " G" : "");
}

static void flags_str(u32 fl, char *b)
{
    static const struct { u32 bit; const char *n; } f[] = {
        {FL_ID, "ID"}, {FL_VIP, "VIP"}, {FL_VIF, "VIF"}, {FL_AC, "AC"}, {FL_VM, "VM"}, {FL_RF, "RF"},
        {FL_NT, "NT"}, {FL_OF, "OF"}, {FL_DF, "DF"}, {FL_IF, "IF"}, {FL_TF, "TF"}, {FL_SF, "SF"},
        {FL_ZF, "ZF"}, {FL_AF, "AF"}, {FL_PF, "PF"}, {FL_CF, "CF"},
    };
    b[0] = 0;
    for (size_t i = 0; i < ARRAY_SIZE(f); i++)
        if (fl & f[i].bit) {
            if (b[0]) strcat(b, " ");
            strcat(b, f[i].n);
        }
}

void inspect_registers(struct monitor *mon)
{
    struct cpu_state st = state(mon);
    char fl[80];
    flags_str(st.eflags, fl);
    mon_printf(mon, "EAX=%08x  EBX=%08x  ECX=%08x  EDX=%08x\n", st.gpr[R_EAX], st.gpr[R_EBX], st.gpr[R_ECX],
               st.gpr[R_EDX]);
    mon_printf(mon, "ESI=%08x  EDI=%08x  EBP=%08x  ESP=%08x\n", st.gpr[R_ESI], st.gpr[R_EDI], st.gpr[R_EBP],
               st.gpr[R_ESP]);
    mon_printf(mon, "EIP=%08x  EFL=%08x [%s]  IOPL=%u\n", st.eip, st.eflags, fl, (st.eflags >> 12) & 3);
    mon_printf(mon, "CPL=%u  %s, %s%s\n", st.cpl, mode_name(&st), paging_name(&st), st.halted ? ", halted" : "");
    static const char *const names[6] = {"ES", "CS", "SS", "DS", "FS", "GS"};
    for (int i = 0; i < 6; i++) print_seg(mon, names[i], &st.seg[i]);
    print_seg(mon, "LDTR", &st.ldtr);
    print_seg(mon, "TR", &st.tr);
    mon_printf(mon, "GDTR      base %08x  limit %04x\n", st.gdtr.base, st.gdtr.limit);
    mon_printf(mon, "IDTR      base %08x  limit %04x\n", st.idtr.base, st.idtr.limit);
    mon_printf(mon, "CR0=%08x  CR2=%08x  CR3=%08x  CR4=%08x\n", st.cr0, st.cr2, st.cr3, st.cr4);
    mon_printf(mon, "DR0=%08x  DR1=%08x  DR2=%08x  DR3=%08x\n", st.dr[0], st.dr[1], st.dr[2], st.dr[3]);
    mon_printf(mon, "DR6=%08x  DR7=%08x  EFER=%016llx\n", st.dr[6], st.dr[7], (unsigned long long)st.efer);
    mon_printf(mon, "SYSENTER CS=%04x ESP=%08x EIP=%08x  PAT=%016llx  APIC_BASE=%08llx\n", st.sysenter_cs,
               st.sysenter_esp, st.sysenter_eip, (unsigned long long)st.pat, (unsigned long long)st.apic_base);
    mon_printf(mon, "FCW=%04x  FSW=%04x  FTW=%04x  MXCSR=%08x\n", st.fpu.fcw, st.fpu.fsw, st.fpu.ftw, st.fpu.mxcsr);
    mon_printf(mon, "TSC=%llu  interrupt shadow=%u  NMI blocked=%u pending=%u\n", (unsigned long long)st.tsc,
               st.intr_shadow, st.nmi_blocked, st.nmi_pending);
}

/* ---- descriptor tables ---- */

static void print_desc(struct monitor *mon, unsigned idx, u16 sel, u32 lo, u32 hi)
{
    u32 attr = seg_attr_from_desc_hi(hi);
    mon_printf(mon, "%4u  %04x  %08x %08x  ", idx, sel, hi, lo);
    if (!(lo | hi)) {
        mon_printf(mon, "null\n");
        return;
    }
    if (!(attr & SEG_ATTR_S) && (SEG_ATTR_TYPE(attr) & 7) >= 4 && SEG_ATTR_TYPE(attr) != 9 && SEG_ATTR_TYPE(attr) != 11) {
        /* a gate in the GDT/LDT */
        u32 off = (lo & 0xffff) | (hi & 0xffff0000u);
        mon_printf(mon, "%-16s -> %04x:%08x  DPL%u %s\n", type_name(attr), lo >> 16, off, SEG_ATTR_DPL(attr),
                   attr & SEG_ATTR_P ? "P" : "NP");
        return;
    }
    u32 base = (lo >> 16) | (hi & 0xff) << 16 | (hi & 0xff000000u);
    u32 lim = (lo & 0xffff) | (hi & 0xf0000);
    if (hi & (1u << 23)) lim = lim << 12 | 0xfff;
    mon_printf(mon, "%-16s base %08x limit %08x DPL%u %s%s%s\n", type_name(attr), base, lim, SEG_ATTR_DPL(attr),
               attr & SEG_ATTR_P ? "P" : "NP", attr & SEG_ATTR_S ? (attr & SEG_ATTR_DB ? " 32" : " 16") : "",
               attr & SEG_ATTR_G ? " G" : "");
}

static void dump_table(struct monitor *mon, const char *what, u32 base, u32 limit, bool ldt)
{
    u32 n = (limit + 1) / 8;
    mon_printf(mon, "%s: base %08x limit %04x (%u entries)\n", what, base, limit, n);
    if (n > 8192) n = 8192;
    mon_printf(mon, "%4s  %-4s  %-17s  %s\n", "idx", "sel", "raw (hi lo)", "decoded");
    unsigned shown = 0, empty = 0;
    for (u32 i = 0; i < n; i++) {
        u8 d[8];
        if (vcpu_read_virt(mon->v, base + i * 8, d, 8) != 8) {
            mon_printf(mon, "%4u  (not mapped at linear %08x)\n", i, base + i * 8);
            break;
        }
        u32 lo = ld32(d), hi = ld32(d + 4);
        if (!(lo | hi) && i) { /* only the null descriptor is shown when empty */
            empty++;
            continue;
        }
        print_desc(mon, i, (u16)(i * 8 | (ldt ? 4 : 0)), lo, hi);
        shown++;
    }
    if (empty) mon_printf(mon, "(%u empty entries not shown)\n", empty);
}

void inspect_gdt(struct monitor *mon)
{
    struct cpu_state st = state(mon);
    dump_table(mon, "GDT", st.gdtr.base, st.gdtr.limit, false);
}

void inspect_ldt(struct monitor *mon)
{
    struct cpu_state st = state(mon);
    if ((st.ldtr.sel & ~3u) == 0 || (st.ldtr.attr & SEG_ATTR_UNUSABLE)) {
        mon_printf(mon, "LDT: none (LDTR = %04x)\n", st.ldtr.sel);
        return;
    }
    dump_table(mon, "LDT", st.ldtr.base, st.ldtr.limit, true);
}

void inspect_idt(struct monitor *mon)
{
    struct cpu_state st = state(mon);
    if (is_real(&st)) {
        u32 n = (st.idtr.limit + 1u) / 4;
        if (n > 256) n = 256;
        mon_printf(mon, "IVT: base %08x limit %04x (real mode)\n vec  handler\n", st.idtr.base, st.idtr.limit);
        for (u32 i = 0; i < n; i++) {
            u8 d[4];
            if (vcpu_read_virt(mon->v, st.idtr.base + i * 4, d, 4) != 4) break;
            mon_printf(mon, "  %02x  %04x:%04x  (linear %05x)\n", i, ld16(d + 2), ld16(d), ld16(d + 2) * 16u + ld16(d));
        }
        return;
    }
    u32 n = (st.idtr.limit + 1u) / 8;
    if (n > 256) n = 256;
    mon_printf(mon, "IDT: base %08x limit %04x (%u gates)\n", st.idtr.base, st.idtr.limit, n);
    mon_printf(mon, "  %-5s  %-16s %-13s  %s\n", "vec", "type", "target", "DPL P");
    u32 lo[256], hi[256];
    u32 have = 0;
    for (; have < n; have++) {
        u8 d[8];
        if (vcpu_read_virt(mon->v, st.idtr.base + have * 8, d, 8) != 8) break;
        lo[have] = ld32(d);
        hi[have] = ld32(d + 4);
    }
    unsigned absent = 0;
    for (u32 i = 0; i < have;) {
        u32 attr = seg_attr_from_desc_hi(hi[i]);
        if (!(attr & SEG_ATTR_P)) {
            absent++;
            i++;
            continue;
        }
        unsigned t = SEG_ATTR_TYPE(attr);
        u32 off = (lo[i] & 0xffff) | (hi[i] & 0xffff0000u);
        if (t == 5) {
            mon_printf(mon, "  %02x     %-16s TSS %04x        DPL%u P\n", i, type_name(attr), lo[i] >> 16,
                       SEG_ATTR_DPL(attr));
            i++;
            continue;
        }
        /* a run of gates alike but for an evenly spaced handler (stub tables) is one line */
        u32 j = i + 1, stride = 0;
        if (j < have && hi[j] == ((hi[i] & 0xffffu) | (hi[j] & 0xffff0000u)) && (lo[j] >> 16) == (lo[i] >> 16)) {
            stride = ((lo[j] & 0xffff) | (hi[j] & 0xffff0000u)) - off;
            while (j < have && (hi[j] & 0xffff) == (hi[i] & 0xffff) && (lo[j] >> 16) == (lo[i] >> 16) &&
                   ((lo[j] & 0xffff) | (hi[j] & 0xffff0000u)) == off + (j - i) * stride)
                j++;
        }
        const char *bad = (attr & SEG_ATTR_S) || !(t == 6 || t == 7 || t == 14 || t == 15) ? "  (not a gate type)" : "";
        if (j - i >= 3 && stride) {
            mon_printf(mon, "  %02x-%02x  %-16s %04x:%08x  DPL%u P  + %u per vector%s\n", i, j - 1, type_name(attr),
                       lo[i] >> 16, off, SEG_ATTR_DPL(attr), stride, bad);
            i = j;
        } else {
            mon_printf(mon, "  %02x     %-16s %04x:%08x  DPL%u P%s\n", i, type_name(attr), lo[i] >> 16, off,
                       SEG_ATTR_DPL(attr), bad);
            i++;
        }
    }
    if (have < n) mon_printf(mon, "  %02x  (not mapped at linear %08x)\n", have, st.idtr.base + have * 8);
    if (absent) mon_printf(mon, "(%u not-present gates not shown)\n", absent);
}

void inspect_tss(struct monitor *mon)
{
    struct cpu_state st = state(mon);
    if (is_real(&st) || (st.tr.sel & ~3u) == 0) {
        mon_printf(mon, "TSS: none (TR = %04x)\n", st.tr.sel);
        return;
    }
    unsigned t = SEG_ATTR_TYPE(st.tr.attr);
    mon_printf(mon, "TR=%04x  base %08x  limit %08x  %s\n", st.tr.sel, st.tr.base, st.tr.limit, type_name(st.tr.attr));
    u8 d[104];
    memset(d, 0, sizeof(d));
    bool t16 = t == 1 || t == 3;
    size_t want = t16 ? 44 : 104;
    if (vcpu_read_virt(mon->v, st.tr.base, d, want) != want) {
        mon_printf(mon, "(TSS not mapped at linear %08x)\n", st.tr.base);
        return;
    }
    if (t16) {
        mon_printf(mon, "link=%04x  sp0=%04x ss0=%04x  sp1=%04x ss1=%04x  sp2=%04x ss2=%04x\n", ld16(d), ld16(d + 2),
                   ld16(d + 4), ld16(d + 6), ld16(d + 8), ld16(d + 10), ld16(d + 12));
        mon_printf(mon, "ip=%04x flags=%04x ax=%04x cx=%04x dx=%04x bx=%04x sp=%04x bp=%04x si=%04x di=%04x\n",
                   ld16(d + 14), ld16(d + 16), ld16(d + 18), ld16(d + 20), ld16(d + 22), ld16(d + 24), ld16(d + 26),
                   ld16(d + 28), ld16(d + 30), ld16(d + 32));
        mon_printf(mon, "es=%04x cs=%04x ss=%04x ds=%04x ldt=%04x\n", ld16(d + 34), ld16(d + 36), ld16(d + 38),
                   ld16(d + 40), ld16(d + 42));
        return;
    }
    mon_printf(mon, "link=%04x  esp0=%08x ss0=%04x  esp1=%08x ss1=%04x  esp2=%08x ss2=%04x\n", ld16(d), ld32(d + 4),
               ld16(d + 8), ld32(d + 12), ld16(d + 16), ld32(d + 20), ld16(d + 24));
    mon_printf(mon, "cr3=%08x  eip=%08x  eflags=%08x\n", ld32(d + 28), ld32(d + 32), ld32(d + 36));
    mon_printf(mon, "eax=%08x ecx=%08x edx=%08x ebx=%08x\n", ld32(d + 40), ld32(d + 44), ld32(d + 48), ld32(d + 52));
    mon_printf(mon, "esp=%08x ebp=%08x esi=%08x edi=%08x\n", ld32(d + 56), ld32(d + 60), ld32(d + 64), ld32(d + 68));
    mon_printf(mon, "es=%04x cs=%04x ss=%04x ds=%04x fs=%04x gs=%04x  ldt=%04x\n", ld16(d + 72), ld16(d + 76),
               ld16(d + 80), ld16(d + 84), ld16(d + 88), ld16(d + 92), ld16(d + 96));
    u16 iomap = ld16(d + 102);
    mon_printf(mon, "T=%u  I/O map base=%04x%s\n", d[100] & 1, iomap,
               iomap > st.tr.limit ? " (beyond the limit: no I/O bitmap)" : "");
}

/* ---- paging ---- */

static void pte_flags(u64 e, bool last, char *b)
{
    snprintf(b, 64, "%s%s%s%s%s%s%s%s%s%s", e & 1 ? "P" : "-", e & 2 ? " RW" : " R-", e & 4 ? " U" : " S",
             e & 8 ? " PWT" : "", e & 16 ? " PCD" : "", e & 32 ? " A" : "", e & 64 ? " D" : "",
             (e & 128) ? (last ? " PAT/PS" : " PS") : "", e & 256 ? " G" : "", e >> 63 ? " NX" : "");
}

void inspect_pg(struct monitor *mon, u32 lin)
{
    struct cpu_state st = state(mon);
    if (!(st.cr0 & CR0_PG)) {
        mon_printf(mon, "paging off: linear %08x = physical %08x\n", lin, lin);
        return;
    }
    bool pae = st.cr4 & CR4_PAE;
    struct vcpu_walk w;
    bool ok = vcpu_walk(mon->v, lin, &w);
    mon_printf(mon, "linear %08x  CR3=%08x  %s\n", lin, st.cr3, paging_name(&st));
    static const char *const n2[] = {"PDE", "PTE"}, *const n3[] = {"PDPTE", "PDE", "PTE"};
    for (int i = 0; i < w.levels && i < 3; i++) {
        char fb[64];
        bool last = i == w.levels - 1;
        pte_flags(w.step[i].entry, last, fb);
        u64 at = w.step[i].table_paddr + (u64)w.step[i].index * (pae ? 8 : 4);
        mon_printf(mon, "  %-5s[%3d] @ %08llx = %0*llx  %s\n", pae ? n3[i] : n2[i], w.step[i].index,
                   (unsigned long long)at, pae ? 16 : 8, (unsigned long long)w.step[i].entry, fb);
    }
    if (!ok || !w.present) {
        mon_printf(mon, "  not mapped\n");
        return;
    }
    mon_printf(mon, "  -> physical %08llx  (%s page, %s %s%s)\n", (unsigned long long)w.paddr,
               w.page_size == 0x1000 ? "4 KiB" : w.page_size == 0x200000 ? "2 MiB" : "4 MiB",
               w.flags & 2 ? "writable" : "read-only", w.flags & 4 ? "user" : "supervisor",
               w.flags & (1u << 31) ? " no-exec" : "");
}

static u64 rd_entry(struct monitor *mon, u64 pa, bool pae, bool *ok);

/* info pg without an address: the top of the tree, one line per present
 * directory entry (what each covers, and where it points). */
void inspect_pg_dir(struct monitor *mon)
{
    struct cpu_state st = state(mon);
    if (!(st.cr0 & CR0_PG)) {
        mon_printf(mon, "paging off: linear = physical\n");
        return;
    }
    bool pae = st.cr4 & CR4_PAE, ok;
    mon_printf(mon, "CR3=%08x  %s\n", st.cr3, paging_name(&st));
    unsigned shown = 0;
    for (u32 p = 0; p < (pae ? 4u : 1u); p++) {
        u64 dir = st.cr3 & ~0xfffu;
        if (pae) {
            u64 pdpte = rd_entry(mon, (st.cr3 & ~0x1fu) + p * 8, true, &ok);
            mon_printf(mon, "PDPTE[%u] = %016llx  %s\n", p, (unsigned long long)pdpte, pdpte & 1 ? "" : "not present");
            if (!ok || !(pdpte & 1)) continue;
            dir = pdpte & 0xffffff000ull;
        }
        for (u32 i = 0; i < (pae ? 512u : 1024u); i++) {
            u64 e = rd_entry(mon, dir + i * (pae ? 8 : 4), pae, &ok);
            if (!ok || !(e & 1)) continue;
            u64 lin = pae ? ((u64)p << 30 | (u64)i << 21) : (u64)i << 22;
            u64 size = pae ? 1ull << 21 : 1ull << 22;
            bool big = (e & 0x80) && (pae || (st.cr4 & CR4_PSE));
            char fb[64];
            pte_flags(e, big, fb);
            u64 to = e & 0xffffff000ull & ~(big ? size - 1 : 0);
            mon_printf(mon, "  PDE[%4u] %08llx-%08llx  %s %08llx  %s\n", i, (unsigned long long)lin,
                       (unsigned long long)(lin + size - 1), big ? "page " : "table", (unsigned long long)to, fb);
            shown++;
        }
    }
    if (!shown) mon_printf(mon, "  (no present directory entries)\n");
}

void inspect_gva2gpa(struct monitor *mon, u32 lin)
{
    struct vcpu_walk w;
    if (!vcpu_walk(mon->v, lin, &w) || !w.present) {
        mon_printf(mon, "Unmapped\n");
        return;
    }
    mon_printf(mon, "gpa: 0x%llx\n", (unsigned long long)w.paddr);
}

/* info mem: walk every table from CR3 and merge contiguous ranges with the
 * same effective protection. */
struct range_acc {
    struct monitor *mon;
    bool open;
    u64 start, end;
    u32 prot;
    unsigned count;
};

static void range_flush(struct range_acc *r)
{
    if (!r->open) return;
    mon_printf(r->mon, "%08llx-%08llx %08llx %c%c%c%s\n", (unsigned long long)r->start, (unsigned long long)r->end,
               (unsigned long long)(r->end - r->start), r->prot & 4 ? 'u' : '-', 'r', r->prot & 2 ? 'w' : '-',
               r->prot & 8 ? " nx" : "");
    r->open = false;
    r->count++;
}

static void range_add(struct range_acc *r, u64 lin, u64 size, u32 prot)
{
    if (r->open && r->end == lin && r->prot == prot) {
        r->end += size;
        return;
    }
    range_flush(r);
    r->open = true;
    r->start = lin;
    r->end = lin + size;
    r->prot = prot;
}

static u64 rd_entry(struct monitor *mon, u64 pa, bool pae, bool *ok)
{
    u8 b[8] = {0};
    *ok = vcpu_read_phys(mon->v, pa, b, pae ? 8 : 4) == (pae ? 8u : 4u);
    return pae ? ld64(b) : ld32(b);
}

void inspect_mem(struct monitor *mon)
{
    struct cpu_state st = state(mon);
    if (!(st.cr0 & CR0_PG)) {
        mon_printf(mon, "paging off: every linear address is the same physical address\n");
        return;
    }
    struct range_acc r = {mon};
    bool ok, nxe = st.efer & EFER_NXE;
    mon_printf(mon, "linear range      size     prot\n");
    if (!(st.cr4 & CR4_PAE)) {
        for (u32 i = 0; i < 1024; i++) {
            u64 pde = rd_entry(mon, (st.cr3 & ~0xfffu) + i * 4, false, &ok);
            u64 lin = (u64)i << 22;
            if (!ok || !(pde & 1)) {
                range_flush(&r);
                continue;
            }
            if ((pde & 0x80) && (st.cr4 & CR4_PSE)) {
                range_add(&r, lin, 1u << 22, (u32)(pde & 6));
                continue;
            }
            for (u32 j = 0; j < 1024; j++) {
                u64 pte = rd_entry(mon, (pde & ~0xfffull) + j * 4, false, &ok);
                if (!ok || !(pte & 1)) range_flush(&r);
                else range_add(&r, lin + ((u64)j << 12), 0x1000, (u32)(pde & pte & 6));
            }
        }
    } else {
        for (u32 p = 0; p < 4; p++) {
            u64 pdpte = rd_entry(mon, (st.cr3 & ~0x1fu) + p * 8, true, &ok);
            if (!ok || !(pdpte & 1)) {
                range_flush(&r);
                continue;
            }
            for (u32 i = 0; i < 512; i++) {
                u64 pde = rd_entry(mon, (pdpte & 0xffffff000ull) + i * 8, true, &ok);
                u64 lin = (u64)p << 30 | (u64)i << 21;
                if (!ok || !(pde & 1)) {
                    range_flush(&r);
                    continue;
                }
                u32 nx1 = nxe && (pde >> 63) ? 8 : 0;
                if (pde & 0x80) {
                    range_add(&r, lin, 1u << 21, (u32)(pde & 6) | nx1);
                    continue;
                }
                for (u32 j = 0; j < 512; j++) {
                    u64 pte = rd_entry(mon, (pde & 0xffffff000ull) + j * 8, true, &ok);
                    if (!ok || !(pte & 1)) range_flush(&r);
                    else range_add(&r, lin + ((u64)j << 12), 0x1000,
                                   (u32)(pde & pte & 6) | nx1 | (nxe && (pte >> 63) ? 8 : 0));
                }
            }
        }
    }
    range_flush(&r);
    if (!r.count) mon_printf(mon, "(nothing mapped)\n");
}

static int tlb_cmp(const void *a, const void *b)
{
    const struct vcpu_tlb_entry *x = a, *y = b;
    if (x->linear != y->linear) return x->linear < y->linear ? -1 : 1;
    if (x->user != y->user) return x->user ? 1 : -1;
    return x->kind - y->kind;
}

void inspect_tlb(struct monitor *mon)
{
    int n = mon->v->ops->tlb_dump(mon->v, NULL, 0);
    if (n <= 0) {
        mon_printf(mon, "TLB empty\n");
        return;
    }
    struct vcpu_tlb_entry *e = calloc((size_t)n, sizeof(*e));
    if (!e) return;
    n = mon->v->ops->tlb_dump(mon->v, e, n);
    qsort(e, (size_t)n, sizeof(*e), tlb_cmp);
    mon_printf(mon, "%d entries\n%-4s %-4s %-8s  %-8s  %-11s %s\n", n, "kind", "set", "linear", "physical",
               "flags", "now");
    unsigned stale = 0;
    for (int i = 0; i < n; i++) {
        struct vcpu_walk w;
        bool ok = vcpu_walk(mon->v, e[i].linear, &w) && w.present;
        /* an entry is stale when the tables now say something else */
        bool bad = !ok || (u32)(w.paddr & ~0xfffull) != e[i].paddr || ((w.flags ^ e[i].flags) & 6);
        stale += bad;
        char fb[64];
        pte_flags(e[i].flags, true, fb);
        mon_printf(mon, "%-4c %-4s %08x  %08x  %-11s %s\n", e[i].kind, e[i].user ? "user" : "sup", e[i].linear,
                   e[i].paddr, fb, !bad ? "ok" : ok ? "STALE" : "STALE (unmapped)");
    }
    if (stale) mon_printf(mon, "%u stale entries (the guest changed its page tables without invalidating)\n", stale);
    free(e);
}

/* ---- memory dumps ---- */

void inspect_dump(struct monitor *mon, u64 addr, unsigned count, char fmt, unsigned size, bool phys)
{
    unsigned per_line = fmt == 'c' ? 16 : 16 / size;
    char line[256];
    size_t ll = 0;
    for (unsigned i = 0; i < count; i++) {
        u64 a = addr + (u64)i * size;
        u8 b[8] = {0};
        size_t got = phys ? vcpu_read_phys(mon->v, a, b, size)
                          : (a + size - 1 <= 0xffffffffull ? vcpu_read_virt(mon->v, (u32)a, b, size) : 0);
        if (i % per_line == 0) {
            if (ll) mon_printf(mon, "%s\n", line);
            ll = (size_t)snprintf(line, sizeof(line), "%08llx:", (unsigned long long)a);
        }
        if (got != size) {
            if (ll) mon_printf(mon, "%s\n", line);
            mon_printf(mon, "%08llx: cannot access %s memory\n", (unsigned long long)a, phys ? "physical" : "linear");
            return;
        }
        u64 v = size == 1 ? b[0] : size == 2 ? ld16(b) : size == 4 ? ld32(b) : ld64(b);
        i64 sv = size == 1 ? (i8)v : size == 2 ? (i16)v : size == 4 ? (i32)v : (i64)v;
        int n = 0;
        switch (fmt) {
        case 'c': n = snprintf(line + ll, sizeof(line) - ll, "%c", v >= 32 && v < 127 ? (int)v : '.'); break;
        case 'd': n = snprintf(line + ll, sizeof(line) - ll, " %*lld", 3 * (int)size + 1, (long long)sv); break;
        case 'u': n = snprintf(line + ll, sizeof(line) - ll, " %*llu", 3 * (int)size, (unsigned long long)v); break;
        case 'o': n = snprintf(line + ll, sizeof(line) - ll, " %#*llo", 3 * (int)size + 1, (unsigned long long)v); break;
        default: n = snprintf(line + ll, sizeof(line) - ll, " 0x%0*llx", 2 * (int)size, (unsigned long long)v); break;
        }
        if (fmt == 'c' && i % per_line == 0) {
            memmove(line + ll + 1, line + ll, (size_t)n + 1);
            line[ll] = ' ';
            n++;
        }
        if (n > 0) ll += (size_t)n;
    }
    if (ll) mon_printf(mon, "%s\n", line);
}
