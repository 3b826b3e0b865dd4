/*
 * Memory slow paths and the software TLB.
 *
 * The TLB is a model of a hardware TLB, not just a cache of the page
 * tables: an entry, once filled, is used until something invalidates it
 * (INVLPG, CR3 load, paging-mode changes, cpu_tlb_flush). A guest that
 * edits a PTE without INVLPG keeps the old translation while it is cached,
 * as on hardware. There are two sets (supervisor and user, c->tlb[cpl==3])
 * of three direct-mapped arrays (read, write, fetch) that together model one
 * TLB: a miss in one set first looks for the page in the other set and
 * uses it if its U/S and R/W bits grant the access. An entry records the
 * linear page, the physical page, the effective PTE flags and the host
 * addend. Its tag is also what the inline fast paths in cpu_mem.h compare:
 * when a page must not be accessed inline (MMIO, decoded code in the write
 * array, debugger watchpoints, DR breakpoints), the entry keeps its
 * translation with TLB_SLOW in the tag, so only this file uses it.
 * Translations to physical addresses at or above 4 GiB (PAE) do not fit
 * tlb_entry.paddr and are walked on every access instead. A read fill also fills the write array when the page is
 * writable and already dirty (one DTLB entry on hardware), and a write
 * fill the read array; the write array never holds a page whose D bit is
 * clear, so the first write through a cached read entry walks and sets D.
 */
#include "cpu/sys.h"
#include "cpu/cpu_mem.h"
#include "cpu/debugreg.h"
#include "base/log.h"

bool cpu_is_code_page(const struct cpu *c, const u8 *host);

static inline struct tlb_entry *slot(struct tlb_set *s, int kind, u32 lin)
{
    unsigned i = TLB_IDX(lin);
    return kind == ACC_WRITE ? &s->w[i] : kind == ACC_FETCH ? &s->x[i] : &s->r[i];
}

/* Why the inline fast path may not use a translation of `page` for `kind`
 * (0: it may). */
enum { SLOW_HOST = 1, SLOW_CODE = 2, SLOW_WATCH = 4, SLOW_DR = 8, SLOW_CLEAN = 16, SLOW_PWATCH = 32 };
/* Write tracking: is host in a RAM page not yet written since the bits were cleared? */
static bool clean_page(const struct cpu *c, const u8 *host)
{
    uintptr_t off = (uintptr_t)host - (uintptr_t)c->bus.ram;
    if (!c->bus.dirty || off >= c->bus.ram_size) return false;
    return !(c->bus.dirty[off >> 18] >> ((off >> 12) & 63) & 1);
}
static unsigned slow_reasons(struct cpu *c, int kind, u32 page, u32 pa_page, const u8 *host)
{
    if (!host) return SLOW_HOST;
    unsigned r = 0;
    if (kind == ACC_WRITE && cpu_is_code_page(c, host)) r |= SLOW_CODE;
    if (kind == ACC_WRITE && clean_page(c, host)) r |= SLOW_CLEAN;
    if (kind != ACC_FETCH) {
        if (c->watch_page && c->watch_page(c->watch_opaque, page)) r |= SLOW_WATCH;
        if (c->watch_phys && c->watch_phys_page(c->watch_opaque, pa_page)) r |= SLOW_PWATCH;
        if (cpu_dr_data_page(c, page)) r |= SLOW_DR;
    }
    return r;
}
/* Set e's tag for `page` from the reasons to keep it slow. */
static void set_tag(struct tlb_entry *e, u32 page, unsigned why)
{
    e->tag = why ? page | TLB_SLOW : page;
    e->watch_only = why == SLOW_WATCH;
}

static void fill(struct cpu *c, struct tlb_set *set, int kind, u32 page, u64 pa_page, u32 flags)
{
    struct tlb_entry *e = slot(set, kind, page);
    if (pa_page >> 32) { /* cannot be recorded in a u32 paddr: walk every time */
        e->tag = TLB_INVALID;
        return;
    }
    u8 *host = c->bus.ptr(c->bus.opaque, pa_page, kind == ACC_WRITE);
    e->paddr = (u32)pa_page;
    e->pte_flags = flags;
    e->addend = host ? (uintptr_t)host - (uintptr_t)page : 0;
    set_tag(e, page, slow_reasons(c, kind, page, (u32)pa_page, host));
    unsigned i = TLB_IDX(page);
    set->used[kind][i / 64] |= 1ull << (i % 64);
    set->used_words[kind] |= 1ull << (i / 64);
    if (flags & CPU_PTE_LARGE) set->large = true;
}

/* Linear -> physical for one access that stays within a page: the TLB
 * model first, else a page walk (which may raise #PF) and a fill. */
