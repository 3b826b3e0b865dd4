/*
 * Translation blocks: the executable cache, lookup by (host address of the
 * first byte, EIP, CS base, mode key), chaining of direct exits, and the
 * invalidation that keeps self-modifying code exact.
 *
 * Keys: the host address stands for the physical address, so code shared
 * by two address spaces (the kernel under every process's CR3) is found
 * again after a CR3 switch without retranslation; EIP and the CS base are
 * in the key because the host code embeds guest EIPs (return addresses,
 * branch targets, the EIP a fault reports).
 *
 * Chaining: an exit to a known EIP is patched to jump straight into the
 * target block when both run under a CS with a 4 GiB limit and the same
 * mode key. Within one linear page the jump goes to the block's code: the
 * mapping of that page was checked when execution entered it through the
 * dispatcher, and any TLB change ends the block and goes back there. From
 * another page it goes to the block's xentry, which first checks that the
 * fetch TLB still maps the block's linear page to its host page and that
 * no debugger breakpoint is set (else it looks the block up). Mode keys
 * cannot change along a chain because every instruction that may change
 * one ends its block with an unchained exit.
 *
 * Invalidation: translated bytes are marked as code with cpu_code_mark, so
 * every write that overlaps them takes the MMU's slow path and calls
 * cpu_invalidate_host, whose hook here drops exactly the blocks it overlaps
 * and unpatches the jumps chained into them. Their memory stays untouched
 * until the next flush, which only the dispatcher performs, so a block that
 * overwrote itself finishes its current instruction safely.
 */
#include "dbt/dbt_int.h"
#include "cpu/flags.h"
#include <stdlib.h>
#include <sys/mman.h>

#define DEFAULT_CACHE (64u << 20)
#define MIN_CACHE (1u << 20)
#define STUB_AREA 4096

static inline unsigned hash_of(const u8 *host, u32 eip)
{
    uintptr_t a = (uintptr_t)host ^ ((uintptr_t)eip * 0x9e3779b1u);
    return (unsigned)((a ^ (a >> TB_HASH_BITS) ^ (a >> 32)) & ((1u << TB_HASH_BITS) - 1));
}

/* The mode key of the current CPU state (see KEY_*). */
u32 tb_key(const struct cpu *c)
{
    u32 k = c->code_mode == X86_MODE_32 ? KEY_MODE32 : 0;
    if (c->s.cpl == 3) k |= KEY_USER;
    if (c->s.seg[S_SS].attr & SEG_ATTR_DB) k |= KEY_SS32;
    if (c->s.seg[S_CS].limit == 0xffffffffu) k |= KEY_CSLIM4G;
    return k | (u32)c->seg_flat << KEY_FLAT_SHIFT | (u32)c->seg_big << KEY_BIG_SHIFT;
}

struct tb *tb_find(struct dbt *d, const u8 *host, u32 eip, u32 key)
{
    u32 csbase = d->c->s.seg[S_CS].base;
    for (struct tb *t = d->hash[hash_of(host, eip)]; t; t = t->hash_next)
        if (t->host == host && t->eip == eip && t->key == key && t->csbase == csbase) return t;
    return NULL;
}

static inline unsigned jc_idx(u32 eip) { return (eip ^ (eip >> JC_BITS)) & ((1u << JC_BITS) - 1); }

const struct jc_entry *tb_lookup(struct dbt *d, const u8 *host, u32 eip, u32 key)
{
    u32 csbase = d->c->s.seg[S_CS].base;
    struct jc_entry *j = &d->jc[jc_idx(eip)];
    if (j->host == host && j->eip == eip && j->key == key && j->csbase == csbase) return j;
    struct tb *t = tb_find(d, host, eip, key);
    if (!t) return NULL;
    *j = (struct jc_entry){eip, key, csbase, t->bytes, t->n, host, t->code, t};
    return j;
}

static long ram_page(const struct dbt *d, const u8 *p)
{
    const struct cpu *c = d->c;
    if (p < c->bus.ram || p >= c->bus.ram + c->bus.ram_size) return -1;
    return (long)((size_t)(p - c->bus.ram) >> 12);
}

struct tb *tb_alloc(struct dbt *d)
{
    if (d->ntb == d->max_tb) return NULL;
    struct tb *t = &d->tbs[d->ntb++];
    memset(t, 0, sizeof(*t));
    t->gen = d->gen;
    return t;
}

struct tb_exit *tb_alloc_exits(struct dbt *d, unsigned n)
{
    if (d->nexits + n > d->max_exits) return NULL;
    struct tb_exit *x = &d->exits[d->nexits];
    d->nexits += n;
    memset(x, 0, n * sizeof(*x));
    return x;
}