static u64 translate(struct cpu *c, u32 lin, int acc)
{
    int kind = acc & ACC_KIND_MASK;
    bool sys = acc & ACC_SYS;
    struct tlb_set *set = sys ? &c->tlb[0] : c->tlbc;
    bool user = !sys && c->s.cpl == 3;
    u32 page = lin & 0xfffff000u;
    struct tlb_entry *e = slot(set, kind, lin);
    if (tlb_holds(e, page)) {
        if (e->tag & TLB_SLOW) { /* whatever kept it slow may have gone */
            u8 *host = e->addend ? (u8 *)((uintptr_t)page + e->addend) : NULL;
            set_tag(e, page, slow_reasons(c, kind, page, e->paddr, host));
        }
        return e->paddr | (lin & 0xfff);
    }
    /* Hardware has one TLB whose entries carry U/S: a translation cached by
     * the other privilege set is used if it grants this access. */
    const struct tlb_entry *o = slot(&c->tlb[set == &c->tlb[0]], kind, lin);
    if (tlb_holds(o, page) && (!user || (o->pte_flags & CPU_PTE_U)) &&
        (kind != ACC_WRITE || cpu_pg_writable(c, o->pte_flags, user))) {
        u32 pa = o->paddr, fl = o->pte_flags;
        fill(c, set, kind, page, pa, fl);
        return pa | (lin & 0xfff);
    }
    struct pg_xlat x;
    if (c->s.cr0 & CR0_PG) {
        cpu_pg_walk(c, lin, acc, user, &x);
    } else {
        x.paddr = lin;
        x.flags = CPU_PTE_P | CPU_PTE_W | CPU_PTE_U | CPU_PTE_A | CPU_PTE_D;
    }
    u64 pp = x.paddr & ~0xfffull;
    fill(c, set, kind, page, pp, x.flags);
    if (kind == ACC_READ && (x.flags & CPU_PTE_D) && cpu_pg_writable(c, x.flags, user))
        fill(c, set, ACC_WRITE, page, pp, x.flags);
    else if (kind == ACC_WRITE)
        fill(c, set, ACC_READ, page, pp, x.flags);
    return x.paddr;
}

/* A debugger watchpoint on a physical range: checked once the access's
 * physical address is known (the linear ones are in data_checks). */
static void phys_watch_check(struct cpu *c, u64 pa, unsigned size, int acc, bool write)
{
    if ((acc & ACC_KIND_MASK) == ACC_FETCH) return;
    if (c->watch_phys_hit(c->watch_opaque, pa, size, write)) {
        c->wp_pending = true;
        c->wp_pending_at = c->icount;
        c->events |= EV_DEBUG;
    }
}

/* One access that does not cross a page. */
static u32 access_page(struct cpu *c, u32 lin, unsigned size, int acc, bool write, u32 val)
{
    u64 pa = translate(c, lin, acc);
    if (unlikely(c->watch_phys)) phys_watch_check(c, pa, size, acc, write);
    u8 *host = c->bus.ptr(c->bus.opaque, pa, write);
    if (write) {
        if (host) {
            cpu_note_write(c, host);
            if (cpu_is_code_page(c, host)) cpu_invalidate_host(c, host, size);
            if (c->write_log) c->write_log(c->write_log_opaque, host, size);
            switch (size) {
            case 1: *host = (u8)val; break;
            case 2: st16(host, (u16)val); break;
            default: st32(host, val); break;
            }
        } else {
            c->bus.mmio_write(c->bus.opaque, pa, val, size);
        }
        return 0;
    }
    if (host) return size == 1 ? *host : size == 2 ? ld16(host) : ld32(host);
    return c->bus.mmio_read(c->bus.opaque, pa, size);
}

/* Alignment check (#AC): a misaligned data access at CPL 3 with CR0.AM and EFLAGS.AC. */
static inline void check_ac(struct cpu *c, u32 lin, unsigned size, int acc)
{
    if (unlikely((lin & (size - 1)) && !(acc & ACC_SYS) && c->s.cpl == 3 && (c->s.cr0 & CR0_AM) &&
                 (c->s.eflags & FL_AC)))
        cpu_raise(c, EXC_AC, 0);
}

/* Checks on a whole data access before it is split: alignment (#AC),
 * debugger watchpoints and DR data breakpoints. */