void tb_insert(struct dbt *d, struct tb *t)
{
    unsigned h = hash_of(t->host, t->eip);
    t->hash_next = d->hash[h];
    d->hash[h] = t;
    long pg = ram_page(d, t->host);
    if (pg >= 0) {
        t->page_next = d->page_head[pg];
        d->page_head[pg] = t;
    }
    cpu_code_mark(d->c, t->host, t->bytes);
}

static void unchain_incoming(struct tb *t)
{
    for (struct tb_exit *x = t->in; x; x = x->next_in) {
        x_patch(x->jmp, x->jmp + 4);
        x->dst = NULL;
    }
    t->in = NULL;
}

static void drop(struct dbt *d, struct tb *t)
{
    struct tb **pp = &d->hash[hash_of(t->host, t->eip)];
    while (*pp && *pp != t) pp = &(*pp)->hash_next;
    if (*pp) *pp = t->hash_next;
    unchain_incoming(t);
    struct jc_entry *j = &d->jc[jc_idx(t->eip)];
    if (j->tb == t) j->host = NULL, j->tb = NULL;
    t->host = NULL;
    d->st.invalidations++;
}

static void inval_hook(void *opaque, const u8 *host, size_t len)
{
    struct dbt *d = opaque;
    long pg = ram_page(d, host);
    if (pg < 0) {
        d->flush_pending = true;
        return;
    }
    const u8 *end = host + len;
    for (struct tb **pp = &d->page_head[pg]; *pp;) {
        struct tb *t = *pp;
        if (t->host && t->host < end && t->host + t->bytes > host) drop(d, t);
        if (!t->host) *pp = t->page_next;
        else pp = &t->page_next;
    }
}

static void flush_hook(void *opaque)
{
    struct dbt *d = opaque;
    d->flush_pending = true;
}

void tb_hooks_install(struct dbt *d)
{
    d->c->code_inval_hook = inval_hook;
    d->c->code_flush_hook = flush_hook;
    d->c->code_hook_opaque = d;
}

void tb_flush_now(struct dbt *d)
{
    memset(d->hash, 0, sizeof(d->hash));
    memset(d->jc, 0, sizeof(d->jc));
    memset(d->page_head, 0, d->ram_pages * sizeof(*d->page_head));
    d->ntb = 0;
    d->nexits = 0;
    d->code_used = d->code_start;
    d->gen++;
    d->flush_pending = false;
    d->st.flushes++;
}

static bool alive(const struct dbt *d, const struct tb *t) { return t->host && t->gen == d->gen; }

void tb_chain(struct dbt *d, struct tb_exit *x, struct tb *t)
{
    struct tb *s = x->src;
    if (x->dst || !alive(d, s) || !alive(d, t) || d->flush_pending) return;
    if (s->key != t->key || s->csbase != t->csbase || !(s->key & KEY_CSLIM4G)) return;
    /* within a page straight to the code; from another page through the
     * entry that checks the target's mapping */
    bool same_page = !(((s->csbase + s->eip) ^ (t->csbase + t->eip)) >> 12);
    x_patch(x->jmp, same_page ? t->code : t->xentry);
    x->dst = t;
    x->next_in = t->in;
    t->in = x;
    d->st.chains++;
}

bool tb_cache_init(struct dbt *d, size_t bytes)
{
    if (!bytes) bytes = DEFAULT_CACHE;
    if (bytes < MIN_CACHE) bytes = MIN_CACHE;
    void *m = mmap(NULL, bytes, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return false;
    d->mem = m;
    d->mem_size = bytes;
    /* descriptors: about one block per 512 bytes of code, two exits per block */
    d->max_tb = bytes / 512;
    d->max_exits = d->max_tb * 2 + TB_MAX_INSNS;
    d->tbs = calloc(d->max_tb, sizeof(*d->tbs));
    d->exits = calloc(d->max_exits, sizeof(*d->exits));
    d->ram_pages = (size_t)((d->c->bus.ram_size + 0xfff) >> 12);
    d->page_head = calloc(d->ram_pages + 1, sizeof(*d->page_head));
    if (!d->tbs || !d->exits || !d->page_head) return false;
    d->code_start = d->code_used = STUB_AREA;
    return true;
}

void tb_cache_free(struct dbt *d)
{
    if (d->mem) munmap(d->mem, d->mem_size);
    free(d->tbs);
    free(d->exits);
    free(d->page_head);
}