static void data_checks(struct cpu *c, u32 lin, unsigned size, int acc)
{
    bool write = (acc & ACC_KIND_MASK) == ACC_WRITE && !(acc & ACC_PROBE);
    check_ac(c, lin, size, acc);
    if (c->watch_page) {
        u32 last = lin + size - 1;
        if (c->watch_page(c->watch_opaque, lin & 0xfffff000u) ||
            ((last ^ lin) & 0xfffff000u && c->watch_page(c->watch_opaque, last & 0xfffff000u))) {
            /* defaults the callback may refine: 1 = write, 2 = read (vcpu_wp_kind) */
            u32 addr = c->wp_hit_addr;
            int kind = c->wp_hit_kind;
            c->wp_hit_addr = lin;
            c->wp_hit_kind = write ? 1 : 2;
            if (c->watch_hit && c->watch_hit(c->watch_opaque, lin, size, write)) {
                c->wp_pending = true;
                c->wp_pending_at = c->icount;
                c->events |= EV_DEBUG;
            } else if (!c->wp_pending) {
                c->wp_hit_addr = addr;
                c->wp_hit_kind = kind;
            }
        }
    }
    if (c->s.dr[7] & 0xff) cpu_dr_data_check(c, lin, size, write);
}

static void probe(struct cpu *c, u32 lin, unsigned size, int acc)
{
    acc = (acc & ACC_SYS) | ACC_WRITE | ACC_PROBE;
    translate(c, lin, acc);
    if (((lin & 0xfff) + size) > 0x1000) translate(c, (lin | 0xfff) + 1, acc);
}

/* The host address of an access inside one page that a fast TLB entry
 * covers, or NULL. Fast entries are never watched, DR-breakpointed, MMIO or
 * (for writes) code pages, so such an access needs none of the slow checks
 * but #AC: this serves what the inline paths leave here without a TLB miss
 * (misaligned accesses, system-structure accesses). */
static inline u8 *fast_host(struct cpu *c, u32 lin, unsigned size, int acc)
{
    if ((lin & 0xfff) + size > 0x1000) return NULL;
    struct tlb_set *set = (acc & ACC_SYS) ? &c->tlb[0] : c->tlbc;
    const struct tlb_entry *e = slot(set, acc & ACC_KIND_MASK, lin);
    if (e->tag != (lin & 0xfffff000u)) return NULL;
    check_ac(c, lin, size, acc);
    return TLB_HOST(e, lin);
}

u32 cpu_read_slow(struct cpu *c, u32 lin, unsigned size, int acc)
{
    const u8 *h = fast_host(c, lin, size, acc);
    if (h) return size == 1 ? *h : size == 2 ? ld16(h) : ld32(h);
    bool fetch = (acc & ACC_KIND_MASK) == ACC_FETCH;
    if (!fetch) data_checks(c, lin, size, acc);
    if ((lin & 0xfff) + size <= 0x1000) return access_page(c, lin, size, acc, false, 0);
    /* crossing: translate both pages first so a fault on either leaves no effect */
    if (acc & ACC_PROBE) probe(c, lin, size, acc);
    else {
        translate(c, lin, acc);
        translate(c, (lin | 0xfff) + 1, acc);
    }
    u32 v = 0;
    for (unsigned b = 0; b < size; b++)
        v |= access_page(c, lin + b, 1, acc, false, 0) << (8 * b);
    return v;
}

void cpu_probe_write(struct cpu *c, u32 lin, unsigned size) { probe(c, lin, size, 0); }
void cpu_probe_syswrite(struct cpu *c, u32 lin, unsigned size) { probe(c, lin, size, ACC_SYS); }

void cpu_write_slow(struct cpu *c, u32 lin, unsigned size, u32 val, int acc)
{
    u8 *h = fast_host(c, lin, size, acc);
    if (h) {
        if (c->write_log) c->write_log(c->write_log_opaque, h, size);
        if (size == 1) *h = (u8)val;
        else if (size == 2) st16(h, (u16)val);
        else st32(h, val);
        return;
    }
    data_checks(c, lin, size, acc);
    if ((lin & 0xfff) + size <= 0x1000) {
        access_page(c, lin, size, acc, true, val);
        return;
    }
    probe(c, lin, size, acc);
    for (unsigned b = 0; b < size; b++)
        access_page(c, lin + b, 1, acc, true, (val >> (8 * b)) & 0xff);
}

const u8 *cpu_fetch_ptr(struct cpu *c, u32 lin, size_t *avail)
{
    const struct tlb_entry *e = &c->tlbc->x[TLB_IDX(lin)];
    *avail = 0x1000 - (lin & 0xfff);
    if (likely(e->tag == (lin & 0xfffff000u))) return TLB_HOST(e, lin);
    u64 pa = translate(c, lin, ACC_FETCH);
    return c->bus.ptr(c->bus.opaque, pa, false);
}

/* ---- invalidation ---- */
/* Visit every entry that may hold a translation (marked in its set's used
 * bitmap); `body` may drop e, which then leaves the bitmap. */
/* The run loop must leave the block in progress: the fetch translation of
 * its next instruction may have changed. */
static inline void tlb_changed(struct cpu *c)
{
    c->tlb_gen++;
    __atomic_or_fetch(&c->events, EV_BLOCK_END, __ATOMIC_RELAXED);
}

#define FOR_EACH_USED(e, body) \
    for (int s_ = 0; s_ < 2; s_++) \
        for (int k_ = 0; k_ < 3; k_++) { \
            struct tlb_set *set_ = &c->tlb[s_]; \
            struct tlb_entry *arr_ = k_ == ACC_WRITE ? set_->w : k_ == ACC_FETCH ? set_->x : set_->r; \
            for (u64 ws_ = set_->used_words[k_]; ws_; ws_ &= ws_ - 1) { \
                unsigned w_ = (unsigned)__builtin_ctzll(ws_); \
                for (u64 m_ = set_->used[k_][w_]; m_; m_ &= m_ - 1) { \
                    unsigned b_ = (unsigned)__builtin_ctzll(m_); \
                    struct tlb_entry *e = &arr_[w_ * 64 + b_]; \
                    body; \
                    if (e->tag == TLB_INVALID) set_->used[k_][w_] &= ~(1ull << b_); \
                } \
                if (!set_->used[k_][w_]) set_->used_words[k_] &= ~(1ull << w_); \
            } \
        }

void cpu_tlb_flush(struct cpu *c, bool include_global)
{
    tlb_changed(c);
    FOR_EACH_USED(e, if (include_global || !(e->pte_flags & CPU_PTE_G)) e->tag = TLB_INVALID);
    if (include_global) c->tlb[0].large = c->tlb[1].large = false;
}

void cpu_tlb_invlpg(struct cpu *c, u32 lin)
{
    tlb_changed(c);
    u32 page = lin & 0xfffff000u;
    if (!c->tlb[0].large && !c->tlb[1].large) {
        /* only 4 KiB translations: the page can only be in its own slots */
        for (int s = 0; s < 2; s++) {
            struct tlb_set *set = &c->tlb[s];
            unsigned i = TLB_IDX(page);
            if (tlb_holds(&set->r[i], page)) set->r[i].tag = TLB_INVALID;
            if (tlb_holds(&set->w[i], page)) set->w[i].tag = TLB_INVALID;
            if (tlb_holds(&set->x[i], page)) set->x[i].tag = TLB_INVALID;
        }
        return;
    }
    u32 lmask = (c->s.cr4 & CR4_PAE) ? 0xffe00000u : 0xffc00000u;
    FOR_EACH_USED(e, if (tlb_holds(e, page) || (e->tag != TLB_INVALID && (e->pte_flags & CPU_PTE_LARGE) &&
                                                 ((e->tag ^ lin) & lmask) == 0)) e->tag = TLB_INVALID);
}

void cpu_tlb_flush_page(struct cpu *c, u32 lin) { cpu_tlb_invlpg(c, lin); }

void cpu_tlb_demote(struct cpu *c)
{
    tlb_changed(c);
    FOR_EACH_USED(e, if (e->tag != TLB_INVALID) { e->tag |= TLB_SLOW; e->watch_only = 0; });
}

void cpu_tlb_demote_writes(struct cpu *c)
{
    for (int s = 0; s < 2; s++) {
        struct tlb_set *set = &c->tlb[s];
        for (u64 ws = set->used_words[ACC_WRITE]; ws; ws &= ws - 1) {
            unsigned w = (unsigned)__builtin_ctzll(ws);
            for (u64 m = set->used[ACC_WRITE][w]; m; m &= m - 1) {
                struct tlb_entry *e = &set->w[w * 64 + (unsigned)__builtin_ctzll(m)];
                if (!(e->tag & TLB_INVALID)) {
                    e->tag |= TLB_SLOW;
                    e->watch_only = 0;
                }
            }
        }
    }
}

void cpu_tlb_drop_host_writes(struct cpu *c, const u8 *page)
{
    for (int s = 0; s < 2; s++) {
        struct tlb_set *set = &c->tlb[s];
        for (u64 ws = set->used_words[ACC_WRITE]; ws; ws &= ws - 1) {
            unsigned w = (unsigned)__builtin_ctzll(ws);
            for (u64 m = set->used[ACC_WRITE][w]; m; m &= m - 1) {
                struct tlb_entry *e = &set->w[w * 64 + (unsigned)__builtin_ctzll(m)];
                if (!(e->tag & TLB_INVALID) && TLB_HOST(e, e->tag) == page) {
                    e->tag |= TLB_SLOW;
                    e->watch_only = 0;
                }
            }
        }
    }
}

void cpu_sys_state_loaded(struct cpu *c)
{
    if ((c->s.cr0 & CR0_PG) && (c->s.cr4 & CR4_PAE)) cpu_pg_load_pdptes(c, c->s.cr3);
    cpu_tlb_flush(c, true);
    cpu_dr_changed(c);
}
